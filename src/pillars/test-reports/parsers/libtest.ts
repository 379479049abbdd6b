// cargo test's libtest output (stable cargo writes no JUnit), in its three shapes:
// - pretty (the default): `test <path> ... ok|FAILED|ignored`;
// - terse (`cargo test -q`): a character per test, only failures named (`<path> --- FAILED`, and the
//   `failures:` list); the tests it does not name are counted from the binary's `test result:` line;
// - JSON (`-- -Z unstable-options --format json`): `{ "type": "test", "event": "ok", "name": … }`.
// Test id: `<module path>::<test>`, the name libtest prints. Several test binaries (unit tests,
// tests/*.rs, doc-tests) print several `test result:` blocks; all are read, each a suite run of its
// own. A failure's message is its `---- <name> stdout ----` section (JSON: its `stdout`).
// `#[should_panic]` tests that panicked print `ok` and pass.
import { splitLines } from '../../../core/lines.js';
import type { TestStatus } from '../../../core/model/index.js';
import { capMessage, MESSAGE_CAP, ms } from './assemble.js';
import type { RawCase, ReportParser } from './types.js';

const RESULT_RE = /^test (.+?) \.\.\. (ok|FAILED|ignored(?:, .*)?|bench:.*)$/;
const PENDING_RE = /^test (.+?) \.\.\. ?$/;
const BARE_RESULT_RE = /^(ok|FAILED|ignored(?:, .*)?)$/;
const SUMMARY_RE = /^test result: (ok|FAILED)\. (\d+) passed; (\d+) failed; (\d+) ignored;.*finished in ([\d.]+)s/;
const TERSE_FAILED_RE = /^(.+) --- FAILED$/;
const RUNNING_COUNT_RE = /^running \d+ tests?$/;
const LISTED_RE = /^ {4}(\S.*)$/;
const JSON_EVENT = { ok: 'ok', failed: 'FAILED', ignored: 'ignored', timeout: 'FAILED' } as Record<string, string>;
const RUNNING_RE = /^\s*(Running|Doc-tests) (.+?)(?: \(.*\))?$/;
const STDOUT_RE = /^---- (.+?) std(out|err) ----$/;

