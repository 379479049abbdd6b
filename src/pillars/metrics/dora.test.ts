import { describe, expect, it } from 'vitest';
import { DEFAULT_METRICS_CONFIG } from './config.js';
import { acrossServices, bandOf, dailyOutcomes, doraKeysOf, incidents, type Deployment } from './dora.js';

const H = 3_600_000;
const D = 24 * H;
const dep = (id: string, at: number, status: string, rolled_back = false, env = 'prod'): Deployment => ({
  repo: 'acme/app',
  environment: env,
  deployment_id: id,
  commit_sha: null,
  started_at: at - 60_000,
  finished_at: at,
  final_status: status,
  rolled_back,
  steps: 1,
});

describe('DORA keys', () => {
  const deps = [
    dep('d1', 1 * D, 'success'),
    dep('d2', 2 * D, 'failed'),
    dep('d3', 2 * D + 2 * H, 'success', true), // rolled back: a failure although its status says success
    dep('d4', 2 * D + 5 * H, 'success'),
    dep('d5', 3 * D, 'canceled'),
    dep('d6', 4 * D, 'failed'),
  ];

  it('groups consecutive failures into one incident timed from the first; an unrestored one stays open', () => {
    const inc = incidents(deps);
    expect(inc.map((i) => [i.failed_deployment_id, i.restored_by, i.restore_s, i.failures])).toEqual([
      ['d2', 'd4', 5 * 3600, 2],
      ['d6', null, null, 1],
    ]);
  });

  it('counts deployments per UTC day of their finish by outcome (rollbacks fail, canceled are other)', () => {
    expect(dailyOutcomes(deps)).toEqual([
      { day: '1970-01-02', successful: 1, failed: 0, other: 0 },
      { day: '1970-01-03', successful: 1, failed: 2, other: 0 },
      { day: '1970-01-04', successful: 0, failed: 0, other: 1 },
      { day: '1970-01-05', successful: 0, failed: 1, other: 0 },
    ]);
  });

  it('computes frequency, change failure rate and time to restore with bands and seed 004 targets', () => {
    // The counts and incidents of `deps` (asserted above) over a 5-day window.
    const k = doraKeysOf(
      { successful: 2, failed: 3, other: 1, window_days: 5, lead: { median_s: 7200, samples: 3 }, restore: { median_s: 5 * 3600, restored: 1, open: 1 } },
      DEFAULT_METRICS_CONFIG.dora,
    );
    expect(k.deployments).toBe(5);
    expect(k.deployment_frequency_per_day).toBeCloseTo(2 / 5);
    expect(k.change_failure_rate).toBeCloseTo(3 / 5);
    expect(k.time_to_restore_median_s).toBe(5 * 3600);
    expect(k.incidents_open).toBe(1);
    expect(k.bands).toEqual({ deployment_frequency: 'high', lead_time: 'elite', change_failure_rate: 'low', time_to_restore: 'high' });
    expect(k.targets.lead_time).toEqual({ initial: true, elite: false });
  });

  it('across services: five "high" services are a "high" org (their summed rate would band "elite"), with the spread', () => {
    const svc = (successful: number, failed = 0) =>
      doraKeysOf(
        { successful, failed, other: 0, window_days: 30, lead: { median_s: null, samples: 0 }, restore: { median_s: null, restored: 0, open: 0 } },
        DEFAULT_METRICS_CONFIG.dora,
      );
    // 10 deploys in 30 days each: 0.33/day, "high"; the sum, 1.67/day, is "elite".
    const five = [svc(10), svc(10), svc(10), svc(10), svc(10)];
    expect(five.every((g) => g.bands.deployment_frequency === 'high')).toBe(true);
    expect(svc(50).bands.deployment_frequency).toBe('elite');
    const a = acrossServices(five);
    expect(a.deployment_frequency).toEqual({ median: 10 / 30, band: 'high', spread: { elite: 0, high: 5, medium: 0, low: 0 }, services: 5 });
    // Lower median of an even count is a real service; services without a value are left out.
    const mixed = acrossServices([svc(60), svc(10), svc(2), svc(1, 1), svc(0)]);
    // No deployment at all (the last) is no data. Sorted: 1/30, 2/30 (medium), 10/30 (high), 2/day (elite).
    expect(mixed.deployment_frequency.spread).toEqual({ elite: 1, high: 1, medium: 2, low: 0 });
    expect(mixed.deployment_frequency).toMatchObject({ median: 2 / 30, band: 'medium', services: 4 });
    expect(mixed.change_failure_rate.services).toBe(5 - 1);
    expect(mixed.lead_time).toEqual({ median: null, band: null, spread: { elite: 0, high: 0, medium: 0, low: 0 }, services: 0 });
  });

  it('no deployment is no data: no band, no rate', () => {
    const k = doraKeysOf(
      { successful: 0, failed: 0, other: 0, window_days: 1, lead: { median_s: null, samples: 0 }, restore: { median_s: null, restored: 0, open: 0 } },
      DEFAULT_METRICS_CONFIG.dora,
    );
    expect(k.change_failure_rate).toBeNull();
    expect(k.bands).toEqual({ deployment_frequency: null, lead_time: null, change_failure_rate: null, time_to_restore: null });
  });

  it('band edges follow the issue table (CFR bounds inclusive)', () => {
    const b = DEFAULT_METRICS_CONFIG.dora;
    expect(bandOf(0.05, b.changeFailureRate)).toBe('elite');
    expect(bandOf(0.1, b.changeFailureRate)).toBe('high');
    expect(bandOf(0.15, b.changeFailureRate)).toBe('medium');
    expect(bandOf(0.1501, b.changeFailureRate)).toBe('low');
    expect(bandOf(86_399, b.leadTime)).toBe('elite');
    expect(bandOf(86_400, b.leadTime)).toBe('high');
    expect(bandOf(3, b.deploymentFrequency)).toBe('elite');
    expect(bandOf(1 / 7, b.deploymentFrequency)).toBe('high');
    expect(bandOf(1 / 60, b.deploymentFrequency)).toBe('low');
    expect(bandOf(3599, b.timeToRestore)).toBe('elite');
  });
});
