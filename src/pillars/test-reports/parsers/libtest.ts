// cargo test's plain libtest output (stable cargo writes no JUnit): `test <path> ... ok|FAILED|ignored`.
// Test id: `<module path>::<test>`, the name libtest prints. Several test binaries (unit tests,
// tests/*.rs, doc-tests) print several `test result:` blocks; all are read. A failure's message is
// its `---- <name> stdout ----` section. `#[should_panic]` tests that panicked print `ok` and pass.
import { splitLines } from '../../../core/lines.js';
import type { TestStatus } from '../../../core/model/index.js';
import { capMessage, MESSAGE_CAP, ms } from './assemble.js';
import type { RawCase, ReportParser } from './types.js';

const RESULT_RE = /^test (.+?) \.\.\. (ok|FAILED|ignored(?:, .*)?|bench:.*)$/;
const PENDING_RE = /^test (.+?) \.\.\. ?$/;
const BARE_RESULT_RE = /^(ok|FAILED|ignored(?:, .*)?)$/;
const SUMMARY_RE = /^test result: (ok|FAILED)\. .*finished in ([\d.]+)s/;
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

  const flush = () => {
    for (const c of failed) {
      c.message = capMessage(messages.get(c.id)) ?? c.message;
      target.add(c);
    }
    failed = [];
    messages.clear();
  };
  const result = (testName: string, word: string) => {
    let nm = testName;
    if (nm.endsWith(' - should panic')) nm = nm.slice(0, -' - should panic'.length);
    if (word.startsWith('bench:')) return; // benchmarks are `measured`, not tests
    const status: TestStatus = word === 'ok' ? 'passed' : word === 'FAILED' ? 'failed' : 'skipped';
    const raw: RawCase = {
      id: nm,
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
    if (section) {
      if (STDOUT_RE.test(line) || line === 'failures:' || line === 'successes:') {
        messages.set(section.name, section.text);
        section = null;
      } else {
        if (section.text.length < MESSAGE_CAP) section.text += line + '\n';
        continue;
      }
    }
    const so = STDOUT_RE.exec(line);
    if (so) {
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
      flush();
      binary = run[1] === 'Doc-tests' ? `doc-tests ${run[2]}` : run[2]!;
      continue;
    }
    const s = SUMMARY_RE.exec(line);
    if (s) {
      flush();
      anySummary = true;
      totalSeconds += Number(s[2]);
    }
  }
  if (section) messages.set(section.name, section.text);
  flush();
  target.setRunner('cargo');
  target.setDuration(anySummary ? ms(totalSeconds) : null);
};