export const parseLibtest: ReportParser = async (input, target) => {
  let binary: string | null = null;
  let pending: string | null = null;
  let totalSeconds = 0;
  let anySummary = false;
  // Failures are held until the binary's `test result:` line so their stdout sections become messages.
  let failed: RawCase[] = [];
  let section: { name: string; text: string } | null = null;
  const messages = new Map<string, string>();
  // Per binary: its run number (a suite run), and the tests it named, to count the ones it did not.
  let scope = 1;
  let named = { passed: 0, failed: 0, skipped: 0 };
  // After the second `failures:` header: the names of the failed tests, indented.
  let listing = false;

  const flush = () => {
    for (const c of failed) {
      c.message = capMessage(messages.get(c.id)) ?? c.message;
      target.add(c);
    }
    failed = [];
    messages.clear();
  };
  const nextBinary = () => {
    flush();
    scope++;
    named = { passed: 0, failed: 0, skipped: 0 };
    listing = false;
  };
  const result = (testName: string, word: string) => {
    let nm = testName;
    if (nm.endsWith(' - should panic')) nm = nm.slice(0, -' - should panic'.length);
    if (word.startsWith('bench:')) return; // benchmarks are `measured`, not tests
    const status: TestStatus = word === 'ok' ? 'passed' : word === 'FAILED' ? 'failed' : 'skipped';
    if (status === 'failed' && failed.some((f) => f.id === nm)) return; // named twice (terse: `--- FAILED` and the list)
    named[status === 'failed' ? 'failed' : status === 'passed' ? 'passed' : 'skipped']++;
    const raw: RawCase = {
      id: nm,
      scope,
      suite: binary,
      classname: nm.includes('::') ? nm.slice(0, nm.lastIndexOf('::')) : null,
      name: nm.includes('::') ? nm.slice(nm.lastIndexOf('::') + 2) : nm,
      status,
      duration_ms: null,
      message: status === 'skipped' && word.startsWith('ignored, ') ? word.slice('ignored, '.length) : null,
    };
    if (status === 'failed') failed.push(raw);
    else target.add(raw);
  };

  for await (const l of splitLines(input, { maxLineBytes: 16 * 1024 * 1024 })) {
    if (l.tooLong || l.text === undefined) continue;
    const line = l.text.replace(/\x1b\[[0-9;]*m/g, '');
    if (line.startsWith('{') && !section) {
      const ev = jsonEvent(line);
      if (ev?.type === 'test' && typeof ev.name === 'string' && JSON_EVENT[String(ev.event)]) {
        if (typeof ev.stdout === 'string') messages.set(ev.name.replace(/ - should panic$/, ''), ev.stdout);
        result(ev.name, ev.event === 'ignored' && typeof ev.message === 'string' ? `ignored, ${ev.message}` : JSON_EVENT[String(ev.event)]!);
        continue;
      }
      if (ev?.type === 'suite') {
        if (ev.event === 'started') nextBinary();
        else {
          flush();
          anySummary = true;
          totalSeconds += typeof ev.exec_time === 'number' ? ev.exec_time : 0;
        }
        continue;
      }
    }
    if (section) {
      if (STDOUT_RE.test(line) || line === 'failures:' || line === 'successes:') {
        messages.set(section.name, section.text);
        section = null;
      } else {
        if (section.text.length < MESSAGE_CAP) section.text += line + '\n';
        continue;
      }
    }
    if (listing) {
      const n = LISTED_RE.exec(line);
      if (n) {
        result(n[1]!, 'FAILED');
        continue;
      }
      if (line.trim()) listing = false;
    }
    const tf = TERSE_FAILED_RE.exec(line);
    if (tf && !line.startsWith('test ')) {
      result(tf[1]!, 'FAILED');
      continue;
    }
    if (line === 'failures:') {
      // The first header is followed by the stdout sections, the second by the names.
      listing = true;
      continue;
    }
    const so = STDOUT_RE.exec(line);
    if (so) {
      listing = false;
      section = { name: so[1]!.replace(/ - should panic$/, ''), text: messages.get(so[1]!) ?? '' };
      continue;
    }
    const r = RESULT_RE.exec(line);
    if (r) {
      pending = null;
      result(r[1]!, r[2]!);
      continue;
    }
    const p = PENDING_RE.exec(line);
    if (p) {
      pending = p[1]!;
      continue;
    }
    if (pending) {
      const b = BARE_RESULT_RE.exec(line.trim());
      if (b) {
        result(pending, b[1]!);
        pending = null;
        continue;
      }
      // --nocapture output of the pending test: `<output>ok` on one line when the output lacks a newline.
      const tail = /(?:^|\s|\S)(ok|FAILED|ignored)$/.exec(line);
      if (tail && line.length > tail[1]!.length) {
        const before = line.slice(0, line.length - tail[1]!.length);
        if (!/\w$/.test(before)) {
          result(pending, tail[1]!);
          pending = null;
          continue;
        }
      }
    }
    const run = RUNNING_RE.exec(line);
    if (run) {
      nextBinary();
      binary = run[1] === 'Doc-tests' ? `doc-tests ${run[2]}` : run[2]!;
      continue;
    }
    const s = SUMMARY_RE.exec(line);
    if (s) {
      flush();
      anySummary = true;
      totalSeconds += Number(s[5]);
      // Terse output names only failures: the passing and ignored tests are the summary's rest.
      target.unlisted('passed', Number(s[2]) - named.passed);
      target.unlisted('skipped', Number(s[4]) - named.skipped);
      named = { passed: 0, failed: 0, skipped: 0 };
      continue;
    }
    // `cargo test -q` prints no `Running` line: each binary starts with its `running N tests`.
    if (RUNNING_COUNT_RE.test(line)) {
      scope++;
      listing = false;
    }
  }
  if (section) messages.set(section.name, section.text);
  flush();
  target.setRunner('cargo');
  target.setDuration(anySummary ? ms(totalSeconds) : null);
};

function jsonEvent(line: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(line) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
