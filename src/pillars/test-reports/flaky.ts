// Flakiness (issue 5 "Flakiness"; seed 001 "Flake Detection": a test is flaky if it fails and passes
// on retry without code changes). Counted exactly: only a failure that a pass of the same test on the
// same commit contradicts is a flaky event. A passing execution is never a flaky event, and a test
// that fails every time on a commit is broken, not flaky. Pure functions: the CLI and the hub call them.
import { globToRegExp } from '../../core/glob.js';
import type { TestStatus } from '../../core/model/index.js';

export interface Execution {
  id: string;
  status: TestStatus;
  /** The commit the execution ran on; executions of one commit can contradict each other. */
  commit: string;
  /** Which run (report, CI run) it belongs to. */
  run: string;
  /** Suite type (unit, integration, e2e ...) when known. */
  type?: string;
}

export interface TestTally {
  id: string;
  failed: number;
  passed: number;
}

export interface FlakyVerdict {
  /** Tests with a failure contradicted by a pass on the same commit; `failed` = their flaky events. */
  flaky: TestTally[];
  /** Tests that failed on a commit and never passed on it. */
  broken: TestTally[];
  /** `${commit}\u0000${id}` of every (commit, test) pair with flaky events. */
  flakyKeys: Set<string>;
}

const isFail = (s: TestStatus) => s === 'failed' || s === 'errored';
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function classify(executions: Iterable<Execution>): FlakyVerdict {
  const tally = new Map<string, { commit: string; id: string; failed: number; passed: number }>();
  for (const e of executions) {
    if (e.status === 'skipped') continue;
    const k = `${e.commit}\u0000${e.id}`;
    let t = tally.get(k);
    if (!t) tally.set(k, (t = { commit: e.commit, id: e.id, failed: 0, passed: 0 }));
    if (isFail(e.status)) t.failed++;
    else t.passed++;
  }
  const flaky = new Map<string, TestTally>();
  const broken = new Map<string, TestTally>();
  const flakyKeys = new Set<string>();
  for (const [k, t] of tally) {
    if (t.failed === 0) continue;
    const into = t.passed > 0 ? flaky : broken;
    if (t.passed > 0) flakyKeys.add(k);
    const cur = into.get(t.id) ?? { id: t.id, failed: 0, passed: 0 };
    cur.failed += t.failed;
    cur.passed += t.passed;
    into.set(t.id, cur);
  }
  return { flaky: [...flaky.values()].sort(byId), broken: [...broken.values()].sort(byId), flakyKeys };
}

/** Is this execution a flaky event (a failure contradicted on its commit)? */
export function isFlakyEvent(e: Execution, v: FlakyVerdict): boolean {
  return isFail(e.status) && v.flakyKeys.has(`${e.commit}\u0000${e.id}`);
}

export interface RateRow {
  type: string;
  executions: number;
  flaky_events: number;
  /** flaky_events / executions; null when nothing ran (no data is not zero). */
  rate: number | null;
}

/** Per-execution flake rate by suite type (seed 001 "Flake Budget" is stated on this rate). */
export function flakeRates(executions: Execution[], v: FlakyVerdict = classify(executions)): RateRow[] {
  const rows = new Map<string, RateRow>();
  for (const e of executions) {
    if (e.status === 'skipped') continue;
    const type = e.type ?? 'unit';
    const r = rows.get(type) ?? { type, executions: 0, flaky_events: 0, rate: null };
    r.executions++;
    if (isFlakyEvent(e, v)) r.flaky_events++;
    rows.set(type, r);
  }
  for (const r of rows.values()) r.rate = r.executions ? r.flaky_events / r.executions : null;
  return [...rows.values()].sort((a, b) => (a.type < b.type ? -1 : 1));
}

/** The run's flakiness_index (contract, seed 000): flaky test executions / test executions in the run. */
export function flakinessIndex(runExecutions: Execution[], v: FlakyVerdict): number | null {
  let n = 0;
  let f = 0;
  for (const e of runExecutions) {
    if (e.status === 'skipped') continue;
    n++;
    if (isFlakyEvent(e, v)) f++;
  }
  return n ? f / n : null;
}

// ---- suite types by glob (ci-intel.yml `tests.suiteTypes`) ----

export type SuiteTypes = Array<{ type: string; patterns: RegExp[] }>;

export function compileSuiteTypes(globs: Record<string, string[]>): SuiteTypes {
  return Object.entries(globs).map(([type, pats]) => ({ type, patterns: pats.map(globToRegExp) }));
}

/** The first type whose glob matches the test's id, file, suite or classname; else `fallback`. */
export function suiteTypeOf(
  t: { id: string; file?: string | null; suite?: string | null; classname?: string | null },
  types: SuiteTypes,
  fallback = 'unit',
): string {
  const keys = [t.id, t.file, t.suite, t.classname].filter((x): x is string => typeof x === 'string' && x.length > 0);
  for (const st of types) if (st.patterns.some((p) => keys.some((k) => p.test(k)))) return st.type;
  return fallback;
}
