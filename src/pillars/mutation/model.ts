// The one internal shape every mutation report parser produces (issue 6 "Reports in"): mutant id,
// file, line/column range, mutator, status. Raw tool shapes never leave reports/<format>/.
import type { MutantStatus } from '../../core/model/index.js';

export type { MutantStatus };

/** Statuses a report can carry, plus `pending` (a report written mid-run; never scored). */
export type ReportStatus = MutantStatus | 'pending';

export interface Position {
  line: number;
  /** 1-based; 0 when the tool reports lines only (PIT, mutmut, go-mutesting). */
  column: number;
}

export interface MutantRecord {
  /** The tool's own id (unique inside one report). */
  id: string;
  /** Stable identity across commits (identity.ts); filled by `finalizeReport`. */
  fingerprint: string;
  /** Path relative to the project root, `/`-separated. */
  file: string;
  mutator: string;
  /** Replacement text when the tool says it (StrykerJS, cargo-mutants), else null. */
  replacement: string | null;
  /** The tool's human description when it has one (PIT, mutmut, cargo-mutants). */
  description: string | null;
  status: ReportStatus;
  /** Why: StrykerJS `statusReason` (compile error text, disable-comment reason ...). */
  statusReason: string | null;
  start: Position;
  end: Position;
  /** What the tool knows about the surrounding code, used for identity when no source is given
   * (PIT method + descriptor, cargo-mutants function, mutmut function key). */
  scope: string | null;
  /** Number of tests that covered / killed it, when reported. */
  coveredBy: number | null;
  killedBy: string[] | null;
  /** A unified diff the tool printed for the mutant (go-mutesting), shown as-is in hotspots. */
  diff: string | null;
  /** Marked equivalent by the report itself (an `Ignored` mutant whose reason says equivalent). */
  equivalentByReport?: boolean;
}

export interface SourceFile {
  /** Full source text when the report embeds it (mutation-testing-report-schema). */
  source: string | null;
  language: string | null;
}

export interface MutationReport {
  /** `stryker` (mutation-testing-report-schema: StrykerJS, Stryker.NET, Stryker4s), `pit`, `mutmut`, `go-mutesting`, `cargo-mutants`. */
  format: ReportFormat;
  /** The framework that wrote it when the report says (`StrykerJS 9.6.1`, `PIT` ...). */
  tool: string | null;
  files: Record<string, SourceFile>;
  /** Sorted by file, then start line, column, mutator, id. */
  mutants: MutantRecord[];
}

export const REPORT_FORMATS = ['stryker', 'pit', 'mutmut', 'go-mutesting', 'cargo-mutants'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
