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

  it('predicts a rerun of a commit from that commit’s earlier runs', () => {
    // Each commit changes the suite's cost by up to ±30 % in ways no feature shows; each is run
    // twice in a row with ±3 % noise (a rerun): only the commit says what the rerun will take.
    let x = 11;
    const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
    const runs: HistoryRun[] = [];
    for (let c = 0; c < 60; c++) {
      const cost = 60_000 * (1 + (rnd() - 0.5) * 0.6);
      for (let k = 0; k < 2; k++) {
        const i = runs.length;
        const d = cost * (1 + (rnd() - 0.5) * 0.06);
        runs.push({ series: 'p', time: i, time2: i, line: i + 1, duration_ms: d, features: { test_count: 300, commit: `c${c}` } });
      }
    }
    // The reruns' error, predicted with and without the commit (the first runs cannot be helped).
    const rerunMape = (useCommit: boolean) => {
      let st = emptyState();
      const apes: number[] = [];
      for (const [i, r] of runs.entries()) {
        const f = { ...r.features, commit: useCommit ? r.features.commit : null };
        if (i % 2 === 1) apes.push(Math.abs(predict(st, f).p50_ms - r.duration_ms) / r.duration_ms);
        st = update(st, f, r.duration_ms);
      }
      return (100 * apes.reduce((a, b) => a + b, 0)) / apes.length;
    };
    expect(rerunMape(true)).toBeLessThan(0.5 * rerunMape(false));
    // and the whole replay is better for it
    expect(replay(runs).overall.model.mape_pct!).toBeLessThan(
      replay(runs.map((r) => ({ ...r, features: { ...r.features, commit: null } }))).overall.model.mape_pct!,
    );
  });

  it('bounds the state whatever the history length (O(1) update)', () => {
    let s = emptyState();
    for (const r of series(2000)) s = update(s, { ...r.features, commit: `${r.line}`.padStart(40, 'f') }, r.duration_ms);
    expect(JSON.stringify(s).length).toBeLessThan(2000);
    expect(s.n).toBe(2000);
  });
});
