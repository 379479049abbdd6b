// Stable mutant identity across commits (issue 6 "Compare two reports"): line numbers alone break
// as soon as a line is inserted above, so a mutant is identified by its file, mutator, replacement
// and its normalized source context — the text of its line(s) with whitespace collapsed, and where
// in that normalized text the mutated span starts and ends. Re-indenting, re-spacing or moving the
// code keeps the identity; editing the mutant's own line changes it (the code changed). Reports
// without source (PIT, mutmut, cargo-mutants) use what the tool says about the surrounding code
// instead (method + descriptor, function name, description). Identical mutants in one file (the
// same line twice) are told apart by their order of appearance.
import type { MutantRecord, MutationReport, SourceFile } from './model.js';

const isWs = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;

/**
 * A 64-bit non-cryptographic hash (two 32-bit lanes of cyrb53, public domain), 16 hex digits.
 * Fingerprints need stability, not secrecy; a collision among 1e5 mutants has odds ~3e-10, and
 * SHA-256 per mutant cost a third of the time to ingest a 100,000-mutant report.
 */
function hash64(s: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  return finish(h1, h2);
}

/** Two hex digits per byte value: 8 lookups beat toString(16) + padStart twice (160k calls a report). */
const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex32 = (x: number) => HEX2[(x >>> 24) & 255]! + HEX2[(x >>> 16) & 255]! + HEX2[(x >>> 8) & 255]! + HEX2[x & 255]!;

function finish(h1: number, h2: number): string {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return hex32(h2) + hex32(h1);
}

/** Hash state fed piece by piece: the same result as hash64 of the pieces' concatenation. */
let H1 = 0;
let H2 = 0;
function feed(s: string): void {
  let h1 = H1;
  let h2 = H2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  H1 = h1;
  H2 = h2;
}

/** Collapses whitespace runs to one space and trims. */
export function norm(s: string): string {
  let out = '';
  let gap = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isWs(c)) gap = out.length > 0;
    else {
      if (gap) out += ' ';
      gap = false;
      out += s[i];
    }
  }
  return out;
}

/** hash64(norm(line)) in one pass, without building the normalized string. */
function lineHash(line: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  let started = false;
  let gap = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (isWs(c)) gap = started;
    else {
      if (gap) {
        h1 = Math.imul(h1 ^ 32, 2654435761);
        h2 = Math.imul(h2 ^ 32, 1597334677);
      }
      gap = false;
      started = true;
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
  }
  return finish(h1, h2);
}

/** Where raw index `idx` of a line lands in its normalized text (norm(line)). */
function normOffset(line: string, idx: number): number {
  const end = Math.min(idx, line.length);
  let n = 0;
  let gap = false;
  for (let i = 0; i < end; i++) {
    if (isWs(line.charCodeAt(i))) gap = n > 0;
    else {
      if (gap) n++;
      gap = false;
      n++;
    }
  }
  if (gap && end < line.length && !isWs(line.charCodeAt(end))) n++;
  return n;
}

/** Splits source into lines once per file and keys each line once (identity and diffs need them). */
export class SourceLines {
  private readonly cache = new Map<string, string[] | null>();
  private readonly hashes = new Map<string, Array<string | undefined>>();
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
  /** The hash of a line's normalized text (0-based index), computed once. */
  hash(file: string, index: number): string {
    let hs = this.hashes.get(file);
    if (!hs) this.hashes.set(file, (hs = []));
    return (hs[index] ??= lineHash(this.lines(file)![index]!));
  }
}

/** Does the location fall inside the known source (1-based columns, end exclusive)? */
function inSource(lines: string[] | null, m: Pick<MutantRecord, 'start' | 'end'>): lines is string[] {
  return !!lines && m.start.column >= 1 && m.end.column >= 1 && m.start.line >= 1 && m.end.line >= m.start.line && m.end.line <= lines.length;
}

/**
 * The original text a mutant replaces plus its line's text before and after it, or null when the
 * source is unknown or the location falls outside it. Columns are 1-based, the end exclusive
 * (mutation-testing-report-schema `Location`).
 */
export function sourceSpan(lines: string[] | null, m: Pick<MutantRecord, 'start' | 'end'>): { before: string; original: string; after: string } | null {
  if (!inSource(lines, m)) return null;
  const s = m.start.line - 1;
  const e = m.end.line - 1;
  const first = lines[s]!;
  const last = lines[e]!;
  const before = first.slice(0, m.start.column - 1);
  const after = last.slice(m.end.column - 1);
  let original: string;
  if (s === e) original = first.slice(m.start.column - 1, m.end.column - 1);
  else original = [first.slice(m.start.column - 1), ...lines.slice(s + 1, e), last.slice(0, m.end.column - 1)].join('\n');
  return { before, original, after };
}

/**
 * The normalized context that, with file, mutator and replacement, identifies a mutant: the hashes
 * of its normalized line(s) and the span's start and end in the normalized text; without source,
 * the tool's scope and normalized description.
 */
export function identityContext(src: SourceLines, file: string, m: MutantRecord): string {
  const lines = src.lines(file);
  if (!inSource(lines, m)) return `${m.scope ?? ''}\u0000${norm(m.description ?? '')}`;
  const s = m.start.line - 1;
  const e = m.end.line - 1;
  let hashes = src.hash(file, s);
  for (let i = s + 1; i <= e; i++) hashes += `,${src.hash(file, i)}`;
  return `${hashes}@${normOffset(lines[s]!, m.start.column - 1)}-${normOffset(lines[e]!, m.end.column - 1)}`;
}

/** Fingerprints before de-duplication (exported for tests). */
export function baseFingerprint(file: string, m: MutantRecord, context: string): string {
  return hash64(`${file}\u0000${m.mutator}\u0000${m.replacement ?? ''}\u0000${context}`);
}

/** baseFingerprint(file, m, identityContext(src, file, m)) without building either string. */
function streamFingerprint(src: SourceLines, file: string, m: MutantRecord): string {
  const lines = src.lines(file);
  H1 = 0xdeadbeef;
  H2 = 0x41c6ce57;
  feed(file);
  feed('\u0000');
  feed(m.mutator);
  feed('\u0000');
  feed(m.replacement ?? '');
  feed('\u0000');
  if (!inSource(lines, m)) {
    feed(identityContext(src, file, m));
  } else {
    const s = m.start.line - 1;
    const e = m.end.line - 1;
    feed(src.hash(file, s));
    for (let i = s + 1; i <= e; i++) {
      feed(',');
      feed(src.hash(file, i));
    }
    feed(`@${normOffset(lines[s]!, m.start.column - 1)}-${normOffset(lines[e]!, m.end.column - 1)}`);
  }
  return finish(H1, H2);
}

const byPosition = (a: MutantRecord, b: MutantRecord) =>
  a.start.line - b.start.line ||
  a.start.column - b.start.column ||
  a.end.line - b.end.line ||
  a.end.column - b.end.column ||
  (a.mutator < b.mutator ? -1 : a.mutator > b.mutator ? 1 : 0) ||
  (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

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
    const seen = new Map<string, number>();
    for (const m of list) {
      const base = streamFingerprint(src, file, m);
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
  return p
    .replace(/\\/g, '/')
    .replace(/\/\.\//g, '/')
    .replace(/^\.\//, '')
    .replace(/\/{2,}/g, '/');
}
