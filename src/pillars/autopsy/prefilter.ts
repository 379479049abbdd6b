// The scanner's prefilter (issue 4 target: >= 100 MB/s on one core). Joining ~250 rule regexes into
// one alternation is catastrophically slow in V8 (no literal to search for: every alternative is
// tried at every position), so — as RE2 and ripgrep do — each regex is reduced to the literal
// strings one of which any match must contain, and only lines holding one of those literals are
// tested rule by rule. The extraction below is conservative: when it cannot prove a literal is
// required it returns null, and the rule is then tested on every line (a test keeps every
// built-in rule prefilterable).

type Req = string[] | null; // one of these literals occurs in every match; null = unknown

const MIN_LITERAL = 3;

/** Parses a JS regex source (no `v` flag) and returns the required literals, or null. */
export function requiredLiterals(source: string): Req {
  let i = 0;
  const s = source;

  const better = (a: Req, b: Req): Req => {
    if (!a) return b;
    if (!b) return a;
    const score = (r: string[]) => Math.min(...r.map((x) => x.length)) - r.length * 0.01;
    return score(b) > score(a) ? b : a;
  };

  // alternation := concat ('|' concat)*
  function alternation(): Req {
    const branches: Req[] = [concat()];
    while (s[i] === '|') {
      i++;
      branches.push(concat());
    }
    if (branches.some((b) => !b)) return null;
    return [...new Set(branches.flat() as string[])];
  }

  // concat := (atom quantifier?)*; adjacent literal characters merge into runs.
  function concat(): Req {
    let best: Req = null;
    let run = '';
    const flush = () => {
      if (run.length >= MIN_LITERAL) best = better(best, [run]);
      run = '';
    };
    while (i < s.length && s[i] !== '|' && s[i] !== ')') {
      const a = atom();
      const q = quantifier();
      if (a.kind === 'char') {
        if (q.min === 0) {
          flush();
        } else if (q.max === 1) {
          run += a.ch;
        } else {
          // x+ : one x is required, then the run breaks.
          run += a.ch;
          flush();
        }
      } else {
        flush();
        if (a.kind === 'zero') continue; // anchors and lookarounds consume nothing
        if (q.min > 0 && a.kind === 'group') best = better(best, a.req);
      }
    }
    flush();
    return best;
  }

  type Atom = { kind: 'char'; ch: string } | { kind: 'group'; req: Req } | { kind: 'any' } | { kind: 'zero' };

  function atom(): Atom {
    const c = s[i]!;
    if (c === '(') {
      i++;
      let lookaround = false;
      if (s[i] === '?') {
        if (s[i + 1] === ':') i += 2;
        else if (s[i + 1] === '=' || s[i + 1] === '!') {
          i += 2;
          lookaround = true;
        } else if (s[i + 1] === '<' && (s[i + 2] === '=' || s[i + 2] === '!')) {
          i += 3;
          lookaround = true;
        } else if (s[i + 1] === '<' || s[i + 1] === 'P') {
          i = s.indexOf('>', i) + 1;
        } else throw new Error(`unsupported group at ${i}`);
      }
      const req = alternation();
      if (s[i] !== ')') throw new Error(`unbalanced group at ${i}`);
      i++;
      return lookaround ? { kind: 'zero' } : { kind: 'group', req };
    }
    if (c === '[') {
      i++;
      if (s[i] === '^') i++;
      if (s[i] === ']') i++;
      while (i < s.length && s[i] !== ']') i += s[i] === '\\' ? 2 : 1;
      i++;
      return { kind: 'any' };
    }
    if (c === '\\') {
      const n = s[i + 1]!;
      i += 2;
      if ('bB'.includes(n)) return { kind: 'zero' };
      if ('dDwWsStrnfv0'.includes(n)) return n === 't' ? { kind: 'char', ch: '\t' } : { kind: 'any' };
      if (n === 'x') {
        const hex = s.slice(i, i + 2);
        i += 2;
        return { kind: 'char', ch: String.fromCharCode(parseInt(hex, 16)) };
      }
      if (n === 'u' || n === 'k' || n === 'p' || n === 'P' || /[1-9]/.test(n)) throw new Error(`unsupported escape \\${n}`);
      return { kind: 'char', ch: n };
    }
    i++;
    if (c === '^' || c === '$') return { kind: 'zero' };
    if (c === '.') return { kind: 'any' };
    return { kind: 'char', ch: c };
  }

  function quantifier(): { min: number; max: number } {
    const c = s[i];
    let q = { min: 1, max: 1 };
    if (c === '*') q = { min: 0, max: Infinity };
    else if (c === '+') q = { min: 1, max: Infinity };
    else if (c === '?') q = { min: 0, max: 1 };
    else if (c === '{') {
      const m = /^\{(\d+)(?:(,)(\d*))?\}/.exec(s.slice(i));
      if (!m) return q;
      i += m[0].length - 1;
      q = { min: Number(m[1]), max: m[2] ? (m[3] ? Number(m[3]) : Infinity) : Number(m[1]) };
    } else return q;
    i++;
    if (s[i] === '?') i++; // lazy
    return q;
  }

  try {
    const r = alternation();
    if (i !== s.length) return null;
    return r && r.every((x) => x.length >= MIN_LITERAL) ? r : null;
  } catch {
    return null;
  }
}

