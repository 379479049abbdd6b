// The streaming scanner (issue 4, deliverable 3): reads a log of any size block by block (memory
// bounded by the block size, the line cap and the candidate cap, never by the log) and runs the
// prefilter's byte automaton over the RAW bytes of each block (prefilter.ts): it counts lines on
// the way and stops only at a line holding a literal some rule, the salient-line pattern, the step
// header or a PEM edge needs. Passing output is skipped at one table lookup per byte, with no
// decoding, no normalizing and no per-line JS work (issue 4 target: >= 100 MB/s). Only a flagged
// line, and the context around a hit, is decoded and normalized (normalize.ts), and a flagged
// line is tested only against the rules whose own literals it holds. Evidence is the raw line with
// its true number; the blocks the context of the next hit may reach back into are kept.
import type { Readable } from 'node:stream';
import { ghaRunCommand, normalizeText } from './normalize.js';
import { PARSERS, SALIENT } from './parsers/index.js';
import { buildPrefilter, type LiteralScanner, type Prefilter } from './prefilter.js';
import { emptyStructure, StructureReader } from './structure.js';
import type { Hit, LogFacts, Rule } from './types.js';

/** Lines of context kept around a hit for the parsers (the printed context is smaller). */
export const CONTEXT_WIDE = 40;
/** Longest line kept (bytes); the rest of a longer line is dropped (counted, not held). */
export const MAX_LINE_BYTES = 64 * 1024;
/** Hits kept per rule and in all; later hits only count. */
const HITS_PER_RULE = 8;
const MAX_HITS = 400;
const MAX_SALIENT = 200;
const TAIL_LINES = 12;
/** Failing verdicts whose preceding lines are kept (the last ones). */
const VERDICT_CONTEXTS = 4;

const PEM_EDGE = /-----(?:BEGIN|END) [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;
const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);
const NL = Buffer.from('\n');

type Ctx = { line: number; raw: string; text: string };

/** Whole lines (the buffer ends with `\n`) and the number of the first one. */
interface Block {
  buf: Buffer;
  first: number;
  lines: number;
}

/** The line `buf[start, stop)` (no `\n`): raw (decoded, a final `\r` dropped) and normalized. */
function lineOf(buf: Buffer, start: number, stop: number): { raw: string; text: string } {
  const full = buf.toString('utf8', start, Math.min(stop, start + MAX_LINE_BYTES));
  return { raw: full.endsWith('\r') ? full.slice(0, -1) : full, text: normalizeText(full) };
}

/** The rules the prefilter can speak for: case-sensitive built-in (JS) regexes. */
const prefilterable = (r: Rule) => r.match.engine === 'js' && !r.match.ignoreCase;

/**
 * The prefilter: the literals every built-in rule, the salient-line pattern, PEM edges and the step
 * header require (prefilter.ts). Lines holding none of them cannot fire anything.
 */
export function scannerPrefilter(rules: Rule[]): Prefilter {
  // Tool signals and failing-test summaries are read on flagged lines and on the context lines of
  // every hit (end()), so they need no literal of their own; the salient-line words, the step
  // header (`Run `, once `##[group]` is stripped) and PEM edges are among the keywords.
  return buildPrefilter(rules.filter(prefilterable).map((r) => r.match.source));
}

