import { describe, expect, it } from 'vitest';
import { emptyState, predict, update } from './model.js';
import { replay, type HistoryRun } from './replay.js';

// A seeded series: a suite whose test count grows commit by commit, ±4 % run-to-run noise, and
// cache misses that cost 40 % more.
function series(n: number, seed = 7): HistoryRun[] {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const out: HistoryRun[] = [];
  let tests = 200;
  for (let i = 0; i < n; i++) {
    if (rnd() < 0.3) tests += Math.round(rnd() * 30);
    const miss = rnd() < 0.2;
    const d = tests * 50 * (miss ? 1.4 : 1) * (1 + (rnd() - 0.5) * 0.08);
    out.push({ series: 'p', time: i, time2: i, line: i + 1, duration_ms: d, features: { test_count: tests, cache_hit: !miss, runner_type: 'linux' } });
  }
  return out;
}

describe('duration model', () => {
  it('learns test-count drift and cache misses: MAPE well under the mean of the last 3 runs', () => {
    const r = replay(series(120));
    expect(r.overall.model.mape_pct!).toBeLessThan(8);
    expect(r.overall.improvement_pct!).toBeGreaterThan(30);
  });

  it('never uses the run it predicts, and updates in place of nothing (a new state each time)', () => {
    const s0 = emptyState();
    expect(predict(s0, {}).method).toBe('none');
    const s1 = update(s0, { test_count: 10 }, 1000);
    expect(s0.n).toBe(0);
    expect(s1.n).toBe(1);
    const p = predict(s1, { test_count: 10 });
    expect(p.p50_ms).toBeCloseTo(1000, 6);
    expect(p.p90_ms).toBeGreaterThanOrEqual(p.p50_ms);
    // twice the tests, about twice the time once the rate is known
    expect(predict(update(s1, { test_count: 10 }, 1000), { test_count: 20 }).p50_ms).toBeGreaterThan(1100);
  });

  it('falls back to the recent median, saying so, when its recent error is above the threshold', () => {
    let s = emptyState();
    // a steady job with a 5× spike every fourth run: no feature explains the spikes
    const ds = [1000, 1000, 1000, 5000, 1000, 1000, 1000, 5000, 1000, 1000, 1000, 5000, 1000, 1000, 1000];
    for (const d of ds) s = update(s, { test_count: 10 }, d);
    const p = predict(s, { test_count: 10 }, { fallbackAbove: 0.15 });
    expect(p.method).toBe('fallback-median');
    expect(p.reason).toMatch(/recent error .* is above 15 %/);
    expect(p.p50_ms).toBe(1000);
    expect(predict(s, { test_count: 10 }, { fallbackAbove: 5 }).method).toBe('model');
  });

  it('bounds the state whatever the history length (O(1) update)', () => {
    let s = emptyState();
    for (const r of series(2000)) s = update(s, r.features, r.duration_ms);
    expect(JSON.stringify(s).length).toBeLessThan(2000);
    expect(s.n).toBe(2000);
  });
});
