// The canary judge as data: the recorded Prometheus series (warm-up spikes, noisy-but-healthy and
// regressed canaries), the statistics against known values, and fast-check properties: identical
// distributions never roll back, a p95 shifted beyond its bound always does once enough samples
// exist, and the same inputs always give the same decision.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAnalysis, type AnalysisSpec } from './analysis.js';
import { holds, parseCondition, type Condition } from './condition.js';
import { decisionId, judge } from './judge.js';
import { parseSamples, type Sample, type Track } from './samples.js';
import { mannWhitneyWorse, normalUpperTail } from './stats.js';

const fixture = (f: string) => new URL(`./fixtures/${f}`, import.meta.url);
const spec = parseAnalysis(readFileSync(fixture('analysis.yml'), 'utf8'), 'analysis.yml');
const recorded = (name: string) => parseSamples(readFileSync(fixture(`recorded/${name}.json`), 'utf8'), `${name}.json`);

describe('statistics', () => {
  it('the normal tail matches tabulated values', () => {
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 6);
    expect(normalUpperTail(1.6449)).toBeCloseTo(0.05, 4);
    expect(normalUpperTail(2.3263)).toBeCloseTo(0.01, 4);
    expect(normalUpperTail(-1.96)).toBeCloseTo(0.975, 4);
  });
  it('Mann-Whitney U, effect and p on a worked example', () => {
    // By hand: U = 20 of 25 pairs; σ² = 25/12 · 11 = 22.917; z = (20 − 12.5 − 0.5) / 4.787 = 1.4623;
    // upper tail 0.0718. SciPy 1.17.1 agrees: mannwhitneyu(..., alternative='greater',
    // method='asymptotic') → U=20, p=0.071836; with ties ([3,3,4,5,5,6] vs [1,3,3,2,5]) U=24, p=0.054385.
    const r = mannWhitneyWorse([5, 6, 7, 8, 9], [1, 2, 3, 4, 10]);
    expect(r.u).toBe(20);
    expect(r.effect).toBeCloseTo(0.6, 10);
    expect(r.p).toBeCloseTo(0.071836, 5);
    const tied = mannWhitneyWorse([3, 3, 4, 5, 5, 6], [1, 3, 3, 2, 5]);
    expect(tied.u).toBe(24);
    expect(tied.p).toBeCloseTo(0.054385, 5);
    // Fully separated: U = n1·n2, effect 1; reversed: U = 0, effect −1, p near 1.
    expect(mannWhitneyWorse([10, 11, 12], [1, 2, 3]).effect).toBe(1);
    expect(mannWhitneyWorse([1, 2, 3], [10, 11, 12]).p).toBeGreaterThan(0.9);
    // Every value tied: no evidence at all.
    expect(mannWhitneyWorse([2, 2, 2], [2, 2, 2])).toEqual({ u: 4.5, p: 1, effect: 0 });
  });
});

describe('conditions (Argo successCondition subset)', () => {
  const c = (s: string) => parseCondition(s) as Condition;
  it('reads comparisons, both orders, && and ||', () => {
    expect(holds(c('result[0] >= 0.95'), 0.95)).toBe(true);
    expect(holds(c('result[0] >= 0.95'), 0.94)).toBe(false);
    expect(holds(c('0.5 > result'), 0.4)).toBe(true);
    expect(holds(c('result[0] >= 0.9 && result[0] <= 1'), 1.2)).toBe(false);
    expect(holds(c('result[0] < 0.1 || result[0] > 0.9'), 0.95)).toBe(true);
  });
  it('refuses what it cannot read, quoting it', () => {
    expect(parseCondition('len(result) > 0')).toMatch(/cannot read the condition "len\(result\) > 0"/);
  });
});

