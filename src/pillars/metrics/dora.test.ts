import { describe, expect, it } from 'vitest';
import { DEFAULT_METRICS_CONFIG } from './config.js';
import { bandOf, doraKeys, incidents, nearestRank, type Deployment } from './dora.js';

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

  it('computes frequency, change failure rate and time to restore with bands and seed 004 targets', () => {
    const k = doraKeys(deps, { median_s: 7200, samples: 3 }, { since: 0, until: 5 * D }, DEFAULT_METRICS_CONFIG.dora);
    expect(k.successful).toBe(2);
    expect(k.failed).toBe(3);
    expect(k.other).toBe(1);
    expect(k.deployment_frequency_per_day).toBeCloseTo(2 / 5);
    expect(k.change_failure_rate).toBeCloseTo(3 / 5);
    expect(k.time_to_restore_median_s).toBe(5 * 3600);
    expect(k.incidents_open).toBe(1);
    expect(k.bands).toEqual({ deployment_frequency: 'high', lead_time: 'elite', change_failure_rate: 'low', time_to_restore: 'high' });
    expect(k.seed004.lead_time).toEqual({ initial: true, elite: false });
  });

  it('no deployment is no data: no band, no rate', () => {
    const k = doraKeys([], { median_s: null, samples: 0 }, { since: 0, until: D }, DEFAULT_METRICS_CONFIG.dora);
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

  it('nearest-rank percentile', () => {
    expect(nearestRank([1, 2, 3, 4], 0.5)).toBe(2);
    expect(nearestRank([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBe(10);
    expect(nearestRank([], 0.5)).toBeNull();
  });
});
