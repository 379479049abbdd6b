// `go test -json` (the test2json event stream). Test id: `<package>::<Test>/<sub>`. The final
// pass/fail/skip event of a test is its result; a parent whose subtest failed is failed too, as
// `go test -v` prints it (corpus/reports/README.md). Output lines of a failing test become its
// message. A package that fails without test results (build failure, a crash) is a run problem,
// not a test; a test still running when its binary died counts as failed.
import { CiError } from '../../../core/errors.js';
import type { TestStatus } from '../../../core/model/index.js';
import { splitLines } from '../../../core/lines.js';
import { capMessage, MESSAGE_CAP, ms } from './assemble.js';
import type { ReportParser } from './types.js';

interface GoEvent {
  Time?: string;
  Action?: string;
  Package?: string;
  ImportPath?: string;
  Test?: string;
  Elapsed?: number;
  Output?: string;
}

const RESULT: Record<string, TestStatus> = { pass: 'passed', fail: 'failed', skip: 'skipped' };

/** Lines test2json copies that say nothing about why a test failed. */
const NOISE = /^\s*(=== (RUN|PAUSE|CONT|NAME)\s|--- (PASS|FAIL|SKIP):|PASS\s*$|FAIL\s*$|ok\s)/;

export const parseGoJson: ReportParser = async (input, target, name) => {
  const running = new Map<string, { output: string }>();
  const pkgTests = new Map<string, number>();
  const pkgOutput = new Map<string, string>();
  let first: number | null = null;
  let last: number | null = null;
  for await (const l of splitLines(input, { maxLineBytes: 64 * 1024 * 1024 })) {
    if (l.tooLong || !l.text) continue;
    const text = l.text.trim();
    if (!text) continue;
    if (!text.startsWith('{')) {
      // Before Go 1.24 a package that does not compile is a plain line on stdout, not an event.
      const bf = /^FAIL\s+(\S+)\s+\[(build|setup) failed\]/.exec(text);
      if (bf) target.problem({ kind: 'build_failed', where: bf[1]!, message: text });
      continue;
    }
    let e: GoEvent;
    try {
      e = JSON.parse(text) as GoEvent;
    } catch (err) {
      throw new CiError('E_REPORT_MALFORMED', `line is not a JSON event: ${(err as Error).message}`, {
        where: `${name}:${l.no}`,
        hint: 'pass the stdout of `go test -json` unchanged',
      });
    }
    if (e.Time) {
      const t = Date.parse(e.Time);
      if (Number.isFinite(t)) {
        if (first === null || t < first) first = t;
        if (last === null || t > last) last = t;
      }
    }
    const pkg = e.Package ?? e.ImportPath ?? '';
    const action = e.Action ?? '';
    if (!e.Test) {
      if (action === 'output' && e.Output) appendCapped(pkgOutput, pkg, e.Output);
      if (action === 'build-fail') target.problem({ kind: 'build_failed', where: pkg, message: capMessage(pkgOutput.get(pkg)) ?? 'build failed' });
      if (action === 'fail' && pkg) {
        // Tests that started but never reported: the binary died under them.
        for (const [key, st] of running) {
          if (!key.startsWith(pkg + '::')) continue;
          running.delete(key);
          const test = key.slice(pkg.length + 2);
          target.add({
            id: key,
            suite: pkg,
            classname: pkg,
            name: test,
            status: 'failed',
            duration_ms: null,
            message: capMessage(st.output) ?? 'no result: the test binary exited before the test finished',
          });
          pkgTests.set(pkg, (pkgTests.get(pkg) ?? 0) + 1);
        }
        if (!pkgTests.get(pkg)) {
          const out = pkgOutput.get(pkg) ?? '';
          target.problem({
            kind: /build failed|setup failed|\[.*failed\]/.test(out) ? 'build_failed' : 'binary_crashed',
            where: pkg,
            message: capMessage(out) ?? 'package failed',
          });
        }
      }
      continue;
    }
    const key = `${pkg}::${e.Test}`;
    if (action === 'run') {
      running.set(key, { output: '' });
      continue;
    }
    if (action === 'output') {
      const st = running.get(key);
      if (st && e.Output && !NOISE.test(e.Output) && st.output.length < MESSAGE_CAP) st.output += e.Output;
      continue;
    }
    const status = RESULT[action];
    if (!status) continue; // pause, cont, bench
    const st = running.get(key);
    running.delete(key);
    target.add({
      id: key,
      suite: pkg,
      classname: pkg,
      name: e.Test,
      status,
      duration_ms: typeof e.Elapsed === 'number' ? ms(e.Elapsed) : null,
      message: status === 'passed' ? null : capMessage(st?.output),
    });
    pkgTests.set(pkg, (pkgTests.get(pkg) ?? 0) + 1);
  }
  // A stream cut off mid-run (the job was killed): what was running has no result.
  for (const [key, st] of running) {
    const i = key.indexOf('::');
    target.add({
      id: key,
      suite: key.slice(0, i),
      classname: key.slice(0, i),
      name: key.slice(i + 2),
      status: 'failed',
      duration_ms: null,
      message: capMessage(st.output) ?? 'no result: the stream ended before the test finished',
    });
  }
  target.setRunner('go');
  target.setDuration(first !== null && last !== null ? last - first : null);
};

function appendCapped(m: Map<string, string>, k: string, s: string): void {
  const cur = m.get(k) ?? '';
  if (cur.length < MESSAGE_CAP) m.set(k, cur + s);
}
