// Canary decisions on the hub, on PGlite and PostgreSQL: stored with the deployment a run reported,
// shown in the run's analyses and the DORA page's card API, exported as cicd_canary_analysis_result.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createToken } from '../../core/tokens.js';
import { createApp, pillars, runCli } from '../../../test/support/assembled.js';
import { describeEachStore, type TestHub } from '../../../test/support/stores.js';
import { parseAnalysis } from './canary/analysis.js';
import { decisionId, judge } from './canary/judge.js';
import { parseSamples } from './canary/samples.js';
import { drillIdOf, recordDrill } from './drills.js';
import { recordDecision } from './store.js';
import type { DeliveryTables } from './tables.js';

const fixture = (f: string) => readFileSync(new URL(`./canary/fixtures/${f}`, import.meta.url), 'utf8');
const seed = readFileSync(new URL('../../core/contract/fixtures/seed-example.fixed.v1.2.ndjson', import.meta.url), 'utf8').split('\n')[0]!;
const run = JSON.parse(seed) as { run_id: string; repo: string; environment: string; deployment_id: string };
const spec = parseAnalysis(fixture('analysis.yml'), 'analysis.yml');
const baseline = parseSamples(fixture('recorded/baseline.json'), 'baseline.json');
const NOW = new Date('2026-12-06T06:00:00Z');