describe('analysis files', () => {
  it('reads Argo AnalysisTemplates with our settings document', () => {
    expect(spec.template).toBe('success-rate+latency-p95');
    expect(spec.metrics.map((m) => [m.name, m.direction, m.failureLimit])).toEqual([
      ['success-rate', 'higher-is-better', 2],
      ['latency-p95', 'lower-is-better', 2],
    ]);
    expect(spec).toMatchObject({ warmupMs: 6000, intervalMs: 1000, minSamples: 8 });
  });
  it('names file:line of a bad condition and of a bad setting', () => {
    const bad = 'metrics:\n  - name: p95\n    successCondition: result[0] <= 0.5\n  - name: ok\n    successCondition: result is fine\n';
    expect(() => parseAnalysis(bad, 'a.yml')).toThrow(expect.objectContaining({ where: 'a.yml:5', code: 'E_USAGE' }));
    expect(() => parseAnalysis('minSamples: 1\nmetrics:\n  - name: x\n    successCondition: result < 1\n', 'b.yml')).toThrow(
      expect.objectContaining({ where: 'b.yml:1' }),
    );
    expect(() => parseAnalysis('metrics:\n  - name: x\n', 'c.yml')).toThrow(/no successCondition or failureCondition/);
  });
});

describe('samples', () => {
  it('reads JSON pairs, JSON rows, long and wide CSV to the same samples', () => {
    const pairs = parseSamples('{"p95":[[60,"0.2"],[0,"0.1"]]}', 'a.json');
    const rows = parseSamples('[{"time":"1970-01-01T00:01:00Z","metric":"p95","value":0.2},{"time":0,"metric":"p95","value":0.1}]', 'b.json');
    const long = parseSamples('time,metric,value\n0,p95,0.1\n60,p95,0.2\n', 'c.csv');
    const wide = parseSamples('time,p95\n60,0.2\n0,0.1\n', 'd.csv');
    const want = [
      { t: 0, v: 0.1 },
      { t: 60_000, v: 0.2 },
    ];
    for (const s of [pairs, rows, long, wide]) expect(s.get('p95')).toEqual(want);
  });
  it('names the JSON pointer or the line of a bad sample', () => {
    expect(() => parseSamples('{"p95":[[0,"x"]]}', 'a.json')).toThrow(expect.objectContaining({ where: 'a.json#/p95/0' }));
    expect(() => parseSamples('time,metric,value\n0,p95,0.1\nyesterday,p95,0.2\n', 'c.csv')).toThrow(expect.objectContaining({ where: 'c.csv:3' }));
    expect(() => parseSamples('when,p95\n0,1\n', 'd.csv')).toThrow(expect.objectContaining({ where: 'd.csv:1' }));
  });
});

describe('recorded Prometheus series', () => {
  const baseline = recorded('baseline');
  it('a noisy-but-healthy canary with a warm-up spike: no rollback, the warm-up left out', () => {
    const d = judge(spec, { baseline, canary: recorded('canary-healthy') });
    expect(d.verdict).toBe('promote');
    expect(d.score).toBe(100);
    for (const m of d.metrics) expect(m.canary.warmup_excluded).toBe(6);
    // Without the warm-up exclusion the spike alone breaches the latency bound.
    expect(judge({ ...spec, warmupMs: 0 }, { baseline, canary: recorded('canary-healthy') }).verdict).not.toBe('promote');
  });
  it('a real regression: rollback, naming the metric and the evidence', () => {
    const d = judge(spec, { baseline, canary: recorded('canary-regressed') });
    expect(d.verdict).toBe('rollback');
    expect(d.reason).toMatch(/guardrail breached by latency-p95, success-rate/);
    const lat = d.metrics.find((m) => m.name === 'latency-p95')!;
    expect(lat.status).toBe('fail');
    expect(lat.mann_whitney!.p).toBeLessThan(0.001);
    // Nearly every pair has the canary slower (the baseline's one 0.63 s spike beats a few canary values).
    expect(lat.mann_whitney!.effect).toBeGreaterThan(0.95);
  });
  it('too few samples after the warm-up: hold, saying how many', () => {
    const d = judge({ ...spec, minSamples: 30 }, { baseline, canary: recorded('canary-healthy') });
    expect(d.verdict).toBe('hold');
    expect(d.reason).toMatch(/fewer than the 30 needed/);
  });
  it('samples at another interval than configured: hold, saying so', () => {
    const d = judge({ ...spec, intervalMs: 60_000 }, { baseline, canary: recorded('canary-healthy') });
    expect(d.verdict).toBe('hold');
    expect(d.reason).toMatch(/samples come every 1 s, not every 1 min/);
  });
});

