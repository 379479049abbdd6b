import { describe, expect, it } from 'vitest';
import { DEFAULT_METRICS_CONFIG } from './config.js';
import { combine, components, readinessBand } from './readiness.js';
import { approximate, bucketOf, bucketValue, formatHist, LEAD_BUCKETS, LEAD_LAST, parseHist, percentileOf, REL_ERROR } from './sketch.js';
import { toCsv } from './export/csv.js';
import fc from 'fast-check';

const cfg = DEFAULT_METRICS_CONFIG.readiness;
const runs = (ok: number, bad: number) => [...Array(ok).fill('success'), ...Array(bad).fill('failed')].map((status, i) => ({ run_id: `r${i}`, status }));

describe('release readiness (seed 002)', () => {
  it('weights 40/30/20/10 with every component present', () => {
    const c = components(
      {
        lastRuns: runs(9, 1),
        coverage: { run_id: 'r0', lines_pct: 0.8 },
        security: { run_id: 'r0', deny: 0, warn: 1, sarif_errors: 1, sarif_tools: ['CodeQL'] },
        quality: { run_id: 'r0', errors: 2, warnings: 3, tools: ['ESLint'] },
      },
      cfg,
    );
    const r = combine('acme/app', 'main', c);
    // 0.4·90 + 0.3·80 + 0.2·(100−5−10) + 0.1·(100−20−3) = 36 + 24 + 17 + 7.7
    expect(r.score).toBeCloseTo(84.7, 10);
    expect(r.band).toBe('fair');
    expect(r.complete).toBe(true);
    expect(c.find((x) => x.id === 'ci')!.explanation).toBe('9 of the last 10 finished runs passed');
  });

  it('a missing component is neither 0 nor 100: the score renormalizes and says complete: false', () => {
    const r = combine('acme/app', null, components({ lastRuns: runs(10, 0), coverage: { run_id: 'r0', lines_pct: 0.9 }, security: null, quality: null }, cfg));
    expect(r.score).toBeCloseTo((40 * 100 + 30 * 90) / 70, 10);
    expect(r.complete).toBe(false);
    expect(r.missing).toEqual(['security', 'quality']);
    const none = combine('acme/app', null, components({ lastRuns: [], coverage: null, security: null, quality: null }, cfg));
    expect(none.score).toBeNull();
    expect(none.band).toBeNull();
  });

  it('bands: >= 95 excellent, 90–94 good, 80–89 fair, < 80 poor', () => {
    expect([95, 94.99, 90, 89.9, 80, 79.9].map(readinessBand)).toEqual(['excellent', 'good', 'good', 'fair', 'fair', 'poor']);
  });
});

describe('approximate percentiles (sketch)', () => {
  it('property: the shown percentile is the nearest-rank value bucketed, within ±9.05 %', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50_000_000 }), { minLength: 1, maxLength: 300 }), fc.constantFrom(0.5, 0.95), (xs, p) => {
        const sorted = [...xs].sort((a, b) => a - b);
        const exact = sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]!;
        const counts = new Array(72).fill(0);
        for (const x of xs) counts[bucketOf(x)]++;
        const shown = percentileOf(counts, p)!;
        expect(shown).toBe(approximate(exact));
        if (exact >= 1000) expect(Math.abs(shown - exact) / exact).toBeLessThanOrEqual(REL_ERROR + 1e-3);
        else expect(Math.abs(shown - exact)).toBeLessThanOrEqual(500);
      }),
    );
    expect(bucketValue(0)).toBe(500);
    expect(bucketOf(999)).toBe(0);
    expect(bucketOf(1000)).toBe(1);
    expect(bucketOf(2000)).toBe(5);
  });

  it('lead times: the same buckets continued to ~10 years, through the sparse text rollups keep', () => {
    const DAY = 86_400_000;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 400 * DAY }), { minLength: 1, maxLength: 300 }), (xs) => {
        const sorted = [...xs].sort((a, b) => a - b);
        const exact = sorted[Math.ceil(0.5 * sorted.length) - 1]!;
        const counts = new Array(LEAD_BUCKETS).fill(0);
        for (const x of xs) counts[bucketOf(x, LEAD_LAST)]++;
        // Two days' rows merged the way the report merges them (texts joined by a comma).
        const half = formatHist(counts.map((c) => Math.floor(c / 2)));
        const rest = formatHist(counts.map((c) => c - Math.floor(c / 2)));
        const shown = percentileOf(parseHist([half, rest].filter(Boolean).join(','), LEAD_BUCKETS), 0.5)!;
        expect(shown).toBe(approximate(exact, LEAD_LAST));
        if (exact >= 1000) expect(Math.abs(shown - exact) / exact).toBeLessThanOrEqual(REL_ERROR + 1e-3);
      }),
    );
    // Run durations stop at ~51 h (one last open bucket); lead times do not.
    expect(bucketOf(180 * DAY)).toBe(71);
    expect(bucketOf(180 * DAY, LEAD_LAST)).toBeGreaterThan(71);
    expect(bucketOf(180 * DAY, LEAD_LAST)).toBeLessThan(LEAD_LAST);
    expect(Math.abs(approximate(180 * DAY, LEAD_LAST) - 180 * DAY) / (180 * DAY)).toBeLessThanOrEqual(REL_ERROR);
  });
});

describe('CSV export', () => {
  it('quotes, escapes, neutralizes formulas and keeps nested values as JSON', () => {
    expect(
      toCsv([
        { a: 'x,y', b: 'say "hi"', c: null },
        { a: '=cmd()', d: { e: 1 } },
      ]),
    ).toBe('a,b,c,d\r\n"x,y","say ""hi""",,\r\n\'=cmd(),,,"{""e"":1}"\r\n');
  });
});
