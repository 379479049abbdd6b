// Stable mutant identity across commits (issue 6 "Compare two reports"): line numbers alone break
// as soon as a line is inserted above, so a mutant is identified by its file, mutator, replacement
// and its normalized source context — the mutated text with what precedes and follows it on its
// line, whitespace collapsed. Reports without source (PIT, mutmut, cargo-mutants) use what the tool
// says about the surrounding code instead (method + descriptor, function name, description).
// Identical mutants in one file (the same line twice) are told apart by their order of appearance.
import type { MutantRecord, MutationReport, SourceFile } from './model.js';

const isWs = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;

/**
 * Collapses whitespace runs to one space and trims. A loop rather than a regex, and the string
 * itself when it is already normal (most are): this runs 3 times per mutant.
 */
function norm(s: string): string {
  const n = s.length;
  let clean = n === 0 || (!isWs(s.charCodeAt(0)) && !isWs(s.charCodeAt(n - 1)));
  for (let i = 0; clean && i < n; i++) {
    const c = s.charCodeAt(i);
    if (isWs(c) && (c !== 32 || isWs(s.charCodeAt(i + 1)))) clean = false;
  }
  if (clean) return s;
  const parts: string[] = [];
  let start = -1;
  for (let i = 0; i <= n; i++) {
    const ws = i === n || isWs(s.charCodeAt(i));
    if (!ws && start < 0) start = i;
    else if (ws && start >= 0) {
      parts.push(s.slice(start, i));
      start = -1;
    }
  }
  return parts.join(' ');
}

/** Splits source into lines once per file (identity and diffs both need them). */
export class SourceLines {
  private readonly cache = new Map<string, string[] | null>();
  constructor(private readonly files: Record<string, SourceFile>) {}
  lines(file: string): string[] | null {
    let l = this.cache.get(file);
    if (l === undefined) {
      const src = this.files[file]?.source;
      l = typeof src === 'string' && src.length > 0 ? src.split(/\r?\n/) : null;
      this.cache.set(file, l);
    }
    return l;
  }
}

/**
 * The original text a mutant replaces plus its line's text before and after it, or null when the
 * source is unknown or the location falls outside it. Columns are 1-based, the end exclusive
 * (mutation-testing-report-schema `Location`).
 */
export function sourceSpan(lines: string[] | null, m: Pick<MutantRecord, 'start' | 'end'>): { before: string; original: string; after: string } | null {
  if (!lines || m.start.column < 1 || m.end.column < 1) return null;
  const s = m.start.line - 1;
  const e = m.end.line - 1;
  if (s < 0 || e < s || e >= lines.length) return null;
  const first = lines[s]!;
  const last = lines[e]!;
  const before = first.slice(0, m.start.column - 1);
  const after = last.slice(m.end.column - 1);
  let original: string;
  if (s === e) original = first.slice(m.start.column - 1, m.end.column - 1);
  else original = [first.slice(m.start.column - 1), ...lines.slice(s + 1, e), last.slice(0, m.end.column - 1)].join('\n');
  return { before, original, after };
}

/** The normalized context that, with file, mutator and replacement, identifies a mutant. */
export function identityContext(lines: string[] | null, m: MutantRecord): string {
  const span = sourceSpan(lines, m);
  if (span) return `${norm(span.before)}\u27e6${norm(span.original)}\u27e7${norm(span.after)}`;
  return `${m.scope ?? ''}\u0000${norm(m.description ?? '')}`;
}

/**
 * 64-bit non-cryptographic hash (two 32-bit lanes of cyrb53, public domain), 16 hex digits.
 * Fingerprints need stability, not secrecy; a collision among 1e5 mutants has odds ~3e-10, and
 * SHA-256 per mutant cost a third of the time to ingest a 100k-mutant report.
 */
function hash(s: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
}

/** Fingerprints before de-duplication (exported for tests). */
export function baseFingerprint(file: string, m: MutantRecord, context: string): string {
  return hash(`${file}\u0000${m.mutator}\u0000${m.replacement ?? ''}\u0000${context}`);
}

const byPosition = (a: MutantRecord, b: MutantRecord) =>
  a.start.line - b.start.line || a.start.column - b.start.column || a.end.line - b.end.line || a.end.column - b.end.column ||
  (a.mutator < b.mutator ? -1 : a.mutator > b.mutator ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Sorts the mutants (file, position, mutator, id) and gives each its fingerprint; the k-th repeat
 * of the same identity in a report gets `-k` appended.
 */
export function finalizeReport(report: MutationReport): MutationReport {
  // Group by file, then sort each group: cheaper than one sort comparing paths every time.
  const groups = new Map<string, MutantRecord[]>();
  for (const m of report.mutants) {
    const g = groups.get(m.file);
    if (g) g.push(m);
    else groups.set(m.file, [m]);
  }
  const src = new SourceLines(report.files);
  const sorted: MutantRecord[] = [];
  for (const file of [...groups.keys()].sort()) {
    const list = groups.get(file)!.sort(byPosition);
    const lines = src.lines(file);
    const seen = new Map<string, number>();
    for (const m of list) {
      const base = baseFingerprint(file, m, identityContext(lines, m));
      const k = seen.get(base) ?? 0;
      seen.set(base, k + 1);
      m.fingerprint = k === 0 ? base : `${base}-${k}`;
      sorted.push(m);
    }
  }
  report.mutants = sorted;
  return report;
}

/** `a/./b\c` → `a/b/c`, no leading `./`. */
export function normalizePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/\/\.\//g, '/').replace(/^\.\//, '').replace(/\/{2,}/g, '/');
}
