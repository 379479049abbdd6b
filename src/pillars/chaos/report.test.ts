// The resilience report's arithmetic: recovery rate, mean retries, added time, the Litmus-like
// score (recovered 1, degraded 0.5, failed 0; a repository's faults weighted) and its trend.
import { describe, expect, it } from 'vitest';
import { buildReport, FAULT_WEIGHTS, renderMarkdown } from './report.js';
import type { TrialRow } from './store.js';

const day = (d: number) => new Date(Date.UTC(2026, 10, d, 12));
const row = (d: number, fault: string, outcome: string, retries: number | null, added: number | null, target = 'build'): TrialRow => ({
  repo: 'acme/app',
  target,
  fault,
  outcome,
  retries,
  added_ms: added,
  started_at: day(d),
});
const W = { previousSince: day(1), since: day(11), until: day(21) };

describe('buildReport', () => {
  const rows = [
    // previous window: kill_job half recovered
    row(2, 'kill_job', 'recovered', 1, 2000),
    row(3, 'kill_job', 'failed', 3, 9000),
    // this window
    row(12, 'kill_job', 'recovered', 1, 2000),
    row(13, 'kill_job', 'recovered', 2, 6000),
    row(14, 'kill_job', 'degraded', 1, null),
    row(15, 'kill_job', 'failed', 3, 14000),
    row(16, 'cpu_stress', 'recovered', 0, 0, 'test'),
  ];
  const r = buildReport(rows, W);

  it('per target and fault: trials, outcomes, recovery rate, mean retries and added time', () => {
    expect(r.groups.map((g) => [g.target, g.fault, g.trials, g.recovered, g.degraded, g.failed, g.recovery_rate, g.mean_retries, g.mean_added_ms])).toEqual([
      ['build', 'kill_job', 4, 2, 1, 1, 0.75, 1.8, 7333],
      ['test', 'cpu_stress', 1, 1, 0, 0, 1, 0, 0],
    ]);
  });

  it('scores: the mean of 1/0.5/0 in percent; the repository weighs faults; trend against the window before', () => {
    const kill = r.groups[0]!;
    expect(kill.score).toBe(62.5); // (1 + 1 + 0.5 + 0) / 4
    expect(kill.previous_score).toBe(50);
    expect(kill.trend).toBe(12.5);
    expect(r.groups[1]!.trend).toBeNull();
    const wk = FAULT_WEIGHTS.kill_job;
    const wc = FAULT_WEIGHTS.cpu_stress;
    expect(r.repos).toEqual([
      {
        repo: 'acme/app',
        trials: 5,
        recovery_rate: 0.8,
        score: Math.round(((wk * 62.5 + wc * 100) / (wk + wc)) * 10) / 10,
        previous_score: 50,
        trend: Math.round(((wk * 62.5 + wc * 100) / (wk + wc) - 50) * 10) / 10,
      },
    ]);
  });

  it('Markdown names the score’s weights and an empty window says so', () => {
    expect(renderMarkdown(r)).toContain('kill_job ×3');
    expect(renderMarkdown(buildReport([], W))).toContain('No chaos trials in this window.');
  });
});