describeEachStore(
  'canary decisions on the hub',
  (getHub) => {
    let hub: TestHub;
    let app: FastifyInstance;
    let token: string;
    beforeAll(async () => {
      hub = getHub();
      app = await createApp(hub, pillars);
      token = (await createToken(hub.db, { repoPatterns: ['org/*'], scopes: ['ingest', 'read'], expiresAt: null })).token;
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/runs',
        payload: `${seed}\n`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      });
      expect(res.statusCode, res.body).toBe(200);
    });
    afterAll(async () => app?.close());
    const get = (url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

    it('stores a decision with its deployment once, shows it on the run and the API, and exports the latest result', async () => {
      const db = hub.db.withTables<DeliveryTables>();
      const dep = { repo: run.repo, environment: run.environment, deploymentId: run.deployment_id };
      const healthy = judge(spec, { baseline, canary: parseSamples(fixture('recorded/canary-healthy.json'), 'c.json') });
      const bad = judge(spec, { baseline, canary: parseSamples(fixture('recorded/canary-regressed.json'), 'c.json') });
      const early = new Date(NOW.getTime() - 60_000);
      expect(await recordDecision(db, hub.redactor, early, decisionId(healthy, 'h'), dep, healthy, { files: 'healthy' })).toBe(true);
      expect(await recordDecision(db, hub.redactor, early, decisionId(healthy, 'h'), dep, healthy, { files: 'healthy' })).toBe(false);
      expect(await recordDecision(db, hub.redactor, NOW, decisionId(bad, 'b'), dep, bad, { files: 'regressed' })).toBe(true);

      const api = (await get(`/api/v1/delivery/canary?repo=${run.repo}`)).json() as { decisions: Array<Record<string, unknown>> };
      expect(api.decisions.map((d) => d.verdict)).toEqual(['rollback', 'promote']);
      expect(api.decisions[0]).toMatchObject({ deployment: run.deployment_id, analysis: 'success-rate+latency-p95', score: 0 });
      expect(String(api.decisions[0]!.reason)).toContain('latency-p95');

      const r = (await get(`/api/v1/runs/${run.run_id}`)).json() as {
        analyses: { delivery: { canary: Array<{ verdict: string; decision: { metrics: unknown[] } }> } };
      };
      expect(r.analyses.delivery.canary.map((d) => d.verdict)).toEqual(['promote', 'rollback']);
      expect(r.analyses.delivery.canary[1]!.decision.metrics).toHaveLength(2);

      const m = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
      expect(m.body).toContain('# TYPE cicd_canary_analysis_result gauge');
      expect(m.body).toContain(`cicd_canary_analysis_result{service="${run.repo}",template="success-rate+latency-p95"} 0`);
    });

    it('/metrics of the assembled hub carries seed 004 §4.1 series (all 17; the two supply-chain ones come from that pillar)', async () => {
      const m = (await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } })).body;
      const seed004 = [
        'cicd_deployment_frequency_total counter',
        'cicd_lead_time_seconds histogram',
        'cicd_change_failure_rate gauge',
        'cicd_mean_time_to_restore_seconds histogram',
        'cicd_pipeline_duration_seconds histogram',
        'cicd_pipeline_queue_time_seconds histogram',
        'cicd_pipeline_success_rate gauge',
        'cicd_pipeline_runs_total counter',
        'cicd_test_pass_rate gauge',
        'cicd_test_coverage_percent gauge',
        'cicd_rollout_duration_seconds histogram',
        'cicd_rollback_total counter',
        'cicd_canary_analysis_result gauge',
        'cicd_feature_flag_count gauge',
        'cicd_feature_flag_age_days gauge',
        'cicd_vulnerability_count gauge',
        'cicd_sbom_component_count gauge',
      ];
      expect(seed004).toHaveLength(17);
      for (const t of seed004) expect(m).toContain(`# TYPE ${t}\n`);
      // The seed example record (one run with tests, coverage and a canary deployment) fills the quality and rollout series.
      expect(m).toContain(`cicd_test_pass_rate{service="${run.repo}",test_type="all"} ${(1240 - 2 - 10) / (1240 - 10)}`);
      expect(m).toContain(`cicd_test_coverage_percent{service="${run.repo}"} 86`);
      expect(m).toContain(`cicd_rollout_duration_seconds_count{service="${run.repo}",strategy="canary"} 1`);
    });

    it('the DR card: the latest drill against RPO/RTO targets and the 7-day rule', async () => {
      const db = hub.db.withTables<DeliveryTables>();
      const empty = (await get('/api/v1/delivery/drills')).json() as Record<string, unknown>;
      expect(empty).toMatchObject({
        environment: 'prod',
        status: 'blocking',
        last_drill_at: null,
        reason: 'no DR drill recorded',
        rpo_target_s: 60,
        rto_target_s: 300,
      });
      const base = {
        type: 'rollback' as const,
        environment: 'prod',
        repo: null,
        result: 'pass' as const,
        rpo_s: 0,
        rto_s: 95,
        performed_at: '2026-12-03T06:00:00.000Z',
      };
      expect(await recordDrill(db, { ...base, drill_id: drillIdOf(base), recorded_by: 'alice', evidence: null })).toBe(true);
      const card = (await get('/api/v1/delivery/drills?environment=prod')).json() as Record<string, unknown>;
      expect(card).toMatchObject({ status: 'ok', last_drill_at: '2026-12-03T06:00:00.000Z', age_days: 3, rpo_s: 0, rto_s: 95 });
      expect(card.drills).toEqual([{ performed_at: '2026-12-03T06:00:00.000Z', type: 'rollback', result: 'pass', rpo_s: 0, rto_s: 95, by: 'alice' }]);
    });

    it('POST /api/v1/delivery/drills records a drill once (ingest scope, repository checked); drill record --hub uses it', async () => {
      const post = (payload: Record<string, unknown>) =>
        app.inject({ method: 'POST', url: '/api/v1/delivery/drills', payload, headers: { authorization: `Bearer ${token}` } });
      const body = {
        type: 'restore',
        result: 'pass',
        rpo_s: 30,
        rto_s: 200,
        environment: 'staging',
        repo: 'Org/App',
        performed_at: '2026-12-05T06:00:00Z',
        by: 'bob',
      };
      const first = await post(body);
      expect(first.statusCode, first.body).toBe(201);
      expect(first.json()).toMatchObject({ recorded: true, drill: { repo: 'org/app', performed_at: '2026-12-05T06:00:00.000Z', recorded_by: 'bob' } });
      expect((await post(body)).json()).toMatchObject({ recorded: false });
      expect((await post({ ...body, repo: undefined })).json().error).toMatchObject({ code: 'E_FORBIDDEN_REPO', where: 'body /repo' });
      expect((await post({ ...body, repo: 'acme/app' })).statusCode).toBe(403);
      expect((await post({ ...body, rpo_s: -1 })).statusCode).toBe(400);

      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      let out = '';
      let err = '';
      const args = [
        'drill',
        'record',
        '--type',
        'rollback',
        '--rpo-s',
        '0',
        '--rto-s',
        '90',
        '--result',
        'pass',
        '--environment',
        'staging',
        '--repo',
        'org/app',
      ];
      const code = await runCli(
        [...args, '--hub', url, '--token', token],
        { out: (t) => (out += t), err: (t) => (err += t), env: {}, isTTY: false, now: () => NOW, cwd: hub.dataDir },
        pillars,
      );
      expect(code, err).toBe(0);
      expect(out).toBe('recorded: rollback drill in staging at 2026-12-06T06:00:00.000Z, pass, RPO 0 s, RTO 90 s\n');
      const card = (await get('/api/v1/delivery/drills?environment=staging')).json() as { status: string; drills: unknown[] };
      expect(card).toMatchObject({ status: 'ok', last_drill_at: '2026-12-06T06:00:00.000Z' });
      expect(card.drills).toHaveLength(2);
    });

    it('a token for other repositories sees no decisions', async () => {
      const other = (await createToken(hub.db, { repoPatterns: ['acme/*'], scopes: ['read'], expiresAt: null })).token;
      const res = await app.inject({ url: '/api/v1/delivery/canary', headers: { authorization: `Bearer ${other}` } });
      expect(res.json()).toEqual({ decisions: [] });
      expect((await app.inject({ url: `/api/v1/delivery/canary?repo=${run.repo}`, headers: { authorization: `Bearer ${other}` } })).statusCode).toBe(403);
    });
  },
  { now: () => NOW, pillars },
);
