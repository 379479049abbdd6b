import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareReports } from './compare.js';
import { baseFingerprint, finalizeReport, identityContext } from './identity.js';
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

  it('is the same under re-indentation and line shifts, different for different code', () => {
    const a = ['x', 'if (a <= b) go();'];
    const b = ['', '', '    if (a  <= b) go();'];
    expect(identityContext(a, m(2, 5))).toBe(identityContext(b, m(3, 9, { end: { line: 3, column: 16 } })));
    expect(identityContext(['if (a <= c) go();'], m(1, 5))).not.toBe(identityContext(a, m(2, 5)));
  });

  it('tells identical mutants on identical lines apart by order of appearance', () => {
    const src = 'if (a <= b) x();\nif (a <= b) x();\n';
    const r = finalizeReport({ format: 'stryker', tool: null, files: { 'a.ts': { source: src, language: 'typescript' } }, mutants: [m(2, 5), m(1, 5)] });
    expect(r.mutants.map((x) => x.start.line)).toEqual([1, 2]);
    expect(r.mutants[1]!.fingerprint).toBe(`${r.mutants[0]!.fingerprint}-1`);
    expect(r.mutants[0]!.fingerprint).toBe(baseFingerprint('a.ts', r.mutants[0]!, identityContext(src.split('\n'), r.mutants[0]!)));
  });

  it('without source, uses the scope and description (PIT, cargo-mutants), not the line', () => {
    const x = m(10, 0, { scope: 'com.x.A#f()V', description: 'negated conditional', replacement: null });
    const y = m(99, 0, { scope: 'com.x.A#f()V', description: 'negated conditional', replacement: null });
    expect(identityContext(null, x)).toBe(identityContext(null, y));
  });
});
