// File-level hotspots (seed 000 pillar 1 "file-level hotspots", "Tightened specs"): where surviving
// mutants meet code that keeps changing. weight = undetected mutants × (1 + commits touching the file
// in the churn window): a weak file nobody touches matters less than a weak file edited every week.
// Each hotspot shows its top surviving mutants as diffs (original line → mutated line).
import { sourceSpan } from './identity.js';
import type { MutantRecord, MutationReport } from './model.js';
import { resilienceScore } from './score.js';

export interface SurvivorDiff {
  fingerprint: string;
  line: number;
  mutator: string;
  status: string;
  /** `- original` / `+ mutated` lines, or the tool's diff; null when neither source nor diff is known. */
  diff: string | null;
  description: string | null;
}

export interface Hotspot {
  file: string;
  survived: number;
  no_coverage: number;
  churn: number;
  weight: number;
  score: number | null;
  top: SurvivorDiff[];
}

export interface HotspotOptions {
  /** Commits per file in the churn window; missing files count 0. */
  churn?: Map<string, number>;
  files?: number;
  perFile?: number;
  /** Reads a source file when the report has no source (agent: from the checkout). */
  readSource?: (file: string) => string | null;
}

/** The original → mutated lines of a mutant, from the report's (or the checkout's) source. */
export function mutantDiff(lines: string[] | null, m: MutantRecord): string | null {
  if (m.diff) return m.diff;
  if (m.replacement === null) return null;
  const span = sourceSpan(lines, m);
  if (!span || !lines) return null;
  const original = lines.slice(m.start.line - 1, m.end.line);
  const mutated = (span.before + m.replacement + span.after).split('\n');
  return [...original.map((l) => `- ${l.trimEnd()}`), ...mutated.map((l) => `+ ${l.trimEnd()}`)].join('\n');
}

const RANK: Record<string, number> = { survived: 0, no_coverage: 1 };

export function hotspots(report: MutationReport, opts: HotspotOptions = {}): Hotspot[] {
  const files = new Map<string, { survived: MutantRecord[]; noCov: MutantRecord[]; valid: number; killed: number; equiv: number }>();
  for (const m of report.mutants) {
    let f = files.get(m.file);
    if (!f) files.set(m.file, (f = { survived: [], noCov: [], valid: 0, killed: 0, equiv: 0 }));
    if (m.status === 'survived') f.survived.push(m);
    else if (m.status === 'no_coverage') f.noCov.push(m);
    if (m.status === 'killed' || m.status === 'timeout') f.killed++;
    if (m.status === 'equivalent') f.equiv++;
    if (['killed', 'timeout', 'survived', 'no_coverage', 'equivalent'].includes(m.status)) f.valid++;
  }
  const cache = new Map<string, string[] | null>();
  const linesOf = (file: string): string[] | null => {
    if (!cache.has(file)) {
      const text = report.files[file]?.source || opts.readSource?.(file) || null;
      cache.set(file, text ? text.split(/\r?\n/) : null);
    }
    return cache.get(file)!;
  };
  const list: Hotspot[] = [];
  for (const [file, f] of files) {
    const undetected = f.survived.length + f.noCov.length;
    if (undetected === 0) continue;
    const churn = opts.churn?.get(file) ?? 0;
    const top = [...f.survived, ...f.noCov]
      .sort((a, b) => RANK[a.status]! - RANK[b.status]! || a.start.line - b.start.line || a.start.column - b.start.column)
      .slice(0, opts.perFile ?? 3)
      .map((m) => ({
        fingerprint: m.fingerprint,
        line: m.start.line,
        mutator: m.mutator,
        status: m.status,
        diff: mutantDiff(linesOf(file), m),
        description: m.description,
      }));
    list.push({
      file,
      survived: f.survived.length,
      no_coverage: f.noCov.length,
      churn,
      weight: undetected * (1 + churn),
      score: resilienceScore(f.killed, f.valid, f.equiv),
      top,
    });
  }
  list.sort((a, b) => b.weight - a.weight || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return list.slice(0, opts.files ?? 5);
}
