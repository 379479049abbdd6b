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
  'Run ',
  // The structure pass's markers and verdicts (structure.ts, STRUCTURE_KEYWORDS).
  'travis_fold:',
  'travis_time:',
  'he command "',
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
    return r && !r.some((l) => UNSCANNABLE.test(l)) ? r : null;
  });
  // The automaton's speed does not depend on how many literals it holds (one table lookup per
  // byte), so each source keeps its own literals: a short n-gram standing for several (`ation`)
  // would flag ordinary passing lines and send them through the rules.
  const literals = minimize([...KEYWORDS, ...required.flatMap((r) => r ?? [])]);
  const bySource = required.map((r) => (r ? literals.flatMap((k, id) => (r.some((l) => l.includes(k)) ? [id] : [])) : null));
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

  /** Ids of the literals a line holds (its UTF-8 bytes, escapes already removed), each once. */
  literalsIn(u: Uint8Array): number[] {
    const t = this.dfa.table;
    const found: number[] = [];
    let st = 0; // the row offset of the state
    for (let i = 0; i < u.length; i++) {
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
