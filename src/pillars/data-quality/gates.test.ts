// A freshness and a null-rate breach of `fail` gates, on a real store (PGlite and PostgreSQL):
// the ingest answer says the load failed its data quality (the records are stored all the same),
// /metrics carries the breach gauge the alert rule watches, and the checks API the dashboard's
// Data quality page reads lists them; a gate naming a relation it may not read says where.
import { expect, it } from 'vitest';
import type { PipelineRun } from '../../core/contract/index.js';
import { createToken } from '../../core/tokens.js';
import { synthesize } from '../../core/synth/generate.js';
import { describeEachStore } from '../../../test/support/stores.js';
import { ingestingApp } from '../../../test/support/hub-app.js';
import { dataQualityPillar } from './index.js';
import { dataQualityRules } from './prometheus.js';
import type { GateConfig } from './config.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const base = synthesize({ repos: 1, days: 1, runsPerDay: 2, seed: 5, end: NOW }).records[0]!;
const UUID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
/** A dev run that ended `hoursAgo` before NOW. */
function run(n: number, hoursAgo: number, region: string | undefined): PipelineRun {
  const { region: _r, ...rest } = base;
  const end = new Date(NOW.getTime() - hoursAgo * 3_600_000);
  return {
    ...rest,
    run_id: UUID(n),
    environment: 'dev',
    started_at: new Date(end.getTime() - 60_000).toISOString(),
    ended_at: end.toISOString(),
    ...(region ? { region } : {}),
  };
}

const GATES: GateConfig[] = [
  { name: 'runs-fresh', target: 'pipeline_runs_all', kind: 'freshness', column: 'ended_at', max: 3600, window: '1d', severity: 'fail' },
  { name: 'region-known', target: 'pipeline_runs_all', kind: 'null_rate', column: 'region', timeColumn: 'ended_at', max: 0.5, window: '1d', severity: 'fail' },
  { name: 'runs-steady', target: 'runs', kind: 'row_count_delta', column: 'ended_at', max: 0.5, window: '1d', severity: 'warn' },
  { name: 'tokens', target: 'api_tokens', kind: 'freshness', max: 60, window: '1d', severity: 'warn' },
];

describeEachStore(
  'data-quality gates',
  (get) => {
    const t = ingestingApp(get, [dataQualityPillar]);
    const auth = () => t.auth();

    it('a freshness and a null-rate breach: in the ingest answer, on /metrics and in the checks the dashboard reads', async () => {
      // Newest run ended 2 h ago (SLA 1 h); 2 of 3 runs of the day without a region (at most half).
      const res = await t.post([run(1, 5, 'eu-west-1'), run(2, 3, undefined), run(3, 2, undefined)]);
      expect(res.statusCode).toBe(200);
      const answer = res.json();
      expect(answer.accepted).toBe(3);
      expect(answer.data_quality.status).toBe('fail');
      expect(answer.data_quality.checked).toBe(3 + GATES.length);
      const breaches = answer.data_quality.breaches as Array<Record<string, unknown>>;
      expect(breaches.map((b) => [b.severity, b.check, b.passed])).toEqual([
        ['fail', 'region-known', false],
        ['fail', 'runs-fresh', false],
        ['warn', 'tokens', false],
      ]);
      expect(breaches[0]).toMatchObject({ value: 2 / 3, threshold: 0.5, message: '2 of 3 rows in the last 1d have no region: rate 0.667 (at most 0.5)' });
      expect(breaches[1]).toMatchObject({
        value: 7200,
        threshold: 3600,
        message: 'newest row is 7200s old (ended_at); the SLA is 3600s: check that producers still send',
      });
      expect(breaches[2]!.message).toBe(
        'dataQuality.gates[3].target: "api_tokens" is not a table or view gates check (use one of pipeline_runs_all, runs, jobs, test_summaries, costs, deployments, policy_results, chaos_trials)',
      );

      const metrics = (await t.app.inject({ url: '/metrics', headers: auth() })).body;
      expect(metrics).toContain('ci_intel_data_quality_breach{check="runs-fresh",target="pipeline_runs_all",severity="fail"} 1');
      expect(metrics).toContain('ci_intel_data_quality_breach{check="region-known",target="pipeline_runs_all",severity="fail"} 1');
      expect(metrics).toContain('ci_intel_data_quality_breach{check="unique_run_id",target="pipeline_runs_all",severity="fail"} 0');
      expect(metrics).toContain('ci_intel_data_quality_value{check="runs-fresh",target="pipeline_runs_all"} 7200');
      // The alert watches exactly that series.
      expect(dataQualityRules()[0]!.rules[0]).toMatchObject({
        alert: 'DataQualityBreach',
        expr: 'max by (check, target) (ci_intel_data_quality_breach{severity="fail"}) == 1',
      });

      const checks = (await t.app.inject({ url: '/api/v1/data-quality/checks', headers: auth() })).json();
      expect(checks).toMatchObject({ failing: 2, warning: 1 });
      expect(checks.checks.map((c: { check: string; passed: boolean }) => `${c.check} ${c.passed}`)).toEqual([
        'accepted_status true',
        'region-known false',
        'release_evidence_present true',
        'runs-fresh false',
        'runs-steady true',
        'tokens false',
        'unique_run_id true',
      ]);

      // A fresh run with a region: the next load passes, and the gauge follows the latest outcome.
      const next = await t.post([run(4, 0.5, 'eu-west-1'), run(5, 0.25, 'eu-west-1')]);
      expect(next.json().data_quality.breaches.map((b: { check: string }) => b.check)).toEqual(['tokens']);
      expect((await t.app.inject({ url: '/metrics', headers: auth() })).body).toContain(
        'ci_intel_data_quality_breach{check="runs-fresh",target="pipeline_runs_all",severity="fail"} 0',
      );
    });

    it('the checks are for every-repository readers only', async () => {
      const limited = (await createToken(t.hub.db, { repoPatterns: ['octo/*'], scopes: ['read'], expiresAt: null })).token;
      const res = await t.app.inject({ url: '/api/v1/data-quality/checks', headers: { authorization: `Bearer ${limited}` } });
      expect(res.statusCode).toBe(403);
    });
  },
  {
    pillars: [dataQualityPillar],
    now: () => NOW,
    config: (c) =>
      void (c.pillars = {
        ...c.pillars,
        dataQuality: { contractTests: { uniqueRunId: 'fail', acceptedStatus: 'fail', releaseEvidence: 'warn' }, gates: GATES },
      }),
  },
);
