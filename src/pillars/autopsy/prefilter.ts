// The scanner's prefilter (issue 4 target: >= 100 MB/s on one core). Joining ~250 rule regexes into
// one alternation is catastrophically slow in V8 (no literal to search for: every alternative is
// tried at every position), so — as RE2 and ripgrep do — each regex is reduced to the literal
// strings one of which any match must contain, and only lines holding one of those literals are
// tested rule by rule. The extraction below is conservative: when it cannot prove a literal is
// required it returns null, and the rule is then tested on every line (a test keeps every
// built-in rule prefilterable).
import { ESCAPE, MATCH, NEWLINE, ROW, WasmDfa } from './dfa-wasm.js';
import { ansiEnd } from './normalize.js';

type Req = string[] | null; // one of these literals occurs in every match; null = unknown

/**
 * Shortest literal, in UTF-8 bytes (what the automaton matches): three ASCII characters, or one
 * symbol outside ASCII — xcpretty's `✗` and `❌`, three bytes each, are rarer in passing output
 * than most three-letter words (counted in UTF-16 units, `✗ ` was too short to be a literal).
 */
const MIN_LITERAL = 3;
const bytesOf = (lit: string) => Buffer.byteLength(lit, 'utf8');
/** Largest literal set a cross product may build (beyond it the shorter, known part is kept). */
const MAX_SET = 32;
/** Largest character class expanded into its characters (`[Ff]ailed` gives `Failed`, `failed`). */
const MAX_CLASS = 4;

/**
 * Words ordinary passing output is full of (test runners' and build tools' progress lines, file
 * paths): a required literal that is only one of them, or only a file extension, flags most lines
 * of a passing log, so a regex's other literals are preferred (issue 15: `test` from pytest's
 * failure header flagged 42 % of the lines of passing runs).
 */
const COMMON_WORDS =
  'test tests testing ok pass passed passing run running build building compile compiling check checking done note style status exit http https error warning info debug file line src lib main module package target'.split(
    ' ',
  );

/**
 * How selective a literal is as a prefilter trigger (higher: fewer ordinary lines hold it). A literal
 * holding a keyword costs nothing (the keyword flags the line anyway) and only narrows which rules a
 * flagged line is tested against; otherwise the weight of its characters (punctuation, capitals and
 * non-ASCII are rarer in passing output than lowercase letters and spaces), with a bare common word
 * or file extension worth little whatever its length.
 */
function selectivity(lit: string): number {
  let v = selectivityOf.get(lit);
  if (v === undefined) {
    v = weigh(lit);
    if (selectivityOf.size > 100_000) selectivityOf.clear();
    selectivityOf.set(lit, v);
  }
  return v;
}

/** Literals are weighed many times while a regex is read (every candidate set at every step). */
const selectivityOf = new Map<string, number>();

function weigh(lit: string): number {
  if (bytesOf(lit) < MIN_LITERAL) return -Infinity;
  if (KEYWORDS.some((k) => lit.includes(k))) return 100 + lit.length;
  const bare = lit.trim().toLowerCase();
  // A piece of a common word is no rarer than the word (`lin` of `line`): scored alike, so the
  // score never falls as a literal grows.
  if (/^\.?[a-z]{1,4}$/.test(bare) || COMMON_WORDS.some((w) => w.includes(bare))) return 1 + lit.length / 10;
  let w = 0;
  for (const c of lit) w += c === ' ' ? 0.5 : /[a-z]/.test(c) ? 1 : /[0-9A-Z]/.test(c) ? 1.5 : 2;
  return w;
}

/** A set is as selective as its weakest member; among equals, fewer members. */
const score = (r: string[]) => Math.min(...r.map(selectivity)) - r.length * 0.01;

const better = (a: Req, b: Req): Req => {
  if (!b || !b.length) return a;
  if (!a) return b;
  return score(b) > score(a) ? b : a;
};

