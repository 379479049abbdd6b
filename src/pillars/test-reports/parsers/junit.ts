// JUnit XML in its common dialects (Surefire, Gradle, pytest, jest-junit, vitest, mocha-junit-reporter,
// node --test, go-junit-report, cargo nextest, PHPUnit), streamed through a purpose-built tokenizer
// (xml-scan.ts, D-tests-6): memory does not grow with the report, entities are never expanded, and a
// DOCTYPE that declares entities or points at an external DTD is refused (XXE, billion laughs). Test
// id: `<classname>::<name>` with the attributes XML-unescaped exactly once (corpus/reports/README.md)
// — what the runner wrote is what the id holds, including node 20's own double escapes.
//
// JunitReader holds what the elements mean; any tokenizer that reports start tags, end tags, text,
// comments and the DOCTYPE can drive it (junit-sax.ts drives it with saxes, the reference the
// tokenizer is tested against).
import path from 'node:path';
import { CiError } from '../../../core/errors.js';
import type { TestStatus } from '../../../core/model/index.js';
import { capMessage, MESSAGE_CAP, ms } from './assemble.js';
import type { ParseTarget, RawCase, ReportParser } from './types.js';
import { driveXml, refuseDoctype, wrongRoot } from './xml-drive.js';
import type { Attrs } from './xml-scan.js';

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

/** The elements whose attributes the reader uses; the tokenizer skips the attributes of all others. */
export const KEPT_ELEMENTS: ReadonlySet<string> = new Set(['testsuites', 'testsuite', 'testrun', 'testcase', ...Object.keys(OUTCOME)]);

/**
 * Failure types that runners count apart from failures. node --test counts a test cancelled by its
 * parent (or by a timeout) as `cancelled`, which the corpus README maps to `errored`.
 */
const ERRORED_FAILURE_TYPES = new Set(['cancelledByParent', 'testTimeoutFailure']);

interface OpenCase {
  attrs: Attrs;
  suite: string | null;
  classname: string;
  outcome: { status: TestStatus; message: string | null; type: string | null } | null;
  /** Where the failure happened, read from its stack when the testcase has no file attribute. */
  location?: { file: string; line: number } | null;
  teardown?: { status: TestStatus; message: string | null; type: string | null };
  prior: Array<{ status: TestStatus; duration_ms: number | null; message: string | null }> | null;
}

/**
 * A source location in a failure's stack: vitest's `❯ src/a.test.ts:4:48`, jest's and node's
 * `at f (/home/runner/work/app/a.test.js:4:48)` or `(file:///…)`, pytest's `tests/test_a.py:12:
 * AssertionError`, Java's `at com.example.T.m(T.java:39)`. Library frames (node_modules) are passed
 * over; the frame in the test's own file — its classname as a path (vitest, jest) or as a class
 * (JUnit's `com.example.TempsTest` in `TempsTest.java`) — wins over the first other frame.
 */
const FRAME =
  /(?:^|[\s(])(?:file:\/\/)?(\/?(?:[\w.@-]+\/)*[\w@-][\w.@-]*\.(?:[cm]?[jt]sx?|py|go|rs|java|kt|scala|rb|php|cs|ex|exs|swift|dart)):(\d+)(?=[:)\s]|$)/gm;

export function failureLocation(body: string, classname: string): { file: string; line: number } | null {
  const cls = classname.split(/[.:$]/).filter(Boolean);
  const own = (file: string) => file === classname || file.endsWith(`/${classname}`) || path.posix.basename(file).split('.')[0] === cls[cls.length - 1];
  let first: { file: string; line: number } | null = null;
  for (const m of body.matchAll(FRAME)) {
    const file = m[1]!;
    if (file.includes('node_modules/')) continue;
    const loc = { file, line: Number(m[2]) };
    if (own(file)) return loc;
    first ??= loc;
  }
  return first;
}

const seconds = (v: string | undefined): number | null => {
  if (v === undefined || v === '') return null;
  const quick = decimalMs(v);
  if (quick !== null) return quick;
  let n = Number(v);
  // Older Surefire wrote times with the locale's thousands separator (`1,234.5`).
  if (Number.isNaN(n)) n = Number(v.replace(/,/g, ''));
  return Number.isFinite(n) && n >= 0 ? ms(n) : null;
};

/**
 * `ms(Number(v))` for the common shape of a time, up to 9 integer digits and 6 decimals (`0.012`),
 * computed exactly in integers: the same value, without the string-to-double conversion that costs
 * more than the rest of a testcase. Anything else (exponents, commas, signs) returns null.
 */
function decimalMs(v: string): number | null {
  const n = v.length;
  let us = 0;
  let i = 0;
  let c = 0;
  for (; i < n; i++) {
    c = v.charCodeAt(i);
    if (c < 48 || c > 57) break;
    us = us * 10 + (c - 48);
  }
  if (i === 0 || i > 9) return null;
  let scale = 1_000_000;
  if (i < n) {
    if (c !== 46 /* . */ || n - i - 1 > 6) return null;
    for (i++; i < n; i++) {
      c = v.charCodeAt(i);
      if (c < 48 || c > 57) return null;
      us = us * 10 + (c - 48);
      scale /= 10;
    }
  }
  return (us * scale) / 1000;
}

