// Coverage as every format reduces to it: per file, lines / branches / statements covered of total,
// and the line numbers that ran or did not (diff coverage needs them; json-summary has none).
import type { CoverageFile, CoverageReport } from '../../../core/model/index.js';

export type CoverageFormat = 'lcov' | 'cobertura' | 'istanbul-json-summary' | 'go-coverprofile' | 'jacoco';
export const COVERAGE_FORMATS: CoverageFormat[] = ['lcov', 'cobertura', 'istanbul-json-summary', 'go-coverprofile', 'jacoco'];
export type Metric = 'lines' | 'branches' | 'statements';
export const METRICS: Metric[] = ['lines', 'branches', 'statements'];

export type { CoverageFile, CoverageReport };

/** Accumulates one file's data while a parser streams. */
export class FileAcc {
  hit = new Set<number>();
  seen = new Set<number>();
  branches = { covered: 0, total: 0 };
  statements = { covered: 0, total: 0 };
  /** Counts the format states directly (json-summary), when there are no line numbers. */
  lines: { covered: number; total: number } | null = null;
  hasStatements = false;

  line(n: number, hits: number): void {
    this.seen.add(n);
    if (hits > 0) this.hit.add(n);
  }

  toFile(file: string): CoverageFile {
    const withLines = this.seen.size > 0 || !this.lines;
    const lines = withLines ? { covered: this.hit.size, total: this.seen.size } : this.lines!;
    const out: CoverageFile = {
      file,
      lines,
      branches: { ...this.branches },
      // Formats without statements (lcov, Cobertura) count each executable line as one statement.
      statements: this.hasStatements ? { ...this.statements } : { ...lines },
    };
    if (withLines) {
      out.hit_lines = [...this.hit].sort((a, b) => a - b);
      out.missed_lines = [...this.seen].filter((n) => !this.hit.has(n)).sort((a, b) => a - b);
    }
    return out;
  }
}

export function finish(format: CoverageFormat, files: Map<string, FileAcc>): CoverageReport {
  return { format, files: [...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([f, acc]) => acc.toFile(f)) };
}

export function acc(files: Map<string, FileAcc>, file: string): FileAcc {
  let a = files.get(file);
  if (!a) files.set(file, (a = new FileAcc()));
  return a;
}