/** Every `x + y` (x in a, y in b), or null when that set would be too large. */
function cross(a: string[], b: string[]): string[] | null {
  if (a.length * b.length > MAX_SET) return null;
  return [...new Set(a.flatMap((x) => b.map((y) => x + y)))];
}

/**
 * What is known of the strings a piece of regex matches: all of them (`exact`, when few), the
 * strings one of which each starts with (`prefix`) or ends with (`suffix`), and a set one of which
 * each contains (`req`). `['']` is "nothing known". Concatenation joins a suffix of one piece to a
 * prefix of the next (`\S+\.lua):` gives `.lua:`), as in Russ Cox's trigram-index analysis.
 */
interface Info {
  exact: string[] | null;
  prefix: string[];
  suffix: string[];
  req: Req;
}

const NOTHING: Info = { exact: null, prefix: [''], suffix: [''], req: null };
const EMPTY: Info = { exact: [''], prefix: [''], suffix: [''], req: null };
const exactly = (set: string[]): Info => ({ exact: set, prefix: set, suffix: set, req: null });

/** The best required set an Info gives. */
const bestOf = (x: Info): Req => [x.exact, x.prefix, x.suffix].reduce<Req>((acc, s) => better(acc, s), x.req);

function concatInfo(a: Info, b: Info): Info {
  const exact = a.exact && b.exact ? cross(a.exact, b.exact) : null;
  if (exact) return exactly(exact);
  const prefix = a.exact ? (cross(a.exact, b.prefix) ?? a.exact) : a.prefix;
  const suffix = b.exact ? (cross(a.suffix, b.exact) ?? b.exact) : b.suffix;
  // Where two inexact pieces meet, a suffix of one and a prefix of the next join (`_{3,} ` gives
  // `___ `); next to an exact piece that join is the new prefix or suffix, weighed at the end.
  const junction = a.exact || b.exact ? null : cross(a.suffix, b.prefix);
  return { exact: null, prefix, suffix, req: better(better(a.req, b.req), junction) };
}

/** `x{min,max}`. */
function repeatInfo(x: Info, min: number, max: number): Info {
  if (min === 0) return max === 1 && x.exact ? exactly([...new Set([...x.exact, ''])]) : NOTHING;
  let least: Info = x; // x{min}: min copies
  for (let k = 1; k < Math.min(min, 8); k++) least = concatInfo(least, x);
  if (max === min && min <= 8) return least;
  return { exact: null, prefix: least.exact ?? least.prefix, suffix: least.exact ?? least.suffix, req: bestOf(least) };
}

function alternationInfo(branches: Info[]): Info {
  if (branches.length === 1) return branches[0]!;
  const union = (sets: Array<string[] | null>) => (sets.every((s) => s) ? [...new Set(sets.flat() as string[])] : null);
  const exact = union(branches.map((b) => b.exact));
  if (exact && exact.length <= MAX_SET) return exactly(exact);
  const reqs = branches.map(bestOf);
  const req = reqs.every((r) => r && r.length) ? [...new Set(reqs.flat() as string[])] : null;
  return { exact: null, prefix: union(branches.map((b) => b.exact ?? b.prefix))!, suffix: union(branches.map((b) => b.exact ?? b.suffix))!, req };
}

