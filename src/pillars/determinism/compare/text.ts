// Text-like leaves: plain text, JSON (key order told apart from content), YAML, JAR manifests
// (keys with a known meaning), and the printable strings of binaries (ELF sections, .pyc bodies).
import type { DiffClass } from '../model.js';
import { classifyChange, type KnownValues } from './classify.js';
import { changedLines, sameLinesReordered } from './lines.js';
import { clip, type DiffCollector } from './report.js';

/** Manifest keys whose drift has a fixed cause, whatever the value looks like. */
const MANIFEST_KEYS: Record<string, DiffClass> = { 'built-by': 'hostname/user', 'build-jdk': 'content', 'build-jdk-spec': 'content', 'created-by': 'content' };

/** Compares two lists of lines (or strings); returns how many differences it added. */
export function compareLineLists(
  a: string[],
  b: string[],
  where: string,
  c: DiffCollector,
  known: KnownValues,
  opts: { manifest?: boolean; unit?: string } = {},
): number {
  const before = c.total;
  const unit = opts.unit ?? 'line';
  if (a.length === b.length && a.every((x, i) => x === b[i])) return 0;
  if (sameLinesReordered(a, b)) {
    c.add('random/seed', where, `the same ${a.length} ${unit}s in another order (hash-seeded or unsorted output)`);
    return c.total - before;
  }
  const changes = changedLines(a, b);
  // A line that moved as well as changed (sorted string tables) pairs with an unpaired line of the
  // other side that a rule explains.
  const onlyB = changes.filter((ch) => ch.a === undefined);
  for (const ch of changes) {
    if (ch.b !== undefined || ch.a === undefined) continue;
    const i = onlyB.findIndex((o) => o.b !== undefined && classifyChange(ch.a!, o.b, known)[0] !== 'content');
    if (i >= 0) {
      ch.b = onlyB[i]!.b;
      onlyB[i]!.b = undefined;
    }
  }
  for (const ch of changes) {
    if (ch.a === undefined && ch.b === undefined) continue;
    const at = unit === 'line' ? `${where}:${ch.line}` : where;
    if (ch.a === undefined || ch.b === undefined) {
      c.add('content', at, ch.a === undefined ? `${unit} only in the second: ${clip(ch.b!)}` : `${unit} only in the first: ${clip(ch.a)}`);
      continue;
    }
    const detail = `${clip(ch.a, 80)}  →  ${clip(ch.b, 80)}`;
    const key = opts.manifest ? /^([\w-]+):/.exec(ch.a)?.[1]?.toLowerCase() : undefined;
    const fixed = key && key === /^([\w-]+):/.exec(ch.b)?.[1]?.toLowerCase() ? MANIFEST_KEYS[key] : undefined;
    const classes = fixed && classifyChange(ch.a, ch.b, known)[0] === 'content' ? [fixed] : classifyChange(ch.a, ch.b, known);
    for (const cls of classes) c.add(cls, at, detail);
  }
  return c.total - before;
}

const sortKeys = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sortKeys)
    : v && typeof v === 'object'
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
        )
      : v;

/** `{"a":{"b":[1]}}` → [`/a/b/0: 1`]: one line per leaf value. */
function flatten(v: unknown, at = '', out: string[] = []): string[] {
  if (v && typeof v === 'object') {
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    if (entries.length === 0) out.push(`${at || '/'}: ${Array.isArray(v) ? '[]' : '{}'}`);
    for (const [k, x] of entries) flatten(x, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
  } else out.push(`${at || '/'}: ${JSON.stringify(v)}`);
  return out;
}

/** Unfolds manifest continuation lines (a line starting with one space continues the previous). */
export const unfoldManifest = (text: string) => text.replace(/\r?\n /g, '').split(/\r?\n/);

export function compareText(a: string, b: string, where: string, name: string, c: DiffCollector, known: KnownValues, json: boolean): void {
  if (json) {
    let ja: unknown;
    let jb: unknown;
    try {
      ja = JSON.parse(a);
      jb = JSON.parse(b);
    } catch {
      json = false;
    }
    if (json) {
      if (JSON.stringify(sortKeys(ja)) === JSON.stringify(sortKeys(jb))) {
        c.add('random/seed', where, 'the same JSON with keys in another order (hash-seeded or unsorted output)');
        return;
      }
      // Compare one line per value, named by its JSON pointer, so minified JSON pairs up value by value.
      compareLineLists(flatten(sortKeys(ja)), flatten(sortKeys(jb)), where, c, known, { unit: 'value' });
      return;
    }
  }
  const manifest = /(^|\/)MANIFEST\.MF$/i.test(name);
  const split = (t: string) => (manifest ? unfoldManifest(t) : t.split(/\r?\n/));
  compareLineLists(split(a), split(b), where, c, known, { manifest });
}

/** Printable ASCII runs of 4+ bytes, as `strings` lists them. */
export function printableStrings(b: Buffer, min = 4): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= b.length; i++) {
    const x = i < b.length ? b[i]! : 0;
    const printable = (x >= 0x20 && x < 0x7f) || x === 0x09;
    if (printable && start < 0) start = i;
    else if (!printable && start >= 0) {
      if (i - start >= min) out.push(b.toString('latin1', start, i));
      start = -1;
    }
  }
  return out;
}

/** Compares two binary blobs through their printable strings; returns how many differences it added. */
export const compareStrings = (a: Buffer, b: Buffer, where: string, c: DiffCollector, known: KnownValues): number =>
  compareLineLists(printableStrings(a), printableStrings(b), where, c, known, { unit: 'string' });

export function firstDifference(a: Buffer, b: Buffer): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
