import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { calculateMetrics } from 'mutation-testing-metrics';
import { describe, expect, it } from 'vitest';
import { CiError } from '../../../core/errors.js';
import { countStatuses, resilienceOf } from '../score.js';
import { parseReportText, readReport } from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = (f: string) => path.join(here, '..', 'fixtures', 'reports', f);
const text = (f: string) => readFileSync(fx(f), 'utf8');

/** The independent computation: mutation-testing-metrics over the raw report. */
function metricsOf(file: string) {
  const doc = JSON.parse(text(file));
  return calculateMetrics(doc.files).metrics;
}

const errorOf = (fn: () => unknown): CiError => {
  try {
    fn();
  } catch (e) {
    return e as CiError;
  }
  throw new Error('expected an error');
};

describe('StrykerJS reports (real runs of StrykerJS 9.6 on the fixture projects)', () => {
  for (const f of ['stryker-vitest-ts.json', 'stryker-mocha-js.json', 'stryker-mocha-js-v2.json']) {
    it(`${f}: counts and score equal mutation-testing-metrics`, () => {
      const r = readReport(fx(f));
      const m = metricsOf(f);
      const c = countStatuses(r.mutants);
      expect(c.killed).toBe(m.killed);
      expect(c.timeout).toBe(m.timeout);
      expect(c.survived).toBe(m.survived);
      expect(c.no_coverage).toBe(m.noCoverage);
      expect(c.compile_error).toBe(m.compileErrors);
      expect(c.runtime_error).toBe(m.runtimeErrors);
      expect(c.ignored).toBe(m.ignored);
      const res = resilienceOf(c);
      expect(res.mutants_total).toBe(m.totalValid);
      expect(res.killed).toBe(m.totalDetected);
      expect(res.score).toBeCloseTo(m.mutationScore / 100, 12);
      expect(r.mutants.every((x) => /^[0-9a-f]{16}(-\d+)?$/.test(x.fingerprint))).toBe(true);
      expect(new Set(r.mutants.map((x) => x.fingerprint)).size).toBe(r.mutants.length);
    });
  }

  it('the vitest + TypeScript-checker report has every final status', () => {
    const c = countStatuses(readReport(fx('stryker-vitest-ts.json')).mutants);
    for (const k of ['killed', 'timeout', 'survived', 'no_coverage', 'compile_error', 'runtime_error', 'ignored'] as const) expect(c[k], k).toBeGreaterThan(0);
    // Two disable comments say "equivalent": honoured as the report's own marks (they stay Ignored).
    expect(c.ignored_equivalent).toBe(2);
    expect(resilienceOf(c).equivalent_mutants_dropped).toBe(true);
    expect(resilienceOf(c)).toMatchObject({ mutants_total: 56, killed: 30, equiv: 0, timeout: 1 });
  });

  it('names the framework and keeps the source for diffs', () => {
    const r = readReport(fx('stryker-mocha-js.json'));
    expect(r.tool).toBe('StrykerJS 9.6.1');
    expect(r.files['src/slug.js']?.source).toContain('export function slugify');
  });

  it('refuses a report that breaks the official schema, naming the JSON pointer', () => {
    const doc = JSON.parse(text('stryker-mocha-js.json'));
    doc.files['src/slug.js'].mutants[3].status = 'Dead';
    const e = errorOf(() => parseReportText(JSON.stringify(doc), 'bad.json'));
    expect(e.code).toBe('E_MUTATION_REPORT_INVALID');
    expect(e.where).toBe('bad.json: /files/src~1slug.js/mutants/3/status');
    expect(e.message).toContain('Killed, Survived');
  });

  it('names line and column of malformed JSON', () => {
    const e = errorOf(() => parseReportText('{\n  "schemaVersion": "1",\n  "files": {,}\n}', 'broken.json'));
    expect(e.code).toBe('E_MUTATION_REPORT_INVALID');
    expect(e.where).toBe('broken.json:3:13');
  });

  it('says which formats exist when it cannot tell', () => {
    const e = errorOf(() => parseReportText('hello world\n', 'x.txt'));
    expect(e.code).toBe('E_MUTATION_FORMAT_UNKNOWN');
    expect(e.hint).toContain('--format');
  });
});

