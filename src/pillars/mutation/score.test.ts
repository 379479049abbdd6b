import { describe, expect, it } from 'vitest';
import { deltaOf, emptyCounts, labelFor, resilienceOf, resilienceScore } from './score.js';

describe('resilience (seed 000 metrics dictionary)', () => {
  it('follows the dictionary, not the seed example record (900 total, 810 killed, 30 equiv → 0.931, not 0.9)', () => {
    expect(resilienceScore(810, 900, 30)).toBeCloseTo(810 / 870, 12);
    expect(resilienceScore(810, 900, 30)!.toFixed(3)).toBe('0.931');
  });

  it('no valid mutants is no data, never 0 or 100', () => {
    expect(resilienceScore(0, 0, 0)).toBeNull();
    const c = emptyCounts();
    c.compile_error = 5;
    c.ignored = 3;
    expect(resilienceOf(c)).toMatchObject({ mutants_total: 0, score: null });
  });

  it('counts killed + timeout as killed, excludes ignored/compile/runtime errors, subtracts equivalents', () => {
    const c = { ...emptyCounts(), killed: 7, timeout: 1, survived: 1, no_coverage: 1, equivalent: 2, compile_error: 4, runtime_error: 3, ignored: 9 };
    expect(resilienceOf(c, 0.05)).toEqual({
      mutants_total: 12,
      killed: 8,
      equiv: 2,
      timeout: 1,
      score: 0.8,
      delta_vs_main: 0.05,
      equivalent_mutants_dropped: true,
    });
  });

  it('max(1, …) keeps an all-equivalent report finite', () => {
    expect(resilienceScore(0, 3, 3)).toBe(0);
  });

  it('labels by the sample config thresholds (warn 0.7, fail 0.6)', () => {
    const t = { score_warn: 0.7, score_fail: 0.6 };
    expect(labelFor(0.59, t)).toEqual({ label: 'weak-tests', level: 'fail' });
    expect(labelFor(0.6, t)).toEqual({ label: 'weak-tests', level: 'warn' });
    expect(labelFor(0.7, t)).toEqual({ label: 'high-confidence', level: 'ok' });
    expect(labelFor(null, t)).toBeNull();
  });

  it('delta is null without a baseline or data', () => {
    expect(deltaOf(0.8, 0.75)).toBeCloseTo(0.05, 12);
    expect(deltaOf(0.8, null)).toBeNull();
    expect(deltaOf(null, 0.7)).toBeNull();
  });
});