export class LogScanner {
  readonly facts: LogFacts = {
    lines: 0,
    bytes: 0,
    tools: new Map(),
    steps: [],
    failingTests: [],
    state: new Map(),
    exitCode: null,
    salient: [],
    tail: [],
    hitLines: 0,
    secretRanges: [],
    structure: emptyStructure(),
    verdictContext: [],
  };
  private readonly structure = new StructureReader();
  private pemStart = 0;
  readonly hits: Hit[] = [];
  private readonly perRule = new Map<string, number>();
  private readonly prefilter: LiteralScanner;
  /** JS rules first, then user (RE2) rules. */
  private readonly ordered: Rule[];
  /** Per prefilter literal: the indexes (in `ordered`) of the rules a line holding it may fire. */
  private readonly rulesOf: number[][];
  /** Indexes of the rules tried on every line offered (no literal speaks for them). */
  private readonly always: number[];
  private readonly everyLine: boolean;
  private carry: Buffer = EMPTY;
  private skipping = false;
  /**
   * Last line read for a Travis step's command (the `$ ` line after `travis_time:start`, usually
   * the next, after a script's own preamble at most a few dozen): unflagged lines up to it are
   * looked at for one.
   */
  private commandBy = 0;
  /** The newest blocks, as many as hold CONTEXT_WIDE lines (before-context and the tail). */
  private recent: Block[] = [];
  private pending: Hit[] = [];
  /** candidates(): per rule (index in `ordered`), the call that last listed it. */
  private readonly mark: Uint32Array;
  private stamp = 0;

  constructor(rules: Rule[]) {
    const pf = scannerPrefilter(rules);
    this.prefilter = pf.scanner;
    const ordered = [...rules.filter((r) => r.match.engine === 'js'), ...rules.filter((r) => r.match.engine !== 'js')];
    this.ordered = ordered;
    this.mark = new Uint32Array(ordered.length);
    this.rulesOf = pf.literals.map(() => []);
    this.always = [];
    const filtered = ordered.filter(prefilterable);
    ordered.forEach((r, i) => {
      const ids = prefilterable(r) ? pf.bySource[filtered.indexOf(r)] : null;
      if (ids) for (const id of ids) this.rulesOf[id]!.push(i);
      else this.always.push(i);
    });
    // User rules (RE2), case-insensitive rules and rules without a required literal are offered
    // every line.
    this.everyLine = this.always.length > 0;
  }

  /**
   * Feeds bytes or text; complete lines are scanned at once. The scanner keeps the latest blocks
   * for context without copying them: a caller must not change a buffer once written (streams
   * never do).
   */
  write(chunk: Buffer | string): void {
    let b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.facts.bytes += b.length;
    if (this.skipping) {
      const nl = b.indexOf(NEWLINE);
      if (nl < 0) return;
      this.skipping = false;
      b = b.subarray(nl); // keeps the newline that ends the overlong line
    }
    const cut = b.lastIndexOf(NEWLINE);
    if (cut < 0) {
      this.carry = Buffer.concat([this.carry, b]);
      this.capCarry();
      return;
    }
    let from = 0;
    if (this.carry.length) {
      // The line the last chunk began: joined (a copy of one line), the rest is scanned in place.
      from = b.indexOf(NEWLINE) + 1;
      this.block(Buffer.concat([this.carry, b.subarray(0, from)]));
    }
    this.carry = Buffer.from(b.subarray(cut + 1));
    if (from <= cut) this.block(b.subarray(from, cut + 1));
    this.capCarry();
  }

  private capCarry(): void {
    if (this.carry.length > MAX_LINE_BYTES) {
      this.carry = Buffer.from(this.carry.subarray(0, MAX_LINE_BYTES));
      this.skipping = true;
    }
  }

  /** Ends the input: scans the last partial line and closes pending contexts. */
  end(): { hits: Hit[]; facts: LogFacts } {
    const rest = this.carry;
    this.carry = EMPTY;
    if (rest.length) this.block(Buffer.concat([rest, NL]));
    this.pending = [];
    this.facts.tail = this.tail();
    this.contextFacts();
    if (this.pemStart) this.facts.secretRanges.push([this.pemStart, Number.MAX_SAFE_INTEGER]);
    this.pemStart = 0;
    this.facts.structure = this.structure.s;
    return { hits: this.hits, facts: this.facts };
  }