describe('reports of tools not installable here (documented samples)', () => {
  it('PIT mutations.xml: statuses, paths from package + source file, killing tests', () => {
    const r = readReport(fx('pit-mutations.xml'));
    expect(r.format).toBe('pit');
    const c = countStatuses(r.mutants);
    expect(c).toMatchObject({ killed: 2, survived: 3, no_coverage: 1, timeout: 1, runtime_error: 2, compile_error: 1 });
    expect(resilienceOf(c)).toMatchObject({ mutants_total: 7, killed: 3, score: 3 / 7 });
    const guava = r.mutants.find((m) => m.file === 'com/google/common/collect/testing/MapInterfaceTest.java')!;
    expect(guava).toMatchObject({ status: 'survived', mutator: 'VoidMethodCallMutator', start: { line: 266, column: 0 }, coveredBy: 48 });
    expect(r.mutants.find((m) => m.killedBy?.length === 2)?.killedBy).toEqual(['foo', 'foo2']);
  });

  it('PIT: refuses an unknown status and names the line', () => {
    const bad = text('pit-mutations.xml').replace("status='NON_VIABLE'", "status='EXPLODED'");
    const e = errorOf(() => parseReportText(bad, 'm.xml'));
    expect(e.code).toBe('E_MUTATION_REPORT_INVALID');
    expect(e.where).toBe('m.xml:27');
    expect(e.message).toContain('EXPLODED');
  });

  it('PIT: malformed XML and entity definitions are refused, not expanded', () => {
    expect(errorOf(() => parseReportText("<mutations><mutation status='KILLED'>", 'x.xml')).code).toBe('E_MUTATION_REPORT_INVALID');
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><mutations><mutation detected="false" status="SURVIVED"><sourceFile>&b;</sourceFile></mutation></mutations>';
    expect(errorOf(() => parseReportText(bomb, 'bomb.xml')).code).toBe('E_MUTATION_REPORT_INVALID');
  });

  it('go-mutesting README output: PASS = killed, FAIL = survived with the diff printed before it', () => {
    const r = readReport(fx('go-mutesting.txt'), { root: '/home/avito-tech/go/src/github.com/avito-tech/go-mutesting' });
    const c = countStatuses(r.mutants);
    expect(c).toMatchObject({ killed: 6, survived: 2 });
    // The README's own score line says 0.75 (6 passed, 2 failed, total 8).
    expect(resilienceOf(c).score).toBe(0.75);
    const survivors = r.mutants.filter((m) => m.status === 'survived');
    expect(survivors.map((m) => [m.file, m.start.line])).toEqual([
      ['example/example.go', 19],
      ['example/example.go', 27],
    ]);
    expect(survivors[0]!.diff).toContain('-               n = 0');
  });

  it('mutmut meta files: exit codes by mutmut status_by_exit_code', () => {
    const r = readReport(fx('mutmut-e2e-my_lib.json'));
    const c = countStatuses(r.mutants);
    // 1 → killed, 0 → survived, 33 → no tests.
    expect(c).toMatchObject({ killed: 28, survived: 24, no_coverage: 10 });
    expect(new Set(r.mutants.map((m) => m.file))).toEqual(new Set(['src/my_lib/__init__.py']));
    expect(r.mutants.find((m) => m.id === 'my_lib.x\u01c1Point\u01c1abs__mutmut_1')?.description).toBe('mutant 1 of my_lib.x.Point.abs');
  });

  it('mutmut results text', () => {
    const r = parseReportText(
      '    my_lib.x_hello__mutmut_1: killed\n    my_lib.x_hello__mutmut_2: survived\n    my_lib.x_f__mutmut_1: no tests\n    my_lib.x_g__mutmut_1: caught by type check\n',
      'results.txt',
    );
    expect(countStatuses(r.mutants)).toMatchObject({ killed: 1, survived: 1, no_coverage: 1, compile_error: 1 });
    expect(errorOf(() => parseReportText('    a.x_f__mutmut_1: exploded\n', 'r.txt')).where).toBe('r.txt:1');
  });

  it('cargo-mutants outcomes.json: caught, missed, timeout, unviable; the baseline is skipped', () => {
    const r = readReport(fx('cargo-mutants-outcomes.json'));
    const c = countStatuses(r.mutants);
    expect(c).toMatchObject({ killed: 5, survived: 2, timeout: 1, compile_error: 1 });
    expect(r.mutants).toHaveLength(9); // the Baseline scenario is not a mutant
    const missed = r.mutants.find((m) => m.status === 'survived' && m.file === 'src/numbers.rs')!;
    expect(missed).toMatchObject({
      mutator: 'FnValue',
      replacement: 'false',
      start: { line: 6, column: 5 },
      description: 'replace is_double -> bool with false',
    });
  });
});

