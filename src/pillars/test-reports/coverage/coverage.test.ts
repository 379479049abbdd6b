// Coverage parsers against real tools' reports: totals equal the tools' own figures.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { changedLines, diffCoverage } from './diff.js';
import { detectCoverageFormat, mergeCoverage, parseCoverageFile, totals } from './index.js';

const FIX = path.join(__dirname, '../fixtures/coverage');

describe('coverage formats', () => {
  it('istanbul (jest): lcov, json-summary and Cobertura agree with its own table', async () => {
    // All files |      75 |       50 |   66.66 |   83.33 |  (statements, branches, functions, lines)
    const row = readFileSync(path.join(FIX, 'jest/summary.txt'), 'utf8')
      .split('|')
      .map((s) => Number(s.trim()));
    const [stmts, branches, , lines] = row.slice(1);
    for (const f of ['lcov.info', 'coverage-summary.json', 'cobertura-coverage.xml']) {
      const r = await parseCoverageFile(path.join(FIX, 'jest', f));
      const t = totals(r.files);
      expect(t.lines, f).toBeCloseTo(lines!, 1);
      expect(t.branches, f).toBeCloseTo(branches!, 1);
      if (f === 'coverage-summary.json') expect(t.statements).toBeCloseTo(stmts!, 1);
    }
    const lcov = await parseCoverageFile(path.join(FIX, 'jest/lcov.info'));
    expect(lcov.format).toBe('lcov');
    expect(lcov.files[0]!.missed_lines).toEqual([12]);
    const cob = await parseCoverageFile(path.join(FIX, 'jest/cobertura-coverage.xml'));
    expect(cob.format).toBe('cobertura');
    expect(cob.files[0]!.missed_lines).toEqual([12]);
  });

  it('go coverprofile: statements equal go tool cover -func', async () => {
    const want = Number(/([\d.]+)%/.exec(readFileSync(path.join(FIX, 'go/summary.txt'), 'utf8'))![1]);
    const r = await parseCoverageFile(path.join(FIX, 'go/coverage.out'));
    expect(r.format).toBe('go-coverprofile');
    expect(Math.round(totals(r.files).statements! * 10) / 10).toBe(want);
    expect(totals(r.files).branches).toBeNull(); // no data is not zero
  });

  it('JaCoCo: lines, branches and instructions equal the bundle counters', async () => {
    const xml = readFileSync(path.join(FIX, 'jacoco/jacoco.xml'), 'utf8');
    const tail = xml.slice(xml.lastIndexOf('</package>'));
    const counter = (type: string) => {
      const m = new RegExp(`<counter type="${type}" missed="(\\d+)" covered="(\\d+)"/>`).exec(tail)!;
      return { covered: Number(m[2]), total: Number(m[1]) + Number(m[2]) };
    };
    const r = await parseCoverageFile(path.join(FIX, 'jacoco/jacoco.xml'));
    const t = totals(r.files);
    expect(t.counts.lines).toEqual(counter('LINE'));
    expect(t.counts.branches).toEqual(counter('BRANCH'));
    expect(t.counts.statements).toEqual(counter('INSTRUCTION'));
  });

  it('detects formats from their first bytes', () => {
    expect(detectCoverageFormat('TN:\nSF:a.js\n')).toBe('lcov');
    expect(detectCoverageFormat('mode: atomic\na.go:1.1,2.2 1 0\n')).toBe('go-coverprofile');
    expect(detectCoverageFormat('<?xml version="1.0"?><!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd"><report name="x">')).toBe('jacoco');
    expect(detectCoverageFormat('<?xml version="1.0" ?>\n<coverage line-rate="0.5">')).toBe('cobertura');
    expect(detectCoverageFormat('{"total":{}}')).toBe('istanbul-json-summary');
    expect(detectCoverageFormat('hello')).toBeNull();
  });

  it('merging reports: a line ran if it ran in any of them', async () => {
    const a = await parseCoverageFile(path.join(FIX, 'jest/lcov.info'));
    const b = structuredClone(a);
    b.files[0]!.hit_lines = [...b.files[0]!.hit_lines!, 12].sort((x, y) => x - y);
    b.files[0]!.missed_lines = [];
    const m = mergeCoverage([a, b]);
    expect(totals(m.files).lines).toBe(100);
  });
});

describe('diff coverage', () => {
  const diff = [
    'diff --git a/temps.js b/temps.js',
    '--- a/temps.js',
    '+++ b/temps.js',
    '@@ -1,0 +2,2 @@',
    '+  return ((f - 32) * 5) / 9;',
    '+',
    '@@ -11 +12 @@',
    '+  return x ? "yes" : "no";',
    'diff --git a/gone.js b/gone.js',
    '--- a/gone.js',
    '+++ /dev/null',
    '@@ -1,3 +0,0 @@',
  ].join('\n');

  it('reads the new-side lines of a unified diff', () => {
    expect([...changedLines(diff).entries()].map(([f, s]) => [f, [...s]])).toEqual([['temps.js', [2, 3, 12]]]);
  });

  it('counts only changed lines the report knows as executable; absolute report paths match by suffix', async () => {
    const r = await parseCoverageFile(path.join(FIX, 'jest/lcov.info'));
    expect(r.files[0]!.file).toBe('temps.js');
    const d = diffCoverage(r, changedLines(diff));
    // line 2 ran, line 3 is not executable, line 12 did not run.
    expect(d).toMatchObject({ covered: 1, total: 2, pct: 50 });
    expect(d.files).toEqual([{ file: 'temps.js', covered: 1, total: 2, missed_lines: [12] }]);
  });

  it('a format without line numbers cannot give diff coverage: a clear usage error', async () => {
    const r = await parseCoverageFile(path.join(FIX, 'jest/coverage-summary.json'));
    expect(() => diffCoverage(r, changedLines(diff))).toThrow(/no per-line data/);
  });
});