// Property tests over generated per-interval series.
const P95_BOUND = 500;
const propSpec: AnalysisSpec = parseAnalysis(
  `warmup: 3m\ninterval: 60s\nminSamples: 8\nmetrics:\n  - name: latency_p95_ms\n    successCondition: result[0] <= ${P95_BOUND}\n  - name: success_rate\n    successCondition: result[0] >= 0.95\n`,
  'prop.yml',
);
const series = (values: number[], t0 = 0): Sample[] => values.map((v, i) => ({ t: t0 + i * 60_000, v }));
const track = (lat: number[], ok: number[]): Track =>
  new Map([
    ['latency_p95_ms', series(lat)],
    ['success_rate', series(ok)],
  ]);
const latency = fc.double({ min: 20, max: 2000, noNaN: true });
const success = fc.double({ min: 0.5, max: 1, noNaN: true });

describe('properties', () => {
  it('identical distributions never roll back (after the warm-up the canary is a reordering of the baseline; the warm-ups differ, spikes and all)', () => {
    // The warm-up (3 samples of 1 min here) is left out of both tracks, so each track gets its own
    // arbitrary warm-up. Reordering one series across the warm-up cut would leave different values
    // on each side after it — two different distributions, which a test may rightly call worse.
    const warmup = fc.array(fc.tuple(latency, success), { minLength: 3, maxLength: 3 });
    fc.assert(
      fc.property(
        warmup,
        warmup,
        fc.array(fc.tuple(latency, success), { minLength: 1, maxLength: 57 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (bWarm, cWarm, points, seed) => {
          const shuffled = [...points]
            .map((p, i) => ({ p, k: (i * 7919 + seed) % 104_729 }))
            .sort((a, b) => a.k - b.k || 0)
            .map((x) => x.p);
          const baseline = [...bWarm, ...points];
          const canary = [...cWarm, ...shuffled];
          const d = judge(propSpec, {
            baseline: track(
              baseline.map((p) => p[0]),
              baseline.map((p) => p[1]),
            ),
            canary: track(
              canary.map((p) => p[0]),
              canary.map((p) => p[1]),
            ),
          });
          expect(d.verdict).not.toBe('rollback');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a p95 shifted beyond its bound always rolls back once enough samples exist', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 20, max: P95_BOUND, noNaN: true }), fc.double({ min: 0.96, max: 1, noNaN: true })), {
          minLength: propSpec.minSamples + 3,
          maxLength: 60,
        }),
        fc.double({ min: 1, max: 3000, noNaN: true }),
        (points, extra) => {
          // Every post-warm-up canary p95 lies beyond the bound: shifted by (bound − baseline) + extra.
          const lat = points.map((p) => p[0]);
          const d = judge(propSpec, {
            baseline: track(
              lat,
              points.map((p) => p[1]),
            ),
            canary: track(
              lat.map((v) => v + (P95_BOUND - Math.min(...lat)) + extra),
              points.map((p) => p[1]),
            ),
          });
          expect(d.verdict).toBe('rollback');
          expect(d.reason).toContain('latency_p95_ms');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decisions are deterministic: the same inputs give the same decision and id, whatever the input order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(latency, success, latency, success), { minLength: 0, maxLength: 40 }), (rows) => {
        const b = track(
          rows.map((r) => r[0]),
          rows.map((r) => r[1]),
        );
        const c = track(
          rows.map((r) => r[2]),
          rows.map((r) => r[3]),
        );
        const d1 = judge(propSpec, { baseline: b, canary: c });
        const reversed = { ...propSpec, metrics: [...propSpec.metrics].reverse() };
        const d2 = judge(reversed, { baseline: new Map([...b].reverse()), canary: new Map([...c].reverse()) });
        expect(d2).toEqual(d1);
        expect(decisionId(d1, { x: 1 })).toBe(decisionId(d2, { x: 1 }));
      }),
      { numRuns: 200 },
    );
  });
});