function detectRunner(attributes: Attrs): string | null {
  const name = attributes.name ?? '';
  if (name === 'jest tests') return 'jest';
  if (name === 'vitest tests') return 'vitest';
  if (name === 'Mocha Tests') return 'mocha';
  if (name === 'pytest tests' || name === 'pytest') return 'pytest';
  if (name === 'nextest-run') return 'cargo-nextest';
  const present = attributes.entries();
  if (present.some(([k]) => k.includes('noNamespaceSchemaLocation')) && /surefire/i.test(present.map(([, v]) => v).join(' '))) return 'maven-surefire';
  return null;
}

/** What a JUnit document's elements mean, fed by a tokenizer; `where()` names the current place. */
export class JunitReader {
  private readonly suites: string[] = [];
  // The run number of each open suite (a retry is a repeat within one suite run) and the counter.
  private readonly scopes: number[] = [];
  private suiteRuns = 0;
  // The ` > `-joined path of the open suites, kept as suites open and close (not rebuilt per case).
  private readonly paths: Array<string | null> = [];
  // jest-junit writes `test.todo` as a bare passing testcase and leaves it out of the suite's
  // `tests` attribute; jest counts todo apart (the corpus maps it to skipped). Its cases are held per
  // suite so the surplus can be told apart (see reconcileJestTodo).
  private readonly jestBuf: Array<{ declared: number | null; cases: RawCase[] }> = [];
  private open_: OpenCase | null = null;
  private capture: { text: string; full: boolean } | null = null;
  private depth = 0;
  rootSeen = false;
  private rootTime: number | null = null;
  private topSuiteTime = 0;
  private topSuiteTimed = false;
  private runner: string | null = null;
  private rootSkipped: number | null = null;
  private skippedSeen = 0;
  private readonly nodeSummary: Record<string, number> = {};

  constructor(
    private readonly target: ParseTarget,
    private readonly where: () => string,
  ) {}

  /** True while an outcome's body is read: only then does text matter. */
  get capturing(): boolean {
    return this.capture !== null;
  }

  private emit(raw: RawCase): void {
    const top = this.jestBuf[this.jestBuf.length - 1];
    if (this.runner === 'jest' && top) top.cases.push(raw);
    else this.target.add(raw);
  }

  doctype(dt: string): void {
    refuseDoctype(dt, this.where());
  }