  /** Scans a block of whole lines (ends with `\n`). */
  private block(buf: Buffer): void {
    const blk: Block = { buf, first: this.facts.lines + 1, lines: 0 };
    this.recent.push(blk);
    if (this.pending.length) this.fillPending(buf);
    const end = buf.length;
    let no = blk.first;
    if (this.everyLine) {
      for (let start = 0; start < end;) {
        const stop = buf.indexOf(NEWLINE, start);
        this.line(buf, start, stop, no++);
        start = stop + 1;
      }
    } else {
      const pf = this.prefilter;
      for (let pos = 0; pos < end;) {
        if (no <= this.commandBy) {
          // A Travis step awaits the line naming its command (`$ make test`), which holds no
          // literal: line by line until it comes (pos starts a line; the window outlives a block).
          const stop = buf.indexOf(NEWLINE, pos);
          if (pf.find(buf, pos, stop + 1) >= 0) this.line(buf, pos, stop, no);
          else this.commandLine(buf, pos, stop, no);
          no++;
          pos = stop + 1;
          continue;
        }
        const at = pf.find(buf, pos, end);
        no += pf.lines;
        if (at < 0) break;
        const stop = buf.indexOf(NEWLINE, at);
        this.line(buf, pf.lineStart, stop, no++);
        pos = stop + 1;
      }
    }
    blk.lines = no - blk.first;
    this.facts.lines += blk.lines;
    // Drop the blocks no later context can reach: the newest ones holding CONTEXT_WIDE lines stay.
    let k = this.recent.length;
    for (let kept = 0; k > 0 && kept < CONTEXT_WIDE;) kept += this.recent[--k]!.lines;
    if (k > 0) this.recent.splice(0, k);
  }

  /** An unflagged line while a Travis step awaits its command: read by the structure pass when it may be one. */
  private commandLine(buf: Buffer, start: number, stop: number, no: number): void {
    const at = buf.indexOf('$ ', start);
    if (at < 0 || at >= stop) return;
    this.structure.line(lineOf(buf, start, stop).raw, no, null);
    this.commandBy = 0;
  }

  /** Evaluates one flagged line `buf[start, stop)`: rules, tool signals, facts, salient lines. */
  private line(buf: Buffer, start: number, stop: number, no: number): void {
    const { raw, text } = lineOf(buf, start, stop);
    let fired = false;

    const pem = PEM_EDGE.exec(text);
    if (pem) {
      if (pem[0].includes('BEGIN')) this.pemStart = no;
      if (pem[0].includes('END') || text.lastIndexOf('-----END') > pem.index) {
        if (this.pemStart) this.facts.secretRanges.push([this.pemStart, no]);
        this.pemStart = 0;
      }
    }
    const step = ghaRunCommand(raw);
    if (step) this.facts.steps.push({ line: no, command: step });
    const verdicts = this.structure.s.outcomes.length;
    this.structure.line(raw, no, step);
    if (raw.includes('travis_time:start:') && !raw.includes('$ ')) this.commandBy = no + CONTEXT_WIDE;
    else if (raw.includes('$ ')) this.commandBy = 0;
    // The lines before a failing step's verdict: where runners print why (the fallback's evidence).
    const v = this.structure.added;
    if (this.structure.s.outcomes.length > verdicts && v && !v.ok && !v.final) {
      // A multi-line Travis command's verdict stands on its first line: the lines before that.
      this.facts.verdictContext.push({ line: v.line, before: this.before(start, no).filter((l) => l.line < v.line) });
      if (this.facts.verdictContext.length > VERDICT_CONTEXTS) this.facts.verdictContext.shift();
    }
    this.signals(text, no);
    this.flaggedSeen(no);
    const exit = /(?:Process completed with exit code|exit status|exited with code|exit code:?) (\d{1,3})\b/i.exec(text);
    if (exit) this.facts.exitCode = Number(exit[1]);

    for (const i of this.candidates(buf, start, stop, raw, text)) {
      const rule = this.ordered[i]!;
      const m = rule.match.exec(text);
      if (!m) continue;
      fired = true;
      const seen = this.perRule.get(rule.id) ?? 0;
      this.perRule.set(rule.id, seen + 1);
      if (seen >= HITS_PER_RULE || this.hits.length >= MAX_HITS) continue;
      const hit: Hit = {
        rule,
        line: no,
        raw,
        text,
        groups: m.groups,
        matched: m.match,
        before: this.before(start, no),
        after: [],
      };
      this.after(hit, buf, stop);
      this.hits.push(hit);
      this.hitKept(no);
    }
    if (fired) this.facts.hitLines++;
    else if (SALIENT.test(text) && !/\b0 (?:failed|failures|errors?)\b/i.test(text)) {
      // The last ones are kept: the failure is nearer the end than the start of a log.
      this.facts.salient.push({ line: no, raw, text });
      if (this.facts.salient.length > MAX_SALIENT) this.facts.salient.shift();
    }
  }

