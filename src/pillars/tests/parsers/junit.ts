// JUnit XML in its common dialects (Surefire, Gradle, pytest, jest-junit, vitest, mocha-junit-reporter,
// node --test, go-junit-report, cargo nextest, PHPUnit), streamed through saxes: memory does not grow
// with the report, entities are never expanded, and a DOCTYPE that declares entities or points at an
// external DTD is refused (XXE, billion laughs). Test id: `<classname>::<name>` with the attributes
// XML-unescaped exactly once (corpus/reports/README.md) — what the runner wrote is what the id holds,
// including node 20's own double escapes.
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { CiError } from '../../../core/errors.js';
import type { TestStatus } from '../../../core/model/index.js';
import { capMessage, MESSAGE_CAP, ms } from './assemble.js';
import type { ParseTarget, RawCase, ReportParser } from './types.js';

/** Children of <testcase> that carry an outcome, and what they mean. */
const OUTCOME: Record<string, { status: TestStatus; prior: boolean } | undefined> = {
  failure: { status: 'failed', prior: false },
  error: { status: 'errored', prior: false },
  skipped: { status: 'skipped', prior: false },
  // Surefire / nextest (quick-junit): earlier attempts of a test that was re-run.
  flakyFailure: { status: 'failed', prior: true },
  flakyError: { status: 'errored', prior: true },
  rerunFailure: { status: 'failed', prior: true },
  rerunError: { status: 'errored', prior: true },
};

/**
 * Failure types that runners count apart from failures. node --test counts a test cancelled by its
 * parent (or by a timeout) as `cancelled`, which the corpus README maps to `errored`.
 */
const ERRORED_FAILURE_TYPES = new Set(['cancelledByParent', 'testTimeoutFailure']);

interface OpenCase {
  attrs: Record<string, string>;
  suite: string | null;
  classname: string;
  outcome: { status: TestStatus; message: string | null; type: string | null } | null;
  teardown?: { status: TestStatus; message: string | null; type: string | null };
  prior: Array<{ status: TestStatus; duration_ms: number | null; message: string | null }>;
}

const seconds = (v: string | undefined): number | null => {
  if (v === undefined || v === '') return null;
  let n = Number(v);
  // Older Surefire wrote times with the locale's thousands separator (`1,234.5`).
  if (Number.isNaN(n)) n = Number(v.replace(/,/g, ''));
  return Number.isFinite(n) && n >= 0 ? ms(n) : null;
};

function detectRunner(root: SaxesTagPlain): string | null {
  const name = root.attributes.name ?? '';
  if (name === 'jest tests') return 'jest';
  if (name === 'vitest tests') return 'vitest';
  if (name === 'Mocha Tests') return 'mocha';
  if (name === 'pytest tests' || name === 'pytest') return 'pytest';
  if (name === 'nextest-run') return 'cargo-nextest';
  if (Object.keys(root.attributes).some((k) => k.includes('noNamespaceSchemaLocation')) && /surefire/i.test(Object.values(root.attributes).join(' '))) return 'maven-surefire';
  return null;
}

