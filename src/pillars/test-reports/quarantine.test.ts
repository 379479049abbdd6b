import { describe, expect, it } from 'vitest';
import { globToRegExp } from '../../core/glob.js';
import { classify, flakeRates, flakinessIndex, suiteTypeOf, compileSuiteTypes, type Execution } from './flaky.js';
import { ownerOf, parseCodeowners, pytestNodeId, reasonFor, renderQuarantine, shouldQuarantine, trailingCleanRuns } from './quarantine.js';

const ex = (id: string, status: Execution['status'], commit: string, run: string, type?: string): Execution => ({ id, status, commit, run, type });

describe('flaky counting (issue 5: count exactly)', () => {
  it('only failures contradicted by a pass on the same commit are flaky events', () => {
    const execs = [
      ex('a', 'failed', 'c1', 'r1'),
      ex('a', 'passed', 'c1', 'r2'),
      ex('a', 'failed', 'c1', 'r3'),
      // b fails everywhere on c1 and passes on c2 — broken on c1, not flaky (different code).
      ex('b', 'failed', 'c1', 'r1'),
      ex('b', 'failed', 'c1', 'r2'),
      ex('b', 'passed', 'c2', 'r4'),
      ex('c', 'passed', 'c1', 'r1'),
      ex('c', 'skipped', 'c1', 'r2'),
      ex('d', 'errored', 'c2', 'r4'),
      ex('d', 'passed', 'c2', 'r4'),
    ];
    const v = classify(execs);
    expect(v.flaky).toEqual([
      { id: 'a', failed: 2, passed: 1 },
      { id: 'd', failed: 1, passed: 1 },
    ]);
    expect(v.broken).toEqual([{ id: 'b', failed: 2, passed: 0 }]);
    // A passing run is never flaky: r2 holds one flaky-free pass of a and a broken failure of b.
    expect(
      flakinessIndex(
        execs.filter((e) => e.run === 'r2'),
        v,
      ),
    ).toBe(0);
    expect(
      flakinessIndex(
        execs.filter((e) => e.run === 'r1'),
        v,
      ),
    ).toBe(1 / 3);
    expect(flakinessIndex([], v)).toBeNull();
    expect(flakeRates(execs, v)).toEqual([{ type: 'unit', executions: 9, flaky_events: 3, rate: 3 / 9 }]);
  });

  it('suite types by glob: first match wins, fallback otherwise', () => {
    const types = compileSuiteTypes({ e2e: ['e2e/**', '**/*E2E*'], integration: ['**/integration/**', '*IT::*'] });
    expect(suiteTypeOf({ id: 'x::y', file: 'e2e/login.spec.ts' }, types)).toBe('e2e');
    expect(suiteTypeOf({ id: 'com.x.FooIT::works' }, types)).toBe('integration');
    expect(suiteTypeOf({ id: 'pkg::T', file: 'src/integration/db_test.go' }, types)).toBe('integration');
    expect(suiteTypeOf({ id: 'a::b' }, types, 'unit')).toBe('unit');
    expect(globToRegExp('src/*.ts').test('src/a/b.ts')).toBe(false);
    expect(globToRegExp('src/**/*.ts').test('src/b.ts')).toBe(true);
  });
});

describe('quarantine rules', () => {
  const h = (pattern: string) => pattern.split('').map((c, i) => ({ run: `r${i}`, flaky_failures: c === 'F' ? 1 : 0, failed: c !== '.' }));
  const cfg = { minFlakyFailures: 2, windowRuns: 100, releaseAfterCleanRuns: 30, expiryDays: 30, branches: ['main'] };
  it('2+ failing runs within the last N runs quarantine a test, flaky or broken alike (told apart)', () => {
    expect(shouldQuarantine(h('..F...F'), cfg)).toMatchObject({ yes: true, kind: 'flaky', failures: 2, flaky_failures: 2, proof_runs: ['r2', 'r6'] });
    // Fails on every run, never contradicted by a pass: quarantined as broken (it was never quarantined before).
    expect(shouldQuarantine(h('XXXXXXX'), cfg)).toMatchObject({ yes: true, kind: 'broken', failures: 7, flaky_failures: 0 });
    // One broken and one flaky failure: two failing runs, flaky.
    expect(shouldQuarantine(h('X....F.'), cfg)).toMatchObject({ yes: true, kind: 'flaky', failures: 2, flaky_failures: 1 });
    expect(shouldQuarantine(h('X......'), cfg).yes).toBe(false);
    expect(shouldQuarantine(h('F.....F'), { ...cfg, windowRuns: 5 }).yes).toBe(false);
    expect(trailingCleanRuns(h('F.F...'))).toBe(3);
    expect(reasonFor({ kind: 'broken', failures: 7, flaky_failures: 0 }, 7, 100)).toBe(
      'broken: failed in 7 of the last 7 runs; no pass on the same commit contradicted a failure (it needs a fix, not a retry)',
    );
    expect(reasonFor({ kind: 'flaky', failures: 2, flaky_failures: 1 }, 150, 100)).toBe(
      'flaky: failed in 2 of the last 100 runs; 1 failure contradicted by a pass on the same commit',
    );
  });

  it('CODEOWNERS: last matching rule wins; directories, anchors and globs', () => {
    const rules = parseCodeowners(
      ['# comment', '*       @org/all', '/src/  @org/src # trailing', '*.py    @org/python', 'docs/   @org/docs', 'tests/test_units.py @alice @bob'].join('\n'),
    );
    expect(ownerOf({ id: 'x', file: 'src/a/b.ts' }, rules)).toBe('@org/src');
    expect(ownerOf({ id: 'x', file: 'lib/src/a.ts' }, rules)).toBe('@org/all');
    expect(ownerOf({ id: 'x', file: 'src/x.py' }, rules)).toBe('@org/python');
    expect(ownerOf({ id: 'tests.test_units::t', classname: 'tests.test_units' }, rules)).toBe('@org/all');
    expect(ownerOf({ id: 'x', file: 'tests/test_units.py' }, rules)).toBe('@alice @bob');
    expect(ownerOf({ id: 'x', file: 'a.go' }, [])).toBeNull();
  });

  it('pytest node ids from JUnit classnames', () => {
    expect(
      pytestNodeId({ id: 'tests.test_units.TestTemperature::test_celsius[32-0]', classname: 'tests.test_units.TestTemperature', name: 'test_celsius[32-0]' }),
    ).toBe('tests/test_units.py::TestTemperature::test_celsius[32-0]');
    expect(pytestNodeId({ id: 'tests.test_units::test_x', classname: 'tests.test_units', name: 'test_x' })).toBe('tests/test_units.py::test_x');
    const e = {
      id: 'tests.test_units::test_x',
      kind: 'flaky' as const,
      classname: 'tests.test_units',
      name: 'test_x',
      owner: null,
      reason: 'r',
      quarantined_at: '2026-06-01T00:00:00.000Z',
      expires_at: null,
      proof_runs: [],
      flaky_failures: 2,
    };
    expect(renderQuarantine([e], 'pytest', 'o/r')).toBe('--deselect tests/test_units.py::test_x\n');
    expect(renderQuarantine([{ ...e, name: 'a (b) [c]' }], 'jest', 'o/r')).toBe('--testNamePattern=^(?!(?:a \\(b\\) \\[c\\])$)\n');
    expect(renderQuarantine([], 'text', null)).toBe('no test is quarantined\n');
  });
});
