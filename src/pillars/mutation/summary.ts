// The analysis of one report, as the CLI prints it and the hub stores it: the contract's
// `tests.resilience` fields top-level by their names (issue 6 "Outputs"), plus label, files and
// hotspots. Pure: parsed report + marks + history in, summary out.
import type { Comparison } from './compare.js';
import { hotspots, type Hotspot, type HotspotOptions } from './hotspots.js';
import type { MutationReport } from './model.js';
import {
  countStatuses,
  deltaOf,
  fileScores,
  labelFor,
  resilienceOf,
  type FileScore,
  type Label,
  type Resilience,
  type StatusCounts,
  type Thresholds,
} from './score.js';
import type { EquivalenceOutcome } from './suppressions.js';

export interface Baseline {
  /** `report:<path>`, `main@<run id>` ... */
  source: string;
  score: number | null;
  /** Per-file scores of the baseline, when known (file deltas). */
  files?: Map<string, number | null>;
}

export interface FileSummary extends FileScore {
  /** Line coverage from an lcov file, when given (0–1). */
  coverage: number | null;
  churn: number;
}

export interface Survivor {
  fingerprint: string;
  file: string;
  line: number;
  mutator: string;
  status: string;
  replacement: string | null;
  description: string | null;
}

export interface Summary extends Resilience {
  label: Label | null;
  /** fail = below score_fail (the gate fails), warn = below score_warn, ok, null = no data. */
  level: 'fail' | 'warn' | 'ok' | null;
  format: string;
  tool: string | null;
  counts: StatusCounts;
  thresholds: Thresholds;
  baseline: { source: string; score: number | null } | null;
  files: FileSummary[];
  hotspots: Hotspot[];
  /** Undetected mutants with the fingerprints suppression marks need (first `MAX_SURVIVORS`). */
  survivors: Survivor[];
  survivors_truncated: boolean;
  equivalents: { applied: number; from_report: number; from_suppressions: number; expired: string[]; stale: string[]; contradicted: string[] };
  comparison?: Comparison;
}

export const MAX_SURVIVORS = 500;

export interface SummaryInput {
  report: MutationReport;
  equivalence: EquivalenceOutcome;
  thresholds: Thresholds;
  baseline?: Baseline | null;
  coverage?: Map<string, number>;
  hotspot?: HotspotOptions;
  comparison?: Comparison;
}

export function summarize(input: SummaryInput): Summary {
  const { report, equivalence: eq } = input;
  const counts = countStatuses(report.mutants);
  const base = input.baseline ?? null;
  const res = resilienceOf(counts, deltaOf(resilienceOf(counts).score, base?.score));
  const label = labelFor(res.score, input.thresholds);
  const churn = input.hotspot?.churn;
  const files: FileSummary[] = fileScores(report.mutants).map((f) => ({
    ...f,
    delta_vs_main: base?.files ? deltaOf(f.score, base.files.get(f.file)) : null,
    coverage: input.coverage?.get(f.file) ?? null,
    churn: churn?.get(f.file) ?? 0,
  }));
  const undetected = report.mutants.filter((m) => m.status === 'survived' || m.status === 'no_coverage');
  return {
    ...res,
    label: label?.label ?? null,
    level: label?.level ?? null,
    format: report.format,
    tool: report.tool,
    counts,
    thresholds: input.thresholds,
    baseline: base ? { source: base.source, score: base.score } : null,
    files,
    hotspots: hotspots(report, input.hotspot),
    survivors: undetected.slice(0, MAX_SURVIVORS).map((m) => ({
      fingerprint: m.fingerprint,
      file: m.file,
      line: m.start.line,
      mutator: m.mutator,
      status: m.status,
      replacement: m.replacement,
      description: m.description,
    })),
    survivors_truncated: undetected.length > MAX_SURVIVORS,
    equivalents: {
      applied: eq.applied.length,
      from_report: eq.applied.filter((a) => a.source === 'report').length,
      from_suppressions: eq.applied.filter((a) => a.source === 'suppression').length,
      expired: eq.expired.map((s) => s.fingerprint).sort(),
      stale: eq.stale.map((s) => s.fingerprint).sort(),
      contradicted: eq.contradicted.map((s) => s.fingerprint).sort(),
    },
    ...(input.comparison ? { comparison: input.comparison } : {}),
  };
}