/** Drops literals that contain a shorter literal of the set (the shorter one already flags the line). */
function minimize(lits: string[]): string[] {
  const sorted = [...new Set(lits)].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  const keep: string[] = [];
  for (const l of sorted) if (!keep.some((k) => l.includes(k))) keep.push(l);
  return keep;
}

/** Few substrings (5 letters, else the literal itself) such that each literal contains one. */
function cover(lits: string[]): string[] {
  const grams = new Map<string, Set<number>>();
  lits.forEach((l, i) => {
    for (let a = 0; a + 5 <= l.length; a++) {
      const g = l.slice(a, a + 5);
      if (!/^[A-Za-z]{5}$/.test(g)) continue;
      (grams.get(g) ?? grams.set(g, new Set()).get(g)!).add(i);
    }
  });
  const left = new Set(lits.map((_, i) => i));
  const out: string[] = [];
  for (;;) {
    let best: string | null = null;
    let bestN = 0;
    for (const [g, set] of grams) {
      let n = 0;
      for (const i of set) if (left.has(i)) n++;
      if (n > bestN || (n === bestN && n > 0 && best !== null && g < best)) {
        best = g;
        bestN = n;
      }
    }
    if (!best || bestN < 2) break;
    out.push(best);
    for (const i of grams.get(best)!) left.delete(i);
  }
  for (const i of left) out.push(lits[i]!);
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Keywords most failure lines carry (case covered by dropping the first letter: `rror` matches
 * error, Error, ERROR). A regex of a few dozen literals runs at V8's literal-search speed; one of
 * hundreds does not. A rule whose required literals contain none of these adds its own literal.
 */
export const KEYWORDS = [
  'rror', 'RROR', 'ail', 'AIL', 'atal', 'ATAL', 'xception', 'enied', 'efused', 'annot', 'nable to', 'ould not', 'ouldn',
  'not found', 'No such', 'o such', 'imeout', 'imed out', 'anic', 'bort', 'illed', 'nvalid', 'issing', 'nknown', 'nexpected',
  'upport', 'ismatch', 'orbidden', 'nauthorized', 'xit code', 'xit status', 'ERR', 'not ok', 'ssert', 'xpect', 'race',
  'No space', 'emory', 'ENOSPC', 'EACCES', 'EPERM', 'ECONN', 'ENOTFOUND', 'EAI_', 'ETIMEDOUT', 'ermission', 'PRIVATE KEY', 'Run ',
];

export interface Prefilter {
  /** Global regex of the literals (for tools that want one, e.g. the benchmark's peer). */
  regex: RegExp;
  /** The same literals as an automaton (what the scanner runs). */
  scanner: LiteralScanner;
  /** Sources that gave no literal: they must be tested on every line. */
  unfiltered: string[];
  literals: string[];
}

/**
 * The prefilter of a set of regex sources. A case-insensitive source contributes its literals in
 * lower, Title and UPPER case (the ways tools print words): a heuristic only, so use it for hints
 * such as the salient-line pattern, never for rules.
 */
export function buildPrefilter(sources: Array<string | { source: string; ignoreCase: true }>): Prefilter {
  const lits: string[] = [];
  const unfiltered: string[] = [];
  for (const item of sources) {
    const src = typeof item === 'string' ? item : item.source;
    const r = requiredLiterals(src);
    if (!r) {
      unfiltered.push(src);
      continue;
    }
    if (typeof item === 'string') lits.push(...r);
    else for (const l of r) lits.push(l.toLowerCase(), l.toUpperCase(), l[0]!.toUpperCase() + l.slice(1).toLowerCase());
  }
  // Keep a rule's literal only when no keyword is inside it (the keyword already flags the line);
  // the rest are covered greedily by few short letter n-grams (any substring of a required literal
  // is required too), so the alternation stays small.
  const own = minimize(lits.filter((l) => !KEYWORDS.some((k) => l.includes(k))));
  const literals = minimize([...KEYWORDS, ...cover(own)]);
  return { regex: new RegExp(literals.map(escape).join('|'), 'g'), scanner: new LiteralScanner(literals), unfiltered, literals };
}

/**
 * Aho–Corasick automaton over the prefilter's literals, compiled to a dense DFA on 7-bit character
 * classes (every non-ASCII character shares class 127, so a non-ASCII literal character matches any
 * non-ASCII character: a superset, never a miss). One table lookup per character, whatever the
 * number of literals — V8's regex alternation slows down with every literal added.
 */
export class LiteralScanner {
  private readonly table: Int32Array;
  private readonly accept: Uint8Array;

  constructor(literals: string[]) {
    const goto: Array<Map<number, number>> = [new Map()];
    const acc: boolean[] = [false];
    for (const lit of literals) {
      let st = 0;
      for (let k = 0; k < lit.length; k++) {
        const c = Math.min(lit.charCodeAt(k), 127);
        let nx = goto[st]!.get(c);
        if (nx === undefined) {
          nx = goto.length;
          goto.push(new Map());
          acc.push(false);
          goto[st]!.set(c, nx);
        }
        st = nx;
      }
      acc[st] = true;
    }
    const n = goto.length;
    const table = new Int32Array(n * 128);
    const fail = new Int32Array(n);
    const queue: number[] = [];
    for (let c = 0; c < 128; c++) {
      const nx = goto[0]!.get(c);
      table[c] = nx ?? 0;
      if (nx !== undefined) queue.push(nx);
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const st = queue[qi]!;
      if (acc[fail[st]!]) acc[st] = true;
      for (let c = 0; c < 128; c++) {
        const nx = goto[st]!.get(c);
        if (nx !== undefined) {
          fail[nx] = table[fail[st]! * 128 + c]!;
          table[st * 128 + c] = nx;
          queue.push(nx);
        } else table[st * 128 + c] = table[fail[st]! * 128 + c]!;
      }
    }
    this.table = table;
    this.accept = Uint8Array.from(acc, (a) => (a ? 1 : 0));
  }

  /** Index of the last character of the first literal occurrence at or after `from`, or -1. */
  find(s: string, from: number): number {
    const t = this.table;
    const acc = this.accept;
    let st = 0;
    for (let i = from, n = s.length; i < n; i++) {
      let c = s.charCodeAt(i);
      if (c > 127) c = 127;
      st = t[(st << 7) | c]!;
      if (acc[st] === 1) return i;
    }
    return -1;
  }
}
