import { describe, expect, it } from 'vitest';
import { planRunners, type RunnerClass } from './plan.js';
import { parseDurationMs } from './commands.js';

const classes: RunnerClass[] = [
  { name: 'small', cpus: 2, usdPerMinute: 0.008, concurrency: 20 },
  { name: 'large', cpus: 8, usdPerMinute: 0.032, concurrency: 4 },
];
const base = { p50_ms: 40 * 60_000, p90_ms: 48 * 60_000, measuredCpus: 2, classes, overhead_ms: 30_000, speedupExponent: 0.7 };

describe('scheduler plan', () => {
  it('picks the cheapest option whose p90 wall time meets the target', () => {
    const p = planRunners({ ...base, target_ms: 10 * 60_000 });
    expect(p.recommended!.meets_target).toBe(true);
    expect(p.recommended!.wall_p90_ms).toBeLessThanOrEqual(10 * 60_000);
    // small × k meets 10 min from k = 6 (30 s + 48 min / 6 = 8.5 min), but per started minute
    // 9 shards × 5 min ($0.36) beat 6 × 8 ($0.384), 8 × 6 ($0.384), 10 × 5 ($0.40) and large × 2 ($0.576)
    expect(p.recommended).toMatchObject({ runner: 'small', shards: 9, usd: 0.36 });
    expect(p.why).toContain('cheapest');
  });

  it('says so when no option meets the target, and gives the fastest', () => {
    const p = planRunners({ ...base, target_ms: 60_000 });
    expect(p.recommended!.meets_target).toBe(false);
    expect(p.why).toContain('no option meets the target');
    // small × 20: 30 s + 48 min / 20 = 2.9 min; large × 4: 30 s + 48 min / 4^0.7 / 4 = 5.0 min
    expect(p.recommended).toMatchObject({ runner: 'small', shards: 20 });
  });

  it('within a budget, the fastest it affords', () => {
    const p = planRunners({ ...base, budget_usd: 0.4 });
    expect(p.recommended!.usd).toBeLessThanOrEqual(0.4);
    expect(planRunners({ ...base, budget_usd: 0.001 }).recommended).toBeNull();
  });

  it('reads targets like 10m, 90s, 1h30m', () => {
    expect(parseDurationMs('10m')).toBe(600_000);
    expect(parseDurationMs('90s')).toBe(90_000);
    expect(parseDurationMs('1h30m')).toBe(5_400_000);
    expect(() => parseDurationMs('soon')).toThrow(/not a duration/);
  });
});