  comment(c: string, depth = this.depth): void {
    // node --test's junit reporter ends with its summary as comments: <!-- tests N --> ... <!-- todo N -->.
    if (depth !== 1) return;
    const m = /^\s*(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ([\d.]+)\s*$/.exec(c);
    if (!m) return;
    if (m[1] === 'tests' && !this.runner) this.runner = 'node-test';
    if (m[1] === 'duration_ms') this.rootTime = Number(m[2]);
    else this.nodeSummary[m[1]!] = Number(m[2]);
  }

  text(t: string): void {
    const capture = this.capture;
    if (!capture || capture.full) return;
    capture.text += t;
    if (capture.text.length > MESSAGE_CAP) capture.full = true;
  }

  /** A start tag; `a` is null for elements outside KEPT_ELEMENTS (their attributes are never read). */
  open(n: string, a: Attrs | null): void {
    this.depth++;
    if (!this.rootSeen) {
      this.rootSeen = true;
      if (!(n === 'testsuites' || n === 'testsuite' || n === 'testrun')) {
        throw wrongRoot(n, 'JUnit <testsuites> or <testsuite>', this.where());
      }
      const ra = a!;
      this.runner = detectRunner(ra);
      const rs = Number(ra.skipped);
      if (ra.skipped !== undefined && Number.isInteger(rs)) this.rootSkipped = rs;
      if (n === 'testsuites') {
        const t = seconds(ra.time);
        if (t !== null) this.rootTime = t;
      }
    }
    if (n === 'testsuite') {
      const attrs = a!;
      const sn = attrs.name ?? '';
      const paths = this.paths;
      const parent = paths.length ? paths[paths.length - 1]! : null;
      paths.push(sn === '' ? parent : parent === null ? sn : `${parent} > ${sn}`);
      // A suite without a name is known by its file (jest-junit can write both empty).
      this.suites.push(sn || attrs.file || '');
      this.scopes.push(++this.suiteRuns);
      if (this.runner === 'jest') {
        const d = Number(attrs.tests);
        this.jestBuf.push({ declared: attrs.tests !== undefined && Number.isInteger(d) ? d : null, cases: [] });
      }
      if (this.suites.length === 1) {
        const t = seconds(attrs.time);
        if (t !== null) {
          this.topSuiteTime += t;
          this.topSuiteTimed = true;
        }
        if (!this.runner) {
          if (sn === 'pytest') this.runner = 'pytest';
          else if (attrs.assertions !== undefined && attrs.file !== undefined) this.runner = 'phpunit';
        }
      }
      return;
    }
    if (n === 'testcase') {
      const attrs = a!;
      const suite = this.paths.length ? this.paths[this.paths.length - 1]! : null;
      // An empty classname (jest-junit's default for some setups) is no classname: the suite names the test.
      const classname = attrs.classname || attrs.class || (this.suites.length ? this.suites[this.suites.length - 1]! : '');
      this.open_ = { attrs, suite, classname, outcome: null, prior: null };
      return;
    }
    const open = this.open_;
    if (open) {
      const kind = OUTCOME[n];
      if (kind) {
        const attrs = a!;
        this.capture = { text: '', full: false };
        const message = attrs.message ?? null;
        const type = attrs.type ?? null;
        if (kind.prior) {
          (open.prior ??= []).push({ status: kind.status, duration_ms: seconds(attrs.time), message });
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
  }

  close(n: string): void {
    this.depth--;
    if (n === 'testsuite') {
      this.suites.pop();
      this.scopes.pop();
      this.paths.pop();
      const buf = this.runner === 'jest' ? this.jestBuf.pop() : undefined;
      if (buf) for (const c of reconcileJestTodo(buf.cases, buf.declared)) this.target.add(c);
      return;
    }
    const open = this.open_;
    if (open && OUTCOME[n]) {
      const body = this.capture?.text ?? '';
      this.capture = null;
      const kind = OUTCOME[n]!;
      // Only the part every tokenizer keeps whatever its chunk sizes (the capture stops past the cap).
      if (!kind.prior && open.location === undefined && open.attrs.file === undefined)
        open.location = failureLocation(body.slice(0, MESSAGE_CAP), open.classname);
      if (kind.prior) {
        const p = open.prior![open.prior!.length - 1]!;
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
        status: open.outcome?.status ?? (notRun(a) ? 'skipped' : 'passed'),
        duration_ms: seconds(a.time),
        message: capMessage(open.outcome?.message),
        file: a.file ?? open.location?.file ?? null,
        line: a.line && /^\d+$/.test(a.line) ? Number(a.line) : (open.location?.line ?? null),
        scope: this.scopes.length ? this.scopes[this.scopes.length - 1]! : 0,
      };
      if (open.prior) raw.prior = open.prior;
      const teardown = open.teardown;
      this.open_ = null;
      if (raw.status === 'skipped') this.skippedSeen++;
      this.emit(raw);
      if (teardown) this.emit({ ...raw, status: 'errored', duration_ms: null, message: capMessage(teardown.message), separate: true });
    }
  }

  /** After the last element: run-level figures. */
  finish(name: string): void {
    if (!this.rootSeen) throw new CiError('E_REPORT_MALFORMED', 'the report has no XML element', { where: name, hint: 'the file is empty or not XML' });
    const { target, runner, rootSkipped, skippedSeen } = this;
    // mocha-junit-reporter leaves pending tests out unless `includePending` is set, but counts them in
    // the root's `skipped`; mocha's own summary counts them as pending (the corpus maps pending to skipped).
    if (runner === 'mocha' && rootSkipped !== null && rootSkipped > skippedSeen) target.unlisted('skipped', rootSkipped - skippedSeen);
    const ns = this.nodeSummary;
    if (runner === 'node-test' && ['tests', 'pass', 'fail', 'cancelled', 'skipped', 'todo'].every((k) => Number.isInteger(ns[k]))) {
      // node counts a test with subtests as a test, but its junit reporter writes it as a <testsuite>
      // like a describe block; the summary it embeds is the runner's own count (cancelled = errored).
      target.runnerCounts({ tests: ns.tests!, passed: ns.pass!, failed: ns.fail!, errored: ns.cancelled!, skipped: ns.skipped! + ns.todo! });
    }
    target.setRunner(runner);
    target.setDuration(this.rootTime ?? (this.topSuiteTimed ? this.topSuiteTime : null));
  }
}

export const parseJunit: ReportParser = (input, target, name) => driveXml(input, name, KEPT_ELEMENTS, (where) => new JunitReader(target, where));

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

/**
 * A testcase without an outcome child that says it did not run: `status="disabled"` (tst, the
 * suites' `disabled` attribute counts it), GoogleTest's `status="notrun"` / `result="suppressed"`.
 */
const NOT_RUN = new Set(['disabled', 'notrun', 'not_run', 'skipped', 'ignored', 'suppressed']);
function notRun(a: Attrs): boolean {
  if (a.other === null) return false;
  const st = a.get('status');
  if (st !== undefined && NOT_RUN.has(st.toLowerCase())) return true;
  const r = a.get('result');
  return r !== undefined && NOT_RUN.has(r.toLowerCase());
}

/** When a testcase carries several outcomes, the worst one wins. */
function rank(s: TestStatus): number {
  return s === 'errored' ? 3 : s === 'failed' ? 2 : s === 'skipped' ? 1 : 0;
}
