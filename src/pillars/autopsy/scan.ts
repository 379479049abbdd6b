// The streaming scanner (issue 4, deliverable 3): reads a log of any size block by block (memory
// bounded by the block size, the line cap and the candidate cap, never by the log), normalizes each
// block, and finds the lines that fire a rule or a tool signal with ONE combined regex run over the
// whole normalized block — passing output is skipped at regex speed, without per-line JS work
// (MEASURED.md: one combined alternation ~8x faster than rule by rule). Only a line the combined
// regex flags is split out and tested rule by rule. Normalizing keeps the newlines, so the raw line
// of a hit is found by counting newlines (normalize.ts).
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { ghaRunCommand, normalizeText } from './normalize.js';
import { PARSERS, SALIENT } from './parsers/index.js';
import { buildPrefilter, type LiteralScanner, type Prefilter } from './prefilter.js';
import type { Hit, LogFacts, Rule } from './types.js';

/** Lines of context kept around a hit for the parsers (the printed context is smaller). */
export const CONTEXT_WIDE = 40;
/** Longest line kept (characters); the rest of a longer line is dropped (counted, not held). */
export const MAX_LINE_CHARS = 64 * 1024;
/** Hits kept per rule and in all; later hits only count. */
const HITS_PER_RULE = 8;
const MAX_HITS = 400;
const MAX_SALIENT = 200;
const TAIL_LINES = 12;