// ---- property tests: any valid input of each format is counted as its tool counts it ----

const STRYKER_STATUSES = ['Killed', 'Survived', 'NoCoverage', 'Timeout', 'CompileError', 'RuntimeError', 'Ignored', 'Pending'] as const;

describe('parser properties', () => {
  it('any schema-valid StrykerJS report: our totals equal mutation-testing-metrics', () => {
    const mutant = fc.record({
      status: fc.constantFrom(...STRYKER_STATUSES),
      line: fc.integer({ min: 1, max: 3 }),
      col: fc.integer({ min: 1, max: 10 }),
      mutatorName: fc.constantFrom('ConditionalExpression', 'StringLiteral', 'EqualityOperator'),
      replacement: fc.string({ maxLength: 5 }),
      reason: fc.option(fc.constantFrom('equivalent: x', 'Ignored using a comment', 'boom'), { nil: undefined }),
    });
    const files = fc.dictionary(fc.stringMatching(/^src\/[a-z]{1,6}\.ts$/), fc.array(mutant, { maxLength: 30 }), { maxKeys: 4 });
    fc.assert(
      fc.property(files, (fs) => {
        const doc = {
          schemaVersion: '1',
          thresholds: { high: 80, low: 60 },
          files: Object.fromEntries(
            Object.entries(fs).map(([name, ms]) => [
              name,
              {
                language: 'typescript',
                source: 'const a = 1;\nlet b = a + 2;\nexport { a, b };\n',
                mutants: ms.map((m, i) => ({
                  id: `${name}-${i}`,
                  mutatorName: m.mutatorName,
                  replacement: m.replacement,
                  status: m.status,
                  ...(m.reason ? { statusReason: m.reason } : {}),
                  location: { start: { line: m.line, column: m.col }, end: { line: m.line, column: m.col + 2 } },
                })),
              },
            ]),
          ),
        };
        const ours = resilienceOf(countStatuses(parseReportText(JSON.stringify(doc), 'p.json').mutants));
        const m = calculateMetrics(doc.files as never).metrics;
        expect(ours.mutants_total).toBe(m.totalValid);
        expect(ours.killed).toBe(m.totalDetected);
        expect(ours.timeout).toBe(m.timeout);
        if (m.totalValid === 0) expect(ours.score).toBeNull();
        else expect(ours.score).toBeCloseTo(m.mutationScore / 100, 12);
      }),
      { numRuns: 200 },
    );
  });

  it('any PIT document: one mutant per <mutation>, statuses by DetectionStatus', () => {
    const pitStatus = fc.constantFrom('KILLED', 'SURVIVED', 'NO_COVERAGE', 'TIMED_OUT', 'MEMORY_ERROR', 'RUN_ERROR', 'NON_VIABLE');
    const entry = fc.record({
      status: pitStatus,
      line: fc.integer({ min: 1, max: 999 }),
      cls: fc.stringMatching(/^[a-z]{1,5}\.[A-Z][a-z]{0,5}$/),
      desc: fc.string({ maxLength: 20 }),
    });
    const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 25 }), (es) => {
        const xml =
          '<?xml version="1.0" encoding="UTF-8"?>\n<mutations>\n' +
          es
            .map(
              (e) =>
                `<mutation detected='${e.status === 'KILLED' || e.status === 'TIMED_OUT'}' status='${e.status}' numberOfTestsRun='1'><sourceFile>${e.cls.split('.')[1]}.java</sourceFile><mutatedClass>${e.cls}</mutatedClass><mutatedMethod>m</mutatedMethod><methodDescription>()V</methodDescription><lineNumber>${e.line}</lineNumber><mutator>org.pitest.X</mutator><index>1</index><block>0</block><killingTest/><description>${escape(e.desc)}</description></mutation>`,
            )
            .join('\n') +
          '\n</mutations>\n';
        const r = parseReportText(xml, 'p.xml');
        expect(r.mutants).toHaveLength(es.length);
        const c = countStatuses(r.mutants);
        expect(c.killed).toBe(es.filter((e) => e.status === 'KILLED').length);
        expect(c.runtime_error).toBe(es.filter((e) => e.status === 'MEMORY_ERROR' || e.status === 'RUN_ERROR').length);
        expect(r.mutants.map((m) => m.description ?? '').sort()).toEqual(
          es
            .map((e) => e.desc.trim())
            .map((d) => d)
            .sort(),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('any cargo-mutants outcomes: counts match the summaries', () => {
    const summary = fc.constantFrom('CaughtMutant', 'MissedMutant', 'Timeout', 'Unviable');
    fc.assert(
      fc.property(fc.array(fc.record({ s: summary, line: fc.integer({ min: 1, max: 500 }) }), { maxLength: 30 }), (os) => {
        const doc = {
          outcomes: [
            { scenario: 'Baseline', summary: 'Success' },
            ...os.map((o, i) => ({
              scenario: {
                Mutant: {
                  file: 'src/lib.rs',
                  span: { start: { line: o.line, column: 1 }, end: { line: o.line, column: 9 } },
                  replacement: `${i}`,
                  genre: 'FnValue',
                  function: { function_name: 'f', return_type: '-> u32' },
                },
              },
              summary: o.s,
            })),
          ],
        };
        const c = countStatuses(parseReportText(JSON.stringify(doc), 'o.json').mutants);
        expect(c.killed).toBe(os.filter((o) => o.s === 'CaughtMutant').length);
        expect(c.survived).toBe(os.filter((o) => o.s === 'MissedMutant').length);
        expect(c.compile_error).toBe(os.filter((o) => o.s === 'Unviable').length);
      }),
      { numRuns: 100 },
    );
  });

  it('any go-mutesting output: PASS/FAIL/SKIP lines are killed/survived/compile errors', () => {
    const st = fc.constantFrom('PASS', 'FAIL', 'SKIP');
    fc.assert(
      fc.property(fc.array(st, { minLength: 1, maxLength: 30 }), (ss) => {
        const out =
          ss.map((s, i) => `${s} "/tmp/go-mutesting-1/pkg/a.go.${i}" with checksum ${'0'.repeat(31)}${i % 10}`).join('\n') + '\nThe mutation score is 0.5\n';
        const c = countStatuses(parseReportText(out, 'go.txt').mutants);
        expect([c.killed, c.survived, c.compile_error]).toEqual(['PASS', 'FAIL', 'SKIP'].map((s) => ss.filter((x) => x === s).length));
      }),
      { numRuns: 100 },
    );
  });
});
