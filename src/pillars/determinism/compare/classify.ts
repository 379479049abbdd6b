// Classifies one changed piece of text (a line, an ELF string, a manifest value): each rule
// rewrites what it explains (a date, a build folder ...) to a placeholder on both sides; the pair is
// explained when the rewritten sides are equal, by the fewest rules that make them so. Whatever no
// rule explains is `content`.
import type { DiffClass } from '../model.js';

/** What the comparer knows about the two builds (the dual run passes its folders, users, hosts). */
export interface KnownValues {
  /** Build folders, e.g. the two work-tree copies. */
  paths: string[];
  hostnames: string[];
  users: string[];
}

interface Rule {
  class: DiffClass;
  rewrite(s: string, known: KnownValues): string;
}

const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*';
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*';
const TIMESTAMP_RES = [
  // ISO 8601 dates and date-times, with zone
  /\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2}|\s?[A-Z]{2,5}\b)?/g,
  // `date` output and __DATE__ / __TIME__ (C), RFC 2822 (`Sun, 06 Dec 2026`)
  new RegExp(
    `(?:${DAY},?\\s+)?(?:${MONTH}\\s+\\d{1,2}|\\d{1,2}\\s+${MONTH})(?:\\s+\\d{2}:\\d{2}(?::\\d{2})?)?(?:\\s+[A-Z]{2,5}|\\s+[+-]\\d{4})?(?:,?\\s+\\d{4})?`,
    'g',
  ),
  /\b\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\b/g,
  /\b\d{2}\/\d{2}\/\d{4}\b/g,
  // compact dates in versions and file names: 20231114, 20231114.221320, 20231114-2213
  /\b(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01])(?:[.T_-]?\d{4}(?:\d{2})?)?\b/g,
  // time zone names (TZ=UTC vs TZ=Pacific/Kiritimati)
  /\b(?:UTC|GMT|(?:Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)\/[A-Za-z_+-]+(?:\/[A-Za-z_]+)?)\b/g,
  // Unix seconds (2001..2286) and milliseconds
  /\b1\d{9}(?:\d{3})?\b/g,
];

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const replaceKnown = (s: string, values: string[], placeholder: string) =>
  values
    .filter((v) => v.length >= 2)
    .sort((a, b) => b.length - a.length)
    .reduce((acc, v) => acc.replace(new RegExp(`(?<![\\w-])${esc(v)}(?![\\w-])`, 'g'), placeholder), s);

const RULES: Rule[] = [
  {
    class: 'build-path',
    // Known build folders first; then any absolute path under a folder builds typically run in.
    rewrite: (s, k) =>
      replaceKnown(s, k.paths, '<BUILD>').replace(
        /(?:\/(?:tmp|build|builds|home|root|work|workspace|var\/tmp|runner|__w|github)\b[^\s"'`:;,)\]}]*)+/g,
        '<BUILD>',
      ),
  },
  { class: 'hostname/user', rewrite: (s, k) => replaceKnown(replaceKnown(s, k.hostnames, '<HOST>'), k.users, '<USER>') },
  { class: 'timestamp', rewrite: (s) => TIMESTAMP_RES.reduce((acc, re) => acc.replace(re, '<TIME>'), s) },
  {
    class: 'locale',
    rewrite: (s) =>
      s
        .replace(/\b[a-z]{2}_[A-Z]{2}(?:\.[\w-]+)?(?:@\w+)?|\bC\.(?:UTF-8|utf8)\b|\bPOSIX\b/g, '<LOCALE>')
        // decimal comma vs decimal point (1,5 vs 1.5), thousands separators
        .replace(/\b\d+[.,\u00a0\u202f]\d+\b/g, '<NUM>'),
  },
  { class: 'umask/permissions', rewrite: (s) => s.replace(/[-dlcbps][-r][-w][-xsS][-r][-w][-xsS][-r][-w][-xtT]|\b0?[0-7]{3}\b/g, '<MODE>') },
  {
    class: 'random/seed',
    rewrite: (s) =>
      s
        .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<RAND>')
        .replace(/\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{8,}\b/gi, '<RAND>')
        .replace(/\btmp[\w.-]{6,}/g, '<RAND>'),
  },
];

/** The classes explaining why `a` became `b` (fewest rules, in rule order), or `['content']`. */
export function classifyChange(a: string, b: string, known: KnownValues): DiffClass[] {
  if (a === b) return [];
  const applicable = RULES.filter((r) => r.rewrite(a, known) !== a || r.rewrite(b, known) !== b);
  const explains = (rules: Rule[]) => {
    const x = rules.reduce((s, r) => r.rewrite(s, known), a);
    const y = rules.reduce((s, r) => r.rewrite(s, known), b);
    return x === y;
  };
  if (!explains(applicable)) return ['content'];
  // Drop rules not needed: the smallest explaining subset, tried from one rule up (at most 6 rules).
  for (let size = 1; size <= applicable.length; size++) {
    for (const subset of subsets(applicable, size)) if (explains(subset)) return subset.map((r) => r.class);
  }
  return ['content'];
}

function* subsets<T>(xs: T[], size: number, start = 0): Generator<T[]> {
  if (size === 0) {
    yield [];
    return;
  }
  for (let i = start; i <= xs.length - size; i++) for (const rest of subsets(xs, size - 1, i + 1)) yield [xs[i]!, ...rest];
}