/** Parses a JS regex source (no `v` flag) and returns the most selective required literals, or null. */
export function requiredLiterals(source: string): Req {
  let i = 0;
  const s = source;

  // alternation := concat ('|' concat)*
  function alternation(): Info {
    const branches: Info[] = [concat()];
    while (s[i] === '|') {
      i++;
      branches.push(concat());
    }
    return alternationInfo(branches);
  }

  // concat := (atom quantifier?)*
  function concat(): Info {
    let acc = EMPTY;
    while (i < s.length && s[i] !== '|' && s[i] !== ')') {
      const a = atom();
      const q = quantifier();
      acc = concatInfo(acc, q.min === 1 && q.max === 1 ? a : repeatInfo(a, q.min, q.max));
    }
    return acc;
  }

  function atom(): Info {
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
      const inner = alternation();
      if (s[i] !== ')') throw new Error(`unbalanced group at ${i}`);
      i++;
      return lookaround ? EMPTY : inner; // lookarounds consume nothing
    }
    if (c === '[') return charClass();
    if (c === '\\') {
      const n = s[i + 1]!;
      i += 2;
      if ('bB'.includes(n)) return EMPTY;
      if (n === 't') return exactly(['\t']);
      if ('dDwWsSrnfv0'.includes(n)) return NOTHING;
      if (n === 'x') {
        const hex = s.slice(i, i + 2);
        i += 2;
        return exactly([String.fromCharCode(parseInt(hex, 16))]);
      }
      if (n === 'u' || n === 'k' || n === 'p' || n === 'P' || /[1-9]/.test(n)) throw new Error(`unsupported escape \\${n}`);
      return exactly([n]);
    }
    i++;
    if (c === '^' || c === '$') return EMPTY;
    if (c === '.') return NOTHING;
    // A character outside the BMP is two code units: kept whole (half of one has no UTF-8 bytes).
    if (c >= '\ud800' && c <= '\udbff' && i < s.length) return exactly([c + s[i++]!]);
    return exactly([c]);
  }

  /** `[...]`: its characters when it lists a few plainly (no range, class escape or negation). */
  function charClass(): Info {
    i++;
    let plain = s[i] !== '^';
    if (!plain) i++;
    const chars = new Set<string>();
    for (let first = true; i < s.length && (s[i] !== ']' || first); first = false) {
      let ch = s[i]!;
      if (ch === '\\') {
        ch = s[i + 1]!;
        if (/[a-zA-Z0-9]/.test(ch)) plain = false; // \d, \s, \x41, \u...: not listed plainly
        i += 2;
      } else i++;
      if (s[i] === '-' && s[i + 1] !== ']') plain = false;
      if (ch >= '\ud800' && ch <= '\udfff') plain = false;
      chars.add(ch);
    }
    i++;
    return plain && chars.size <= MAX_CLASS ? exactly([...chars]) : NOTHING;
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
    const r = bestOf(alternation());
    if (i !== s.length) return null;
    return r && r.every((x) => bytesOf(x) >= MIN_LITERAL) ? r : null;
  } catch {
    return null;
  }
}

/**
 * Keywords most failure lines carry (case covered by dropping the first letter: `rror` matches
 * error, Error, ERROR). They flag the lines the scanner reads beyond the rules: the salient-line
 * words (the classifier's input when no rule fires), the step header `Run ` and PEM edges. A rule's
 * literal that holds a keyword adds nothing (the keyword already flags the line).
 */