export const parseJunit: ReportParser = async (input, target, name) => {
  const parser = new SaxesParser({ xmlns: false, position: true, fileName: name });
  const suites: string[] = [];
  // The ` > `-joined path of the open suites, kept as suites open and close (not rebuilt per case).
  const paths: Array<string | null> = [];
  // jest-junit writes `test.todo` as a bare passing testcase and leaves it out of the suite's
  // `tests` attribute; jest counts todo apart (the corpus maps it to skipped). Its cases are held per
  // suite so the surplus can be told apart (see reconcileJestTodo).
  const jestBuf: Array<{ declared: number | null; cases: RawCase[] }> = [];
  const emit = (raw: RawCase) => {
    const top = jestBuf[jestBuf.length - 1];
    if (runner === 'jest' && top) top.cases.push(raw);
    else target.add(raw);
  };
  let open: OpenCase | null = null;
  let capture: { text: string; full: boolean } | null = null;
  let depth = 0;
  let rootSeen = false;
  let rootIsReport = false;
  let rootTime: number | null = null;
  let topSuiteTime = 0;
  let topSuiteTimed = false;
  let runner: string | null = null;
  let rootSkipped: number | null = null;
  let skippedSeen = 0;
  let error: unknown = null;

  const fail = (e: unknown) => {
    if (!error) error = e;
  };

  const onText = (t: string) => {
    if (!capture || capture.full) return;
    capture.text += t;
    if (capture.text.length > MESSAGE_CAP) capture.full = true;
  };
  parser.on('doctype', (dt) => {
    if (/<!ENTITY/i.test(dt) || /\b(SYSTEM|PUBLIC)\b/.test(dt)) {
      fail(
        new CiError('E_REPORT_UNSAFE', 'the report declares XML entities or an external DTD; refused (entity expansion is how XXE and billion-laughs attacks work)', {
          where: `${name}:${parser.line}`,
          hint: 'test runners never write a DOCTYPE: regenerate the report with the runner, or remove the DOCTYPE',
        }),
      );
    }
  });
  const nodeSummary: Record<string, number> = {};
  parser.on('comment', (c) => {
    // node --test's junit reporter ends with its summary as comments: <!-- tests N --> ... <!-- todo N -->.
    if (depth !== 1) return;
    const m = /^\s*(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ([\d.]+)\s*$/.exec(c);
    if (!m) return;
    if (m[1] === 'tests' && !runner) runner = 'node-test';
    if (m[1] === 'duration_ms') rootTime = Number(m[2]);
    else nodeSummary[m[1]!] = Number(m[2]);
  });
  parser.on('opentag', (tag) => {
    depth++;
    const n = tag.name;
    if (!rootSeen) {
      rootSeen = true;
      rootIsReport = n === 'testsuites' || n === 'testsuite' || n === 'testrun';
      if (!rootIsReport) {
        fail(
          new CiError('E_REPORT_MALFORMED', `the XML root element is <${n}>, not <testsuites> or <testsuite>`, {
            where: `${name}:${parser.line}`,
            hint: 'pass a JUnit XML report, or --format for another format',
          }),
        );
        return;
      }
      runner = detectRunner(tag);
      const rs = Number(tag.attributes.skipped);
      if (tag.attributes.skipped !== undefined && Number.isInteger(rs)) rootSkipped = rs;
      if (n === 'testsuites') {
        const t = seconds(tag.attributes.time);
        if (t !== null) rootTime = t;
      }
    }
    if (n === 'testsuite') {
      const sn = tag.attributes.name ?? '';
      const parent = paths.length ? paths[paths.length - 1]! : null;
      paths.push(sn === '' ? parent : parent === null ? sn : `${parent} > ${sn}`);
      suites.push(sn);
      if (runner === 'jest') {
        const d = Number(tag.attributes.tests);
        jestBuf.push({ declared: tag.attributes.tests !== undefined && Number.isInteger(d) ? d : null, cases: [] });
      }
      if (suites.length === 1) {
        const t = seconds(tag.attributes.time);
        if (t !== null) {
          topSuiteTime += t;
          topSuiteTimed = true;
        }
        if (!runner) {
          const sn = tag.attributes.name ?? '';
          if (sn === 'pytest') runner = 'pytest';
          else if ('assertions' in tag.attributes && 'file' in tag.attributes) runner = 'phpunit';
        }
      }
      return;
    }
    if (n === 'testcase') {
      const a = tag.attributes;
      const suite = paths.length ? paths[paths.length - 1]! : null;
      const classname = a.classname ?? a.class ?? (suites.length ? suites[suites.length - 1]! : '');
      open = { attrs: a, suite, classname, outcome: null, prior: [] };
      return;
    }
    if (open) {
      const kind = OUTCOME[n];
      if (kind) {
        capture = { text: '', full: false };
        parser.on('text', onText);
        const message = tag.attributes.message ?? null;
        const type = tag.attributes.type ?? null;
        if (kind.prior) {
          open.prior.push({ status: kind.status, duration_ms: seconds(tag.attributes.time), message });
        } else if (kind.status === 'errored' && /^failed on teardown with /.test(message ?? '')) {
          // pytest: the test ran (its own outcome stands) and its fixture's teardown failed after it.
          open.teardown = { status: 'errored', message, type };
        } else if (!open.outcome || rank(kind.status) > rank(open.outcome.status)) {
          let status = kind.status;
          if (status === 'failed' && type && ERRORED_FAILURE_TYPES.has(type)) status = 'errored';
          open.outcome = { status, message, type };
        }
      }
    }
  });
  // saxes builds text only when a text handler is set: set it only while an outcome's body is read,
  // so the whitespace and system-out between elements cost nothing.
  parser.on('cdata', onText);
  parser.on('closetag', (tag) => {
    depth--;
    const n = tag.name;
    if (n === 'testsuite') {
      suites.pop();
      paths.pop();
      const buf = runner === 'jest' ? jestBuf.pop() : undefined;
      if (buf) for (const c of reconcileJestTodo(buf.cases, buf.declared)) target.add(c);
      return;
    }
    if (open && OUTCOME[n]) {
      const body = capture?.text ?? '';
      capture = null;
      parser.off('text');
      const kind = OUTCOME[n]!;
      if (kind.prior) {
        const p = open.prior[open.prior.length - 1]!;
        p.message = capMessage(p.message || body);
      } else if (open.teardown && n === 'error' && !open.teardown.message) {
        open.teardown.message = body;
      } else if (open.outcome && !open.outcome.message) {
        open.outcome.message = body;
      }
      return;
    }
    if (n === 'testcase' && open) {
      const a = open.attrs;
      const nm = a.name ?? '';
      const raw: RawCase = {
        id: `${open.classname}::${nm}`,
        suite: open.suite,
        classname: open.classname,
        name: nm,
        status: open.outcome?.status ?? 'passed',
        duration_ms: seconds(a.time),
        message: capMessage(open.outcome?.message),
        file: a.file ?? null,
        line: a.line && /^\d+$/.test(a.line) ? Number(a.line) : null,
      };
      if (open.prior.length) raw.prior = open.prior;
      const teardown = open.teardown;
      open = null;
      if (raw.status === 'skipped') skippedSeen++;
      emit(raw);
      if (teardown) emit({ ...raw, status: 'errored', duration_ms: null, message: capMessage(teardown.message), separate: true });
    }
  });
  parser.on('error', (e) => {
    fail(
      new CiError('E_REPORT_MALFORMED', `not well-formed XML: ${e.message.replace(/^.*?:\d+:\d+: /, '')}`, {
        where: `${name}:${parser.line}:${parser.column}`,
        hint: 'the report is truncated or corrupt; regenerate it with the test runner',
      }),
    );
  });

  const decoder = new TextDecoder('utf-8');
  for await (const chunk of input) {
    parser.write(decoder.decode(chunk, { stream: true }));
    if (error) throw error;
  }
  parser.write(decoder.decode());
  if (error) throw error;
  parser.close();
  if (error) throw error;
  if (!rootSeen) throw new CiError('E_REPORT_MALFORMED', 'the report has no XML element', { where: name, hint: 'the file is empty or not XML' });
  // mocha-junit-reporter leaves pending tests out unless `includePending` is set, but counts them in
  // the root's `skipped`; mocha's own summary counts them as pending (the corpus maps pending to skipped).
  if (runner === 'mocha' && rootSkipped !== null && rootSkipped > skippedSeen) target.unlisted('skipped', rootSkipped - skippedSeen);
  const ns = nodeSummary;
  if (runner === 'node-test' && ['tests', 'pass', 'fail', 'cancelled', 'skipped', 'todo'].every((k) => Number.isInteger(ns[k]))) {
    // node counts a test with subtests as a test, but its junit reporter writes it as a <testsuite>
    // like a describe block; the summary it embeds is the runner's own count (cancelled = errored).
    target.runnerCounts({ tests: ns.tests!, passed: ns.pass!, failed: ns.fail!, errored: ns.cancelled!, skipped: ns.skipped! + ns.todo! });
  }
  target.setRunner(runner);
  target.setDuration(rootTime ?? (topSuiteTimed ? topSuiteTime : null));
};

/**
 * jest-junit: a suite's `tests` attribute counts passing + failing + pending tests, not todo ones,
 * which it writes as bare testcases with time 0. The surplus of testcases over `tests` is the number
 * of todo tests; they are the bare zero-time cases (when more such cases than todos exist, which of
 * them were todo cannot be known, and the last ones are taken — the counts are right either way).
 */
export function reconcileJestTodo(cases: RawCase[], declared: number | null): RawCase[] {
  if (declared === null) return cases;
  let todo = cases.length - declared;
  if (todo <= 0) return cases;
  for (let i = cases.length - 1; i >= 0 && todo > 0; i--) {
    const c = cases[i]!;
    if (c.status === 'passed' && (c.duration_ms ?? 0) === 0 && !c.message) {
      cases[i] = { ...c, status: 'skipped', message: 'todo' };
      todo--;
    }
  }
  return cases;
}

/** When a testcase carries several outcomes, the worst one wins. */
function rank(s: TestStatus): number {
  return s === 'errored' ? 3 : s === 'failed' ? 2 : s === 'skipped' ? 1 : 0;
}
