import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareReports } from './compare.js';
import { baseFingerprint, finalizeReport, identityContext, SourceLines } from './identity.js';
import type { MutantRecord, MutationReport } from './model.js';
import { readReport } from './reports/index.js';

const fx = (f: string) => path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'reports', f);

describe('comparing two real reports (mocha-js → mocha-js-v2, see fixtures/README.md)', () => {
  const base = readReport(fx('stryker-mocha-js.json'));
  const head = readReport(fx('stryker-mocha-js-v2.json'));
  const c = compareReports(base, head);

  it('keeps identity when a comment shifts every line of slug.js down by one', () => {
    const isSlugBase = base.mutants.filter((m) => m.file === 'src/slug.js' && m.start.line === 19);
    const isSlugHead = head.mutants.filter((m) => m.file === 'src/slug.js' && m.start.line === 20);
    expect(isSlugBase.length).toBeGreaterThan(0);
    expect(isSlugHead.map((m) => m.fingerprint).sort()).toEqual(isSlugBase.map((m) => m.fingerprint).sort());
    expect(c.new.filter((m) => m.file === 'src/slug.js' && m.mutator !== 'BlockStatement')).toEqual([]);
  });

  it('classifies newly killed (parse.js gained tests), new (jitter), gone (delays)', () => {
    expect(c.newly_survived).toEqual([]);
    expect(c.newly_killed.length).toBe(17);
    expect(c.newly_killed.every((m) => m.file === 'src/parse.js' && m.before === 'no_coverage' && m.after === 'killed')).toBe(true);
    expect(c.new.filter((m) => m.file === 'src/retry.js').map((m) => m.line)).toEqual([8, 9, 9, 9, 9]);
    const gone = c.gone.filter((m) => m.file === 'src/retry.js');
    expect(gone.map((m) => m.mutator)).toContain('UpdateOperator');
    expect(gone.find((m) => m.mutator === 'UpdateOperator')?.before).toBe('timeout');
  });

  it('gives the score and per-file deltas', () => {
    expect(c.base_score).toBeCloseTo(41 / 79, 12);
    expect(c.head_score).toBeCloseTo(57 / 78, 12);
    expect(c.delta).toBeCloseTo(57 / 78 - 41 / 79, 12);
    const parse = c.files.find((f) => f.file === 'src/parse.js')!;
    expect(parse.base_score).toBe(0);
    expect(parse.delta).toBeCloseTo(17 / 28, 12);
  });

  it('sees a survivor that a test stopped killing as newly survived', () => {
    const h2: MutationReport = { ...head, mutants: head.mutants.map((m) => ({ ...m })) };
    const victim = h2.mutants.find((m) => m.file === 'src/parse.js' && m.status === 'killed')!;
    victim.status = 'survived';
    const c2 = compareReports(base, h2);
    expect(c2.newly_killed.length).toBe(16);
    expect(c2.newly_survived).toEqual([]); // it was no_coverage before: still undetected
    const c3 = compareReports(head, h2);
    expect(c3.newly_survived.map((m) => m.fingerprint)).toEqual([victim.fingerprint]);
  });
});

describe('identity', () => {
  const m = (line: number, col: number, extra: Partial<MutantRecord> = {}): MutantRecord => ({
    id: `${line}:${col}`,
    fingerprint: '',
    file: 'a.ts',
    mutator: 'EqualityOperator',
    replacement: 'a < b',
    description: null,
    status: 'survived',
    statusReason: null,
    start: { line, column: col },
    end: { line, column: col + 6 },
    scope: null,
    coveredBy: null,
    killedBy: null,
    diff: null,
    ...extra,
  });

  const ctx = (lines: string[], mm: MutantRecord) => identityContext(new SourceLines({ 'a.ts': { source: lines.join('\n'), language: null } }), 'a.ts', mm);

  it('is the same under re-indentation and line shifts, different for different code', () => {
    const a = ['x', 'if (a <= b) go();'];
    const b = ['', 'y', '    if (a  <= b) go();'];
    expect(ctx(a, m(2, 5))).toBe(ctx(b, m(3, 9, { end: { line: 3, column: 16 } })));
    expect(ctx(['if (a <= c) go();'], m(1, 5))).not.toBe(ctx(a, m(2, 5)));
    expect(ctx(a, m(2, 6))).not.toBe(ctx(a, m(2, 5)));
  });

  it('tells identical mutants on identical lines apart by order of appearance', () => {
    const src = 'if (a <= b) x();\nif (a <= b) x();\n';
    const r = finalizeReport({ format: 'stryker', tool: null, files: { 'a.ts': { source: src, language: 'typescript' } }, mutants: [m(2, 5), m(1, 5)] });
    expect(r.mutants.map((x) => x.start.line)).toEqual([1, 2]);
    expect(r.mutants[1]!.fingerprint).toBe(`${r.mutants[0]!.fingerprint}-1`);
    expect(r.mutants[0]!.fingerprint).toBe(baseFingerprint('a.ts', r.mutants[0]!, ctx(src.split('\n'), r.mutants[0]!)));
  });

  it('property: re-spacing and re-indenting the code keeps every fingerprint', () => {
    const token = fc.constantFrom('if', '(a', '<=', 'b)', 'return', 'x', '+', '1;', '{', '}');
    const ws = fc.constantFrom(' ', '  ', '\t', ' \t ');
    fc.assert(
      fc.property(fc.array(token, { minLength: 2, maxLength: 8 }), fc.nat(), fc.nat(), fc.array(ws, { minLength: 9, maxLength: 9 }), (toks, i, j, gaps) => {
        const from = i % toks.length;
        const to = from + (j % (toks.length - from));
        const layout = (sep: (k: number) => string, indent: string) => {
          let line = indent;
          let start = 0;
          let end = 0;
          toks.forEach((t, k) => {
            if (k > 0) line += sep(k);
            if (k === from) start = line.length + 1;
            line += t;
            if (k === to) end = line.length + 1;
          });
          return { line, start, end };
        };
        const plain = layout(() => ' ', '');
        const spaced = layout((k) => gaps[k]!, gaps[0]!);
        const r1 = finalizeReport({
          format: 'stryker',
          tool: null,
          files: { 'a.ts': { source: `x\n${plain.line}`, language: null } },
          mutants: [m(2, plain.start, { end: { line: 2, column: plain.end } })],
        });
        const r2 = finalizeReport({
          format: 'stryker',
          tool: null,
          files: { 'a.ts': { source: `\n\ny\n${spaced.line}`, language: null } },
          mutants: [m(4, spaced.start, { end: { line: 4, column: spaced.end } })],
        });
        expect(r2.mutants[0]!.fingerprint).toBe(r1.mutants[0]!.fingerprint);
        // What finalizeReport streams is the hash of the identity string.
        expect(r1.mutants[0]!.fingerprint).toBe(baseFingerprint('a.ts', r1.mutants[0]!, identityContext(new SourceLines(r1.files), 'a.ts', r1.mutants[0]!)));
      }),
      { numRuns: 300 },
    );
  });

  it('without source, uses the scope and description (PIT, cargo-mutants), not the line', () => {
    const x = m(10, 0, { scope: 'com.x.A#f()V', description: 'negated conditional', replacement: null });
    const y = m(99, 0, { scope: 'com.x.A#f()V', description: 'negated conditional', replacement: null });
    const none = new SourceLines({});
    expect(identityContext(none, 'A.java', x)).toBe(identityContext(none, 'A.java', y));
  });
});