  /**
   * The rules a line may fire, in rule order: those one of whose literals it holds (every other
   * rule's regex requires a literal the line lacks), and those no literal speaks for.
   */
  private candidates(buf: Buffer, start: number, stop: number, raw: string, text: string): number[] {
    // A line normalizing left alone is its own bytes (no copy, no encoding); lineOf keeps the
    // first MAX_LINE_BYTES of it.
    const ids =
      text === raw ? this.prefilter.literalsIn(buf, start, Math.min(stop, start + MAX_LINE_BYTES)) : this.prefilter.literalsIn(Buffer.from(text, 'utf8'));
    if (!ids.length) return this.always;
    const stamp = ++this.stamp;
    const out: number[] = [];
    const add = (i: number) => {
      if (this.mark[i] === stamp) return;
      this.mark[i] = stamp;
      out.push(i);
    };
    this.always.forEach(add);
    for (const id of ids) this.rulesOf[id]!.forEach(add);
    return ids.length > 1 || this.always.length ? out.sort((a, b) => a - b) : out;
  }

  /**
   * Flagged lines whose signals were read that a hit's context holds (contextFacts reads the
   * others): the flagged lines within CONTEXT_WIDE of a kept hit. Bounded by the hit cap, not by
   * the log (a set of every flagged line grew with it).
   */
  private readonly seenLines = new Set<number>();
  /** The flagged lines of the last CONTEXT_WIDE lines (a later hit's before-context). */
  private recentFlagged: number[] = [];
  /** Line of the last kept hit (its after-context may still hold flagged lines). */
  private lastHit = -Infinity;

  /** Remembers that line `no` (flagged, signals read) may be in a hit's context. */
  private flaggedSeen(no: number): void {
    if (no - this.lastHit <= CONTEXT_WIDE) this.seenLines.add(no);
    else {
      this.recentFlagged.push(no);
      if (this.recentFlagged[0]! < no - CONTEXT_WIDE) this.recentFlagged = this.recentFlagged.filter((l) => l >= no - CONTEXT_WIDE);
    }
  }

  /** A hit at line `no` was kept: the flagged lines before it are in its context. */
  private hitKept(no: number): void {
    for (const l of this.recentFlagged) if (l >= no - CONTEXT_WIDE) this.seenLines.add(l);
    this.recentFlagged = [];
    this.lastHit = no;
  }

  /** Tool signals and facts (failing tests, npm script) of one line. */
  private signals(text: string, no: number): void {
    for (const p of PARSERS) {
      for (const s of p.signals) {
        if (s.test(text)) {
          const t = this.facts.tools.get(p.tool);
          if (t) {
            t.first = Math.min(t.first, no);
            t.last = Math.max(t.last, no);
            t.count++;
          } else this.facts.tools.set(p.tool, { first: no, last: no, count: 1 });
          p.facts?.(text, no, this.facts);
          break;
        }
      }
    }
  }

  /** Signals and facts from the lines around each hit (they need not pass the prefilter). */
  private contextFacts(): void {
    const ctx = this.hits.flatMap((h) => [...h.before, ...h.after]).sort((a, b) => a.line - b.line);
    // Contexts overlap: each line once, and not again when it was flagged (read as it passed).
    for (let k = 0; k < ctx.length; k++) {
      const c = ctx[k]!;
      if (c.line !== ctx[k - 1]?.line && !this.seenLines.has(c.line)) this.signals(c.text, c.line);
    }
    this.facts.failingTests.sort((a, b) => a.line - b.line);
  }