export const KEYWORDS = [
  'rror',
  'RROR',
  'ail',
  'AIL',
  'atal',
  'ATAL',
  'xception',
  'enied',
  'efused',
  'annot',
  'nable to',
  'ould not',
  'ouldn',
  'not found',
  'No such',
  'o such',
  'imeout',
  'imed out',
  'anic',
  'bort',
  'illed',
  'nvalid',
  'issing',
  'nknown',
  'nexpected',
  'upport',
  'ismatch',
  'orbidden',
  'nauthorized',
  'xit code',
  'xit status',
  'ERR',
  'not ok',
  'ssert',
  'xpect',
  'race',
  'No space',
  'emory',
  'ENOSPC',
  'EACCES',
  'EPERM',
  'ECONN',
  'ENOTFOUND',
  'EAI_',
  'ETIMEDOUT',
  'ermission',
  'PRIVATE KEY',
  // The rest of the salient-line words (parsers SALIENT, case-insensitive) in each case a tool
  // prints them: a line holding one is read, and kept as salient, whatever the rules' literals.
  "an't",
  "AN'T",
  'ot found',
  'OT FOUND',
  'ime out',
  'IME OUT',
  'imedout',
  'IMEDOUT',
  'IMEOUT',
  'IMED OUT',
  'RACEBACK',
  'NEXPECTED',
  'OULD NOT',
  'XIT STATUS',
  'XIT CODE',
  'NABLE TO',
  'O SUCH',
  'ANIC',
  'ANNOT',
  'ISMATCH',
  'BORT',
  'NKNOWN',
  'ORBIDDEN',
  'ISSING',
  'ENIED',
  'NVALID',
  'EFUSED',
  'XCEPTION',
  'ILLED',
  'NAUTHORIZED',
  'NSUPPORTED',
  'Run ',
  // The structure pass's markers and verdicts (structure.ts, STRUCTURE_KEYWORDS).
  'travis_fold:',
  'travis_time:',
  'he command "',
  // The last line of a Travis verdict whose command spans lines (`" exited with 1.`).
  '" exited with ',
  'Your build exited',
  'section_start:',
  'section_end:',
  '[Pipeline] ',
  'Finished: ',
  'BUILD SUCC',
  'test result: ok',
  ' passed',
  ' passing',
  ' 0 failures',
  'Job succeeded',
];

export interface Prefilter {
  /** The literals as a byte automaton (what the scanner runs). */
  scanner: LiteralScanner;
  /** Sources that gave no literal: they must be tested on every line. */
  unfiltered: string[];
  literals: string[];
  /**
   * Per source (in order): ids of the literals one of which a line must hold for the source to
   * match (each of its required literals contains one of them), or null for an unfiltered source.
   */
  bySource: Array<number[] | null>;
}

/** Bytes a literal may not hold: the scanner ends lines at `\n` and steps over ANSI escapes. */
const UNSCANNABLE = /[\n\r\x1b]/;

/**
 * Longest literal the automaton holds (characters): any part of a required literal is required too,
 * and beyond a few words a longer one is hardly rarer, while every character adds a state (1 KB).
 */
const MAX_LITERAL = 16;
const headOf = (lit: string) => Array.from(lit).slice(0, MAX_LITERAL).join('');

const built = new Map<string, Prefilter>();

/**
 * The prefilter of a set of regex sources: the keywords plus every source's required literals.
 * Building one takes tens of milliseconds, so the last few are kept (every scan of a log with the
 * same rules shares one).
 */
export function buildPrefilter(sources: string[]): Prefilter {
  const key = sources.join('\n');
  let pf = built.get(key);
  if (!pf) {
    pf = compilePrefilter(sources);
    if (built.size >= 8) built.delete(built.keys().next().value!);
    built.set(key, pf);
  }
  return pf;
}

function compilePrefilter(sources: string[]): Prefilter {
  const required = sources.map((src) => {
    const r = requiredLiterals(src);
    return r && !r.some((l) => UNSCANNABLE.test(l)) ? [...new Set(r.map(headOf))] : null;
  });
  // The automaton's speed does not depend on how many literals it holds (one table lookup per
  // byte), so each source keeps its own literals, whole: a shorter literal of another source that
  // one contains (`test` in `test_`) flags no fewer lines, but would send every line holding it
  // through this source's regex too.
  const literals = [...new Set([...KEYWORDS, ...required.flatMap((r) => r ?? [])])];
  const idOf = new Map(literals.map((l, id) => [l, id]));
  const bySource = required.map((r) => (r ? r.map((l) => idOf.get(l)!) : null));
  return { scanner: new LiteralScanner(literals), unfiltered: sources.filter((_, i) => !required[i]), literals, bySource };
}

