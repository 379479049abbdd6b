import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseReportCases } from '../../../test/support/assembled.js';
import { actualTimes, canonical, estimateTests, lpt, roundRobin, shardQuality, snapshotOf, splitTests, unitsOf, type TimingRun } from './split.js';

const kase = (file: string, name: string, ms: number | null) => ({
  id: `${file}::${name}`,
  suite: file,
  classname: file,
  name,
  duration_ms: ms,
  file: null,
});

describe('tests split', () => {
  it('puts every listed test in exactly one shard, with the same plan whatever the list order (property)', () => {
    const arb = fc.record({
      ids: fc.uniqueArray(fc.stringMatching(/^[a-c]\/[a-z]{1,4}\.test\.ts$/), { minLength: 0, maxLength: 60 }),
      known: fc.array(fc.tuple(fc.nat(59), fc.integer({ min: 0, max: 5000 })), { maxLength: 80 }),
      n: fc.integer({ min: 1, max: 9 }),
      seed: fc.integer(),
    });
    fc.assert(
      fc.property(arb, ({ ids, known, n, seed }) => {
        const runs: TimingRun[] = [known.filter(([i]) => i < ids.length).map(([i, ms]) => kase(ids[i]!, 't', ms))];
        const plan = splitTests(ids, snapshotOf(runs), n, 'file');
        const placed = plan.shards.flatMap((s) => s.tests);
        expect(placed.length).toBe(ids.length);
        expect(new Set(placed)).toEqual(new Set(ids));
        expect(plan.shards).toHaveLength(n);
        // every shard computing its own plan from a shuffled list gets the same plan
        const shuffled = [...ids].sort(() => (seed % 2 ? 1 : -1)).reverse();
        const again = splitTests(shuffled, snapshotOf(runs), n, 'file');
        expect(again.plan_hash).toBe(plan.plan_hash);
        expect(again.shards).toEqual(plan.shards);
        // no test is predicted 0 ms, not even one whose history says 0 ms
        for (const t of estimateTests(ids, snapshotOf(runs), 'file')) expect(t.estimate_ms).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('averages a test over all the runs given, not the last one', () => {
    const runs: TimingRun[] = [[kase('a.test.ts', 'x', 100)], [kase('a.test.ts', 'x', 300)], [kase('a.test.ts', 'x', 200)]];
    const [t] = estimateTests(['a.test.ts'], snapshotOf(runs), 'file');
    // every run counts, later runs weigh more (half-life of 8 runs); not the last run's 200 alone
    const w = [0.5 ** (2 / 8), 0.5 ** (1 / 8), 1];
    expect(t!.source).toBe('history');
    expect(t!.estimate_ms).toBeCloseTo((100 * w[0]! + 300 * w[1]! + 200 * w[2]!) / (w[0]! + w[1]! + w[2]!), 9);
    // a busy run (every test 3× slower) does not change the relative sizes
    const busy: TimingRun[] = [
      [kase('a.test.ts', 'x', 100), kase('b.test.ts', 'x', 50), kase('c.test.ts', 'x', 10)],
      [kase('a.test.ts', 'x', 300), kase('b.test.ts', 'x', 150), kase('c.test.ts', 'x', 30)],
    ];
    const e = estimateTests(['a.test.ts', 'b.test.ts', 'c.test.ts'], snapshotOf(busy), 'file').map((x) => x.estimate_ms);
    expect(e[0]! / e[1]!).toBeCloseTo(2, 9);
    expect(e[1]! / e[2]!).toBeCloseTo(5, 9);
  });

  it('sums the executions of a unit within a run (a file is the sum of its cases)', () => {
    const runs: TimingRun[] = [[kase('a.test.ts', 'x', 100), kase('a.test.ts', 'y', 50), kase('b.test.ts', 'x', 10)]];
    const est = estimateTests(['a.test.ts', 'b.test.ts'], snapshotOf(runs), 'file');
    expect(est.map((t) => t.estimate_ms)).toEqual([150, 10]);
  });

  it('predicts a new test from its siblings in the same folder, then from the median of all, never 0 or last', () => {
    const runs: TimingRun[] = [[kase('a/one.test.ts', 'x', 1000), kase('a/two.test.ts', 'x', 3000), kase('b/three.test.ts', 'x', 10)]];
    const est = estimateTests(['a/one.test.ts', 'a/two.test.ts', 'b/three.test.ts', 'a/new.test.ts', 'c/new.test.ts'], snapshotOf(runs), 'file');
    expect(est.find((t) => t.id === 'a/new.test.ts')).toEqual({ id: 'a/new.test.ts', estimate_ms: 2000, source: 'sibling' });
    expect(est.find((t) => t.id === 'c/new.test.ts')).toEqual({ id: 'c/new.test.ts', estimate_ms: 1000, source: 'median' });
    // sub-millisecond tests (tape, qs) keep their scale: a new one is not rounded up to 1 ms
    const fast = estimateTests(['q/a.js', 'q/new.js'], snapshotOf([[kase('q/a.js', 'x', 0.2)]]), 'file');
    expect(fast[1]).toEqual({ id: 'q/new.js', estimate_ms: 0.2, source: 'sibling' });
    // a report of zeros only: every test costs the same half millisecond, none 0
    const zeros = estimateTests(['z/a.js', 'z/b.js', 'z/new.js'], snapshotOf([[kase('z/a.js', 'x', 0), kase('z/b.js', 'x', 0)]]), 'file');
    expect(zeros.map((t) => t.estimate_ms)).toEqual([0.5, 0.5, 0.5]);
    // the new slow-folder test is not queued last: LPT places it by its predicted 2 s
    const plan = splitTests(
      est.map((t) => t.id),
      snapshotOf(runs),
      2,
      'file',
    );
    expect(plan.predicted).toBe(2);
    // two 3000 → 0; a/new 2000 → 1; one 1000 → 1; c/new 1000 → 0 (tie: lowest index); three 10 → 1
    expect(plan.shards.map((s) => s.tests)).toEqual([
      ['a/two.test.ts', 'c/new.test.ts'],
      ['a/new.test.ts', 'a/one.test.ts', 'b/three.test.ts'],
    ]);
  });

  it('matches ids across tools: pytest node ids to JUnit class.name, files, go -run regexes', () => {
    const pytest = {
      id: 'tests.test_x.TestC::test_a',
      suite: 'pytest',
      classname: 'tests.test_x.TestC',
      name: 'test_a',
      duration_ms: 700,
      file: 'tests/test_x.py',
    };
    const go = { id: 'example.com/m/pkg::TestFoo', suite: 'example.com/m/pkg', classname: 'example.com/m/pkg', name: 'TestFoo', duration_ms: 40, file: null };
    const java = { id: 'com.acme.FooTest::adds', suite: 'com.acme.FooTest', classname: 'com.acme.FooTest', name: 'adds', duration_ms: 9, file: null };
    const snap = snapshotOf([[pytest, go, java]]);
    const est = estimateTests(['tests/test_x.py::TestC::test_a', 'tests/test_x.py', '^TestFoo$', 'com.acme.FooTest', 'com.acme.FooTest.adds'], snap, 'case');
    expect(est.map((t) => [t.estimate_ms, t.source])).toEqual([
      [700, 'history'],
      [700, 'history'],
      [40, 'history'],
      [9, 'history'],
      [9, 'history'],
    ]);
    expect(canonical('tests/test_x.py::TestC::test_a')).toBe(canonical('tests.test_x.TestC.test_a'));
    // pytest's JUnit without a file attribute: a listed file gets the sum of its classes
    const noFile = { ...pytest, file: null };
    const other = { ...noFile, id: 'tests.test_x.TestD::test_b', classname: 'tests.test_x.TestD', name: 'test_b', duration_ms: 300 };
    const est2 = estimateTests(['tests/test_x.py', 'tests/test_x.py::TestD::test_b'], snapshotOf([[noFile, other]]), 'file');
    expect(est2.map((t) => [t.estimate_ms, t.source])).toEqual([
      [1000, 'history'],
      [300, 'history'],
    ]);
  });

  it('orders longest first with ties broken by id, each to the least loaded shard', () => {
    const shards = lpt(
      [
        { id: 'b', estimate_ms: 5, source: 'history' },
        { id: 'a', estimate_ms: 5, source: 'history' },
        { id: 'c', estimate_ms: 8, source: 'history' },
        { id: 'd', estimate_ms: 2, source: 'history' },
      ],
      2,
    );
    // c(8) → 0; a(5) → 1; b(5) → 1 (5 < 8); d(2) → 0 (8 < 10)
    expect(shards.map((s) => [s.tests, s.estimate_ms])).toEqual([
      [['c', 'd'], 10],
      [['a', 'b'], 10],
    ]);
  });

  it('changes the plan hash when the timings change, keeps it when only the order changes', () => {
    const r1: TimingRun[] = [[kase('a.test.ts', 'x', 100), kase('b.test.ts', 'x', 200)]];
    const r2: TimingRun[] = [[kase('a.test.ts', 'x', 100), kase('b.test.ts', 'x', 250)]];
    const h = (runs: TimingRun[], ids: string[]) => splitTests(ids, snapshotOf(runs), 2, 'file').plan_hash;
    expect(h(r1, ['a.test.ts', 'b.test.ts'])).toBe(h(r1, ['b.test.ts', 'a.test.ts']));
    expect(h(r1, ['a.test.ts', 'b.test.ts'])).not.toBe(h(r2, ['a.test.ts', 'b.test.ts']));
    expect(h(r1, ['a.test.ts', 'b.test.ts'])).not.toBe(h(r1, ['a.test.ts', 'b.test.ts', 'c.test.ts']));
  });

  it('measures shard quality against max(longest, total / N), and beats round robin on skewed times', () => {
    const ids = Array.from({ length: 40 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    const actual = new Map(ids.map((id, i) => [id, i % 10 === 0 ? 1000 : 10]));
    const rr = roundRobin(ids, 4).map((tests) => ({ tests }));
    const plan = splitTests(ids, { estimates: new Map([...actual].map(([k, v]) => [canonical(k), v])), runs: 1 }, 4, 'case');
    expect(shardQuality(plan.shards, actual)).toBeCloseTo(1, 5);
    expect(shardQuality(rr, actual)).toBeGreaterThan(1.5);
    expect(unitsOf([kase('b.test.ts', 'x', 1), kase('a.test.ts', 'y', 1), kase('b.test.ts', 'z', 1)], 'file')).toEqual(['a.test.ts', 'b.test.ts']);
  });

  it('spreads the cases a report rounds to 0 ms over the shards instead of stacking them on one (es5-shim, jasmine-node)', async () => {
    // A real run of es5-shim's suite: jasmine-node's JUnit rounds to whole milliseconds, and most
    // of its ~400 cases report 0.
    const hist = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'npm-history');
    const lines = readFileSync(path.join(hist, 'history.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { project: string; junit: string });
    const es5 = lines.filter((h) => h.project === 'es5-shim');
    const runs = await Promise.all(es5.slice(-12).map(async (h) => (await parseReportCases(path.join(hist, h.junit))).cases));
    const past = runs.slice(0, -1);
    const zeros = new Set(
      runs
        .at(-2)!
        .filter((c) => !c.duration_ms)
        .map((c) => unitsOf([c], 'case')[0]!),
    );
    expect(zeros.size).toBeGreaterThan(300);
    const ids = unitsOf(runs.at(-1)!, 'case');
    const plan = splitTests(ids, snapshotOf(past), 8, 'case');
    const perShard = plan.shards.map((sh) => sh.tests.filter((t) => zeros.has(t)).length);
    // evenly: no shard holds more than twice its share of them
    expect(Math.max(...perShard)).toBeLessThan((2 * zeros.size) / 8);
    const actual = actualTimes(runs.at(-1)!, 'case');
    expect(shardQuality(plan.shards, actual)).toBeLessThan(shardQuality(splitTests(ids, { estimates: new Map(), runs: 0 }, 8, 'case').shards, actual) * 1.5);
  });
});