  /**
   * Up to `count` lines before offset `start` of the newest block (a line start, or its end),
   * reaching back into the blocks kept before it; oldest first.
   */
  private linesBefore(start: number, count: number): Array<{ raw: string; text: string }> {
    const out: Array<{ raw: string; text: string }> = [];
    for (let k = this.recent.length - 1, s = start; k >= 0 && out.length < count; k--) {
      const buf = this.recent[k]!.buf;
      if (k < this.recent.length - 1) s = buf.length;
      while (s > 0 && out.length < count) {
        // s - 1 is the newline ending the previous line; a negative lastIndexOf start would
        // count from the end, hence the guard for a first line that is empty.
        const ls = s >= 2 ? buf.lastIndexOf(NEWLINE, s - 2) + 1 : 0;
        out.push(lineOf(buf, ls, s - 1));
        s = ls;
      }
    }
    return out.reverse();
  }

  /** Up to CONTEXT_WIDE lines before line `no` (starting at `start` of the newest block), oldest first. */
  private before(start: number, no: number): Ctx[] {
    const lines = this.linesBefore(start, CONTEXT_WIDE);
    return lines.map((l, i) => ({ line: no - lines.length + i, ...l }));
  }

  /** The lines after a hit within its block; the rest come with the next blocks (fillPending). */
  private after(hit: Hit, buf: Buffer, stop: number): void {
    for (let s = stop + 1; hit.after.length < CONTEXT_WIDE && s < buf.length;) {
      const e = buf.indexOf(NEWLINE, s);
      hit.after.push({ line: hit.line + hit.after.length + 1, ...lineOf(buf, s, e) });
      s = e + 1;
    }
    if (hit.after.length < CONTEXT_WIDE) this.pending.push(hit);
  }

  private fillPending(buf: Buffer): void {
    const want = Math.max(...this.pending.map((h) => CONTEXT_WIDE - h.after.length));
    const lines: Array<{ raw: string; text: string }> = [];
    for (let s = 0; lines.length < want && s < buf.length;) {
      const e = buf.indexOf(NEWLINE, s);
      lines.push(lineOf(buf, s, e));
      s = e + 1;
    }
    for (const h of this.pending) {
      for (const l of lines) {
        if (h.after.length >= CONTEXT_WIDE) break;
        h.after.push({ line: h.line + h.after.length + 1, ...l });
      }
    }
    this.pending = this.pending.filter((h) => h.after.length < CONTEXT_WIDE);
  }

  /** The last non-blank lines (of the last CONTEXT_WIDE), for the fallback cause. */
  private tail(): Ctx[] {
    const newest = this.recent.at(-1);
    if (!newest) return [];
    const lines = this.linesBefore(newest.buf.length, Math.max(CONTEXT_WIDE, TAIL_LINES));
    const first = this.facts.lines - lines.length + 1;
    const tail: Ctx[] = [];
    for (let i = lines.length - 1; i >= 0 && tail.length < TAIL_LINES; i--) {
      if (lines[i]!.text.trim()) tail.push({ line: first + i, ...lines[i]! });
    }
    return tail.reverse();
  }
}

/** Scans a whole stream (bytes or text); memory stays bounded whatever its size. */
export async function scanStream(input: AsyncIterable<Buffer | string> | Readable, rules: Rule[]): Promise<{ hits: Hit[]; facts: LogFacts }> {
  const s = new LogScanner(rules);
  for await (const chunk of input as AsyncIterable<Buffer | string>) s.write(chunk);
  return s.end();
}

/** Scans a text held in memory (tests, eval). */
export function scanText(text: string, rules: Rule[]): { hits: Hit[]; facts: LogFacts } {
  const s = new LogScanner(rules);
  s.write(text);
  return s.end();
}