/**
 * Aho–Corasick automaton over the UTF-8 bytes of the prefilter's literals, compiled to a dense DFA
 * on bytes, run over a log's raw bytes: no decoding and no normalizing on the way (issue 4 target:
 * >= 100 MB/s). One table lookup per byte, however many literals, in WebAssembly (dfa-wasm.ts).
 * On the way it counts newlines (line numbers cost no second pass) and steps over ANSI escape
 * sequences (normalize.ts removes them, and one may split a literal: `Err\x1b[0mor`). What else
 * normalizing removes is a line's prefix (GitHub Actions timestamps and `##[...]` markers, text
 * before a carriage return) or a GitLab section marker, which starts its line: a literal of the
 * normalized line is a literal of the raw line, so the raw bytes flag every line the normalized
 * text would (and at most a few more).
 */
export class LiteralScanner {
  private readonly dfa: WasmDfa;
  /** Per state: the ids of the literals it completes (also through its failure links). */
  private readonly completes: number[][];
  /** Newlines the last find() passed. */
  lines = 0;
  /** Start of the line the last find() ended in (the flagged line, when it found one). */
  lineStart = 0;

  constructor(literals: string[]) {
    const goto: Array<Map<number, number>> = [new Map()];
    const completes: number[][] = [[]];
    literals.forEach((lit, id) => {
      let st = 0;
      for (const b of Buffer.from(lit, 'utf8')) {
        let nx = goto[st]!.get(b);
        if (nx === undefined) {
          nx = goto.length;
          goto.push(new Map());
          completes.push([]);
          goto[st]!.set(b, nx);
        }
        st = nx;
      }
      completes[st]!.push(id);
    });
    const n = goto.length;
    const next = new Int32Array(n * 256);
    const fail = new Int32Array(n);
    const queue: number[] = [];
    for (let b = 0; b < 256; b++) {
      const nx = goto[0]!.get(b);
      next[b] = nx ?? 0;
      if (nx !== undefined) queue.push(nx);
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const st = queue[qi]!;
      // Breadth first: the failure state is shallower, its list already complete.
      if (completes[fail[st]!]!.length) completes[st] = [...completes[st]!, ...completes[fail[st]!]!];
      for (const [b, nx] of goto[st]!) {
        fail[nx] = next[fail[st]! * 256 + b]!;
        queue.push(nx);
      }
      // A byte with no edge of its own goes where it goes from the failure state.
      next.copyWithin(st * 256, fail[st]! * 256, fail[st]! * 256 + 256);
      for (const [b, nx] of goto[st]!) next[st * 256 + b] = nx;
    }
    const accepts = Uint8Array.from(completes, (c) => (c.length ? 1 : 0));
    this.dfa = new WasmDfa(n);
    const table = this.dfa.table;
    for (let k = 0; k < table.length; k++) table[k] = accepts[next[k]!] ? MATCH - next[k]! * ROW : next[k]! * ROW;
    for (let st = 0; st < n; st++) {
      table[st * 256 + 0x0a] = NEWLINE;
      table[st * 256 + 0x1b] = ESCAPE;
    }
    this.completes = completes;
  }

  /**
   * Index of the byte completing the first literal in `u[from, to)`, or -1; `from` must start a
   * line. Sets `lines` (newlines before that byte, or in the range) and `lineStart`.
   */
  find(u: Uint8Array, from: number, to: number): number {
    const at = this.dfa.find(u, from, to, ansiEnd);
    this.lines = this.dfa.lines;
    this.lineStart = this.dfa.lineStart;
    return at;
  }

  /** Ids of the literals a line `u[from, to)` holds (UTF-8 bytes, escapes already removed), each once. */
  literalsIn(u: Uint8Array, from = 0, to = u.length): number[] {
    const t = this.dfa.table;
    const found: number[] = [];
    let st = 0; // the row offset of the state
    for (let i = from; i < to; i++) {
      const nx = t[(st >> 2) + u[i]!]!;
      if (nx >= 0) st = nx;
      else if (nx === NEWLINE || nx === ESCAPE) st = 0;
      else {
        st = MATCH - nx;
        for (const id of this.completes[st / ROW]!) if (!found.includes(id)) found.push(id);
      }
    }
    return found;
  }
}
