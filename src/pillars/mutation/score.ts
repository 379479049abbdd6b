// Resilience (seed 000, metrics dictionary "Resilience"): killed / max(1, mutants_total − equiv),
// a ratio 0–1. Counting follows mutation-testing-metrics (issue 6 "Scores"):
//   mutants_total = valid mutants = all − ignored − compile errors − runtime errors (− pending:
//                   a report written mid-run); equivalent mutants are valid mutants no test can kill;
//   killed        = detected = Killed + Timeout (`timeout` says how many of those timed out);
//   equiv         = valid mutants marked equivalent in the suppression file (suppressions.ts).
// A report's own equivalent marks (an Ignored mutant whose reason says "equivalent") are already
// outside mutants_total as Ignored, so they are not counted again in equiv; they set
// equivalent_mutants_dropped and show as counts.ignored_equivalent.
// With no suppressions this is exactly mutation-testing-metrics' mutationScore / 100. A report with
// no valid mutant is "no data" (DESIGN.md): score null, never 0.
import type { MutantRecord } from './model.js';

export interface StatusCounts {
  killed: number;
  timeout: number;
  survived: number;
  no_coverage: number;
  runtime_error: number;
  compile_error: number;
  ignored: number;
  equivalent: number;
  pending: number;
  /** Ignored mutants the report itself marked equivalent (a subset of `ignored`). */
  ignored_equivalent: number;
}

/** The contract's `tests.resilience` fields. */
export interface Resilience {
  mutants_total: number;
  killed: number;
  equiv: number;
  timeout: number;
  /** null = no data (mutants_total 0). */
  score: number | null;
  delta_vs_main: number | null;
  equivalent_mutants_dropped: boolean;
}

export const emptyCounts = (): StatusCounts => ({
  killed: 0,
  timeout: 0,
  survived: 0,
  no_coverage: 0,
  runtime_error: 0,
  compile_error: 0,
  ignored: 0,
  equivalent: 0,
  pending: 0,
  ignored_equivalent: 0,
});

export function addStatus(c: StatusCounts, m: Pick<MutantRecord, 'status' | 'equivalentByReport'>): void {
  c[m.status]++;
  if (m.status === 'ignored' && m.equivalentByReport) c.ignored_equivalent++;
}

export function countStatuses(mutants: Iterable<Pick<MutantRecord, 'status' | 'equivalentByReport'>>): StatusCounts {
  const c = emptyCounts();
  for (const m of mutants) addStatus(c, m);
  return c;
}

/** Valid mutants: the denominator's base (the dictionary's mutants_total). */
export const validTotal = (c: StatusCounts) => c.killed + c.timeout + c.survived + c.no_coverage + c.equivalent;

/** The dictionary formula; null when there is nothing to score. */
export function resilienceScore(killed: number, total: number, equiv: number): number | null {
  if (total <= 0) return null;
  return killed / Math.max(1, total - equiv);
}

export function resilienceOf(c: StatusCounts, deltaVsMain: number | null = null): Resilience {
  const total = validTotal(c);
  const killed = c.killed + c.timeout;
  return {
    mutants_total: total,
    killed,
    equiv: c.equivalent,
    timeout: c.timeout,
    score: resilienceScore(killed, total, c.equivalent),
    delta_vs_main: deltaVsMain,
    equivalent_mutants_dropped: c.equivalent + c.ignored_equivalent > 0,
  };
}

/** Undetected mutants that count against the score (survived + no coverage). */
export const undetected = (c: StatusCounts) => c.survived + c.no_coverage;

export interface Thresholds {
  score_warn: number;
  score_fail: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { score_warn: 0.7, score_fail: 0.6 };

export type Label = 'weak-tests' | 'high-confidence';

/**
 * PR labels (seed 000 pillar 1, "Sample configs"): below score_fail → weak-tests and the gate
 * fails; below score_warn → weak-tests (a warning); otherwise high-confidence. No data → no label.
 */
export function labelFor(score: number | null, t: Thresholds): { label: Label; level: 'fail' | 'warn' | 'ok' } | null {
  if (score === null) return null;
  if (score < t.score_fail) return { label: 'weak-tests', level: 'fail' };
  if (score < t.score_warn) return { label: 'weak-tests', level: 'warn' };
  return { label: 'high-confidence', level: 'ok' };
}

/** `score − baseline`, null when either side has no data. */
export function deltaOf(score: number | null, baseline: number | null | undefined): number | null {
  if (score === null || baseline === null || baseline === undefined) return null;
  return score - baseline;
}

export interface FileScore extends Resilience {
  file: string;
  survived: number;
  no_coverage: number;
  /** Share of valid mutants some test reached: (valid − no coverage) / valid; null without data. */
  mutation_coverage: number | null;
}

/** Per-file resilience, sorted by file. */
export function fileScores(mutants: MutantRecord[]): FileScore[] {
  const by = new Map<string, StatusCounts>();
  for (const m of mutants) {
    let c = by.get(m.file);
    if (!c) by.set(m.file, (c = emptyCounts()));
    addStatus(c, m);
  }
  return [...by.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([file, c]) => {
      const r = resilienceOf(c);
      return {
        file,
        ...r,
        survived: c.survived,
        no_coverage: c.no_coverage,
        mutation_coverage: r.mutants_total > 0 ? (r.mutants_total - c.no_coverage) / r.mutants_total : null,
      };
    });
}
