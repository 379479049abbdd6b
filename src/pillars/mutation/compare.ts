// Compare two reports (issue 6): mutants are matched by their stable fingerprint (identity.ts), so
// a line inserted above does not make every mutant below "new". Per mutant: newly survived, newly
// killed, new, gone; per file: the score delta.
import type { MutantRecord, MutationReport, ReportStatus } from './model.js';
import { countStatuses, deltaOf, fileScores, resilienceOf } from './score.js';

const DETECTED = new Set<ReportStatus>(['killed', 'timeout']);
const UNDETECTED = new Set<ReportStatus>(['survived', 'no_coverage']);

export interface MutantChange {
  fingerprint: string;
  file: string;
  line: number;
  mutator: string;
  replacement: string | null;
  description: string | null;
  before: ReportStatus | null;
  after: ReportStatus | null;
}

export interface FileDelta {
  file: string;
  base_score: number | null;
  head_score: number | null;
  delta: number | null;
  base_total: number;
  head_total: number;
}

export interface Comparison {
  base_score: number | null;
  head_score: number | null;
  delta: number | null;
  newly_survived: MutantChange[];
  newly_killed: MutantChange[];
  new: MutantChange[];
  gone: MutantChange[];
  unchanged: number;
  files: FileDelta[];
}

const change = (m: MutantRecord, before: ReportStatus | null, after: ReportStatus | null): MutantChange => ({
  fingerprint: m.fingerprint,
  file: m.file,
  line: m.start.line,
  mutator: m.mutator,
  replacement: m.replacement,
  description: m.description,
  before,
  after,
});

const byPlace = (a: MutantChange, b: MutantChange) =>
  a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0);

export function compareReports(base: MutationReport, head: MutationReport): Comparison {
  const baseBy = new Map(base.mutants.map((m) => [m.fingerprint, m]));
  const headBy = new Map(head.mutants.map((m) => [m.fingerprint, m]));
  const out: Comparison = {
    base_score: resilienceOf(countStatuses(base.mutants)).score,
    head_score: resilienceOf(countStatuses(head.mutants)).score,
    delta: null,
    newly_survived: [],
    newly_killed: [],
    new: [],
    gone: [],
    unchanged: 0,
    files: [],
  };
  out.delta = deltaOf(out.head_score, out.base_score);
  for (const h of head.mutants) {
    const b = baseBy.get(h.fingerprint);
    if (!b) out.new.push(change(h, null, h.status));
    else if (UNDETECTED.has(h.status) && !UNDETECTED.has(b.status)) out.newly_survived.push(change(h, b.status, h.status));
    else if (DETECTED.has(h.status) && !DETECTED.has(b.status)) out.newly_killed.push(change(h, b.status, h.status));
    else out.unchanged++;
  }
  for (const b of base.mutants) if (!headBy.has(b.fingerprint)) out.gone.push(change(b, b.status, null));
  for (const list of [out.newly_survived, out.newly_killed, out.new, out.gone]) list.sort(byPlace);

  const bf = new Map(fileScores(base.mutants).map((f) => [f.file, f]));
  const hf = new Map(fileScores(head.mutants).map((f) => [f.file, f]));
  const names = [...new Set([...bf.keys(), ...hf.keys()])].sort();
  out.files = names.map((file) => {
    const b = bf.get(file);
    const h = hf.get(file);
    const base_score = b?.score ?? null;
    const head_score = h?.score ?? null;
    return { file, base_score, head_score, delta: deltaOf(head_score, base_score), base_total: b?.mutants_total ?? 0, head_total: h?.mutants_total ?? 0 };
  });
  return out;
}