const PEM_EDGE = /-----(?:BEGIN|END) [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;

/**
 * Start of the line before the one starting at `pos` (pos > 0, s[pos-1] is its newline).
 * lastIndexOf with a negative start searches index 0, so a leading empty line needs the guard.
 */
function prevLineStart(s: string, pos: number): number {
  return pos >= 2 ? s.lastIndexOf('\n', pos - 2) + 1 : 0;
}

type Ctx = { line: number; raw: string; text: string };

/**
 * The prefilter: the literals every built-in rule, tool signal, the salient-line pattern, PEM edges
 * and the step header require (prefilter.ts). Lines holding none of them cannot fire anything.
 */
export function scannerPrefilter(rules: Rule[]): Prefilter {
  // Tool signals and failing-test summaries are read on flagged lines and on the context lines of
  // every hit (end()), so they need no literal of their own; the salient-line words, the step
  // header (`Run `, once `##[group]` is stripped) and PEM edges are among the keywords.
  return buildPrefilter(rules.filter((r) => r.match.engine === 'js').map((r) => r.match.source));
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
  };
  private pemStart = 0;
  readonly hits: Hit[] = [];
  private readonly perRule = new Map<string, number>();
  private readonly prefilter: LiteralScanner;
  private readonly userRules: Rule[];
  private readonly jsRules: Rule[];
  private readonly everyLine: boolean;
  private decoder = new StringDecoder('utf8');
  private carry = '';
  private skipping = false;
  private tailRaw: string[] = [];
  private tailText: string[] = [];
  private pending: Hit[] = [];

  constructor(private readonly rules: Rule[]) {
    const pf = scannerPrefilter(rules);
    this.prefilter = pf.scanner;
    this.jsRules = rules.filter((r) => r.match.engine === 'js');
    this.userRules = rules.filter((r) => r.match.engine !== 'js');
    // User rules (RE2) and any rule without a required literal are offered every line.
    this.everyLine = this.userRules.length > 0 || pf.unfiltered.length > 0;
  }

  /** Feeds bytes or text; complete lines are scanned at once. */
  write(chunk: Buffer | string): void {
    this.facts.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    let s = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    if (this.skipping) {
      const nl = s.indexOf('\n');
      if (nl < 0) return;
      this.skipping = false;
      s = s.slice(nl); // keeps the newline that ends the overlong line
    }
    s = this.carry + s;
    const cut = s.lastIndexOf('\n');
    if (cut < 0) {
      this.carry = s;
      this.capCarry();
      return;
    }
    this.carry = s.slice(cut + 1);
    this.block(s.slice(0, cut + 1));
    this.capCarry();
  }

  private capCarry(): void {
    if (this.carry.length > MAX_LINE_CHARS) {
      this.carry = this.carry.slice(0, MAX_LINE_CHARS);
      this.skipping = true;
    }
  }

  /** Ends the input: scans the last partial line and closes pending contexts. */
  end(): { hits: Hit[]; facts: LogFacts } {
    const rest = this.carry + (this.skipping ? '' : this.decoder.end());
    this.carry = '';
    if (rest) this.block(rest + '\n');
    this.pending = [];
    this.contextFacts();
    if (this.pemStart) this.facts.secretRanges.push([this.pemStart, Number.MAX_SAFE_INTEGER]);
    this.pemStart = 0;
    return { hits: this.hits, facts: this.facts };
  }

  /** Scans a block of whole lines (ends with `\n`). */
  private block(raw: string): void {
    const norm = normalizeText(raw);
    const base = this.facts.lines; // lines before this block
    if (this.pending.length) this.fillPending(raw, norm);

    const pf = this.prefilter;
    let normPos = 0;
    let rawPos = 0;
    let idx = 0; // index within the block of the line starting at normPos
    if (!this.everyLine) {
      for (let at = pf.find(norm, 0); at >= 0; ) {
        const start = norm.lastIndexOf('\n', at) + 1;
        while (normPos < start) {
          normPos = norm.indexOf('\n', normPos) + 1;
          rawPos = raw.indexOf('\n', rawPos) + 1;
          idx++;
        }
        const normEnd = norm.indexOf('\n', start);
        this.line(raw, norm, rawPos, normPos, base + idx + 1);
        if (normEnd < 0) break;
        at = pf.find(norm, normEnd + 1);
      }
    } else {
      while (normPos < norm.length) {
        this.line(raw, norm, rawPos, normPos, base + idx + 1);
        normPos = norm.indexOf('\n', normPos) + 1;
        rawPos = raw.indexOf('\n', rawPos) + 1;
        idx++;
      }
    }
    // Count lines; keep the tail for the next block's before-context and the fallback.
    let n = 0;
    for (let p = raw.indexOf('\n'); p >= 0; p = raw.indexOf('\n', p + 1)) n++;
    this.facts.lines = base + n;
    this.keepTail(raw, norm, base, n);
  }

  private lineAt(s: string, pos: number): string {
    const end = s.indexOf('\n', pos);
    let l = s.slice(pos, end < 0 ? s.length : end);
    if (l.endsWith('\r')) l = l.slice(0, -1);
    return l.length > MAX_LINE_CHARS ? l.slice(0, MAX_LINE_CHARS) : l;
  }

  /** Evaluates one flagged line: rules, tool signals, facts, salient lines. */
  private line(raw: string, norm: string, rawPos: number, normPos: number, no: number): void {
    const text = this.lineAt(norm, normPos);
    let rawLine: string | null = null;
    const getRaw = () => (rawLine ??= this.lineAt(raw, rawPos));
    let fired = false;

    const pem = PEM_EDGE.exec(text);
    if (pem) {
      if (pem[0].includes('BEGIN')) this.pemStart = no;
      if (pem[0].includes('END') || text.lastIndexOf('-----END') > pem.index) {
        if (this.pemStart) this.facts.secretRanges.push([this.pemStart, no]);
        this.pemStart = 0;
      }
    }
    const step = ghaRunCommand(getRaw());
    if (step) this.facts.steps.push({ line: no, command: step });
    this.signals(text, no);
    const exit = /(?:Process completed with exit code|exit status|exited with code|exit code:?) (\d{1,3})\b/i.exec(text);
    if (exit) this.facts.exitCode = Number(exit[1]);

    for (const rules of [this.jsRules, this.userRules]) {
      for (const rule of rules) {
        const m = rule.match.exec(text);
        if (!m) continue;
        fired = true;
        const seen = this.perRule.get(rule.id) ?? 0;
        this.perRule.set(rule.id, seen + 1);
        if (seen >= HITS_PER_RULE || this.hits.length >= MAX_HITS) continue;
        const hit: Hit = {
          rule,
          line: no,
          raw: getRaw(),
          text,
          groups: m.groups,
          matched: m.match,
          before: this.before(raw, norm, rawPos, normPos, no),
          after: [],
        };
        this.after(hit, raw, norm, rawPos, normPos);
        this.hits.push(hit);
      }
    }
    if (fired) this.facts.hitLines++;
    else if (this.facts.salient.length < MAX_SALIENT && SALIENT.test(text) && !/\b0 (?:failed|failures|errors?)\b/i.test(text)) {
      this.facts.salient.push({ line: no, raw: getRaw(), text });
    }
  }

  private readonly seenLines = new Set<number>();

  /** Tool signals and facts (failing tests, npm script) of one line, once per line. */
  private signals(text: string, no: number): void {
    if (this.seenLines.has(no)) return;
    this.seenLines.add(no);
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
    for (const c of ctx) this.signals(c.text, c.line);
    this.facts.failingTests.sort((a, b) => a.line - b.line);
  }

  /** Up to CONTEXT_WIDE lines before the line at (rawPos, normPos), oldest first. */
  private before(raw: string, norm: string, rawPos: number, normPos: number, no: number): Ctx[] {
    const out: Ctx[] = [];
    let r = rawPos;
    let n = normPos;
    while (out.length < CONTEXT_WIDE && n > 0) {
      const ns = prevLineStart(norm, n);
      const rs = prevLineStart(raw, r);
      out.push({ line: 0, raw: this.lineAt(raw, rs), text: this.lineAt(norm, ns) });
      n = ns;
      r = rs;
    }
    for (let i = this.tailRaw.length - 1; out.length < CONTEXT_WIDE && i >= 0; i--) {
      out.push({ line: 0, raw: this.tailRaw[i]!, text: this.tailText[i]! });
    }
    out.reverse();
    for (let i = 0; i < out.length; i++) out[i]!.line = no - out.length + i;
    return out;
  }

  private after(hit: Hit, raw: string, norm: string, rawPos: number, normPos: number): void {
    let n = norm.indexOf('\n', normPos) + 1;
    let r = raw.indexOf('\n', rawPos) + 1;
    while (hit.after.length < CONTEXT_WIDE && n > 0 && n < norm.length) {
      hit.after.push({ line: hit.line + hit.after.length + 1, raw: this.lineAt(raw, r), text: this.lineAt(norm, n) });
      n = norm.indexOf('\n', n) + 1;
      r = raw.indexOf('\n', r) + 1;
    }
    if (hit.after.length < CONTEXT_WIDE) this.pending.push(hit);
  }

  private fillPending(raw: string, norm: string): void {
    let n = 0;
    let r = 0;
    const want = Math.max(...this.pending.map((h) => CONTEXT_WIDE - h.after.length));
    const lines: Ctx[] = [];
    while (lines.length < want && n < norm.length) {
      lines.push({ line: 0, raw: this.lineAt(raw, r), text: this.lineAt(norm, n) });
      n = norm.indexOf('\n', n) + 1;
      r = raw.indexOf('\n', r) + 1;
      if (n === 0) break;
    }
    for (const h of this.pending) {
      for (const l of lines) {
        if (h.after.length >= CONTEXT_WIDE) break;
        h.after.push({ ...l, line: h.line + h.after.length + 1 });
      }
    }
    this.pending = this.pending.filter((h) => h.after.length < CONTEXT_WIDE);
  }

  private keepTail(raw: string, norm: string, base: number, n: number): void {
    const keep = Math.max(CONTEXT_WIDE, TAIL_LINES);
    const rs: string[] = [];
    const ts: string[] = [];
    let r = raw.length;
    let t = norm.length;
    while (rs.length < keep && t > 0) {
      const tStart = prevLineStart(norm, t);
      const rStart = prevLineStart(raw, r);
      rs.push(this.lineAt(raw, rStart));
      ts.push(this.lineAt(norm, tStart));
      t = tStart;
      r = rStart;
    }
    rs.reverse();
    ts.reverse();
    if (rs.length < keep) {
      this.tailRaw = [...this.tailRaw, ...rs].slice(-keep);
      this.tailText = [...this.tailText, ...ts].slice(-keep);
    } else {
      this.tailRaw = rs;
      this.tailText = ts;
    }
    // The last non-blank lines, for the fallback cause.
    const firstNo = base + n - this.tailText.length + 1;
    const tail: Ctx[] = [];
    for (let i = this.tailText.length - 1; i >= 0 && tail.length < TAIL_LINES; i--) {
      if (this.tailText[i]!.trim()) tail.push({ line: firstNo + i, raw: this.tailRaw[i]!, text: this.tailText[i]! });
    }
    if (tail.length) this.facts.tail = tail.reverse();
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
