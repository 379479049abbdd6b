import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { controlChart, judgeCandidate, type SeriesPoint } from './trend.js';

const series = (scores: number[], total = 400): SeriesPoint[] =>
  scores.map((score, i) => ({ run_id: `r${String(i).padStart(3, '0')}`, at: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(), score, mutants_total: total }));

describe('EWMA control chart (λ = 0.2, L = 3)', () => {
  const p = { lambda: 0.2, L: 3, minHistory: 5, window: 50 };

  it('computes the EWMA recursion from the first observation', () => {
    const c = controlChart(series([0.8, 0.9, 0.7]), p);
    expect(c[0]!.ewma).toBe(0.8);
    expect(c[1]!.ewma).toBeCloseTo(0.2 * 0.9 + 0.8 * 0.8, 12);
    expect(c[2]!.ewma).toBeCloseTo(0.2 * 0.7 + 0.8 * (0.2 * 0.9 + 0.8 * 0.8), 12);
  });

  it('publishes no limits while warming up', () => {
    const c = controlChart(series([0.8, 0.81, 0.79, 0.8, 0.82]), p);
    expect(c.every((x) => x.lcl === null && x.out_of_control === null)).toBe(true);
  });

  it('limits come from earlier points only: mean ± L·σ·sqrt(λ/(2−λ)(1−(1−λ)^2i) + (1−λ)^2i), σ = MR̄/1.128', () => {
    const xs = [0.8, 0.82, 0.78, 0.8, 0.81, 0.79];
    const c = controlChart(series(xs), p);
    const prior = xs.slice(0, 5);
    const mean = prior.reduce((a, b) => a + b) / 5;
    const mr = [0.02, 0.04, 0.02, 0.01].reduce((a, b) => a + b) / 4;
    const sigma = mr / 1.128;
    const q = 0.8 ** 10;
    const w = 3 * sigma * Math.sqrt((0.2 / 1.8) * (1 - q) + q);
    expect(c[5]!.center).toBeCloseTo(mean, 12);
    expect(c[5]!.sigma).toBeCloseTo(sigma, 12);
    expect(c[5]!.lcl).toBeCloseTo(mean - w, 12);
    expect(c[5]!.ucl).toBeCloseTo(mean + w, 12);
    expect(c[5]!.out_of_control).toBe(false);
  });

  it('flags a sustained drop that no single-run threshold at 0.6 would catch', () => {
    const stable = [0.85, 0.86, 0.84, 0.85, 0.86, 0.85, 0.84, 0.86, 0.85, 0.85];
    const c = controlChart(series([...stable, 0.8, 0.79, 0.8, 0.79]), p);
    expect(c.slice(0, 10).some((x) => x.out_of_control)).toBe(false);
    expect(c.at(-1)!.out_of_control).toBe(true);
    expect(c.at(-1)!.score).toBeGreaterThan(0.6);
  });

  it('an unchanged suite does not collapse σ to 0 (quantization floor of half a mutant)', () => {
    const c = controlChart(series(Array(8).fill(0.85), 200), p);
    expect(c.at(-1)!.sigma).toBeCloseTo(0.5 / 200, 12);
  });

  it('judges a PR as if it were appended to the main series', () => {
    const main = series([0.85, 0.86, 0.84, 0.85, 0.86, 0.85]);
    const ok = judgeCandidate(main, { run_id: 'pr', at: '2026-02-01T00:00:00Z', score: 0.85, mutants_total: 400 }, p);
    const bad = judgeCandidate(main, { run_id: 'pr', at: '2026-02-01T00:00:00Z', score: 0.5, mutants_total: 400 }, p);
    expect(ok.out_of_control).toBe(false);
    expect(bad.out_of_control).toBe(true);
    expect(bad.ewma).toBeCloseTo(0.2 * 0.5 + 0.8 * controlChart(main, p).at(-1)!.ewma, 12);
  });

  it('property: limits always bracket the center and stay within 0..1', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 60 }), (xs) => {
        for (const x of controlChart(series(xs), p)) {
          if (x.lcl === null) continue;
          expect(x.lcl).toBeLessThanOrEqual(x.center! + 1e-12);
          expect(x.ucl).toBeGreaterThanOrEqual(x.center! - 1e-12);
          expect(x.lcl).toBeGreaterThanOrEqual(0);
          expect(x.ucl).toBeLessThanOrEqual(1);
        }
      }),
    );
  });
});
