// The metrics API over a store seeded with synthetic history, on PGlite and PostgreSQL: every number
// is checked against SQL written independently here (different formulations, same definitions).
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { synthesize } from '../../core/synth/generate.js';
import { createToken } from '../../core/tokens.js';
import { insertCommits } from '../../core/runs/commits.js';
import { ingestNdjson } from '../../core/runs/ingest.js';
import { describeEachStore, type TestHub } from '../../../test/support/stores.js';
import { importFlags, parseUnleashFeatures } from './flags.js';
import { metricsPillar } from './index.js';
import { metricsDb } from './refresh.js';
import { approximate, LEAD_LAST, REL_ERROR } from './sketch.js';
import { createApp } from '../../../test/support/assembled.js';

const END = new Date('2026-03-10T00:00:00Z');
const NOW = new Date('2026-03-10T06:00:00Z');
const synth = synthesize({ repos: 3, days: 12, runsPerDay: 24, seed: 8, end: END });

describeEachStore(
  'metrics API',
  (get) => {
    let hub: TestHub;
    let app: FastifyInstance;
    let token: string;
    beforeAll(async () => {
      hub = get();
      async function* lines() {
        for (const r of synth.records) yield Buffer.from(JSON.stringify(r) + '\n');
      }
      await ingestNdjson(hub, lines(), { source: 'test' });
      await insertCommits(
        hub.db,
        synth.commits.map((c) => ({ ...c, source: 'test' })),
      );
      await importFlags(
        metricsDb(hub),
        parseUnleashFeatures(readFileSync(new URL('./fixtures/unleash/features.json', import.meta.url), 'utf8'), 'features.json'),
        NOW,
      );
      app = await createApp(hub, [metricsPillar]);
      token = (await createToken(hub.db, { repoPatterns: ['**'], scopes: ['read', 'ingest'], expiresAt: null })).token;
    });
    afterAll(async () => app?.close());
    const getJson = async (url: string) => {
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const since = new Date('2026-02-08T00:00:00Z'); // window 30: 30 whole UTC days before today (2026-03-10)
    const q = async <T>(s: ReturnType<typeof sql<T>>) => (await s.execute(hub.db)).rows;

    it('run health totals and percentiles agree with SQL over the runs (approximate by the sketch definition)', async () => {
      const h = await getJson('/api/v1/metrics/health?window=30');
      const [c] = await q(sql<{ n: number; ok: number; bad: number; p50: number; p95: number; q95: number }>`
        select count(*)::int as n, count(*) filter (where status = 'success')::int as ok, count(*) filter (where status = 'failed')::int as bad,
          percentile_disc(0.5) within group (order by duration_ms) as p50, percentile_disc(0.95) within group (order by duration_ms) as p95,
          percentile_disc(0.95) within group (order by queue_ms) as q95
        from runs where started_at >= ${since} and started_at < ${NOW}`);
      expect(h.total.runs).toBe(c!.n);
      expect(h.total.success).toBe(c!.ok);
      expect(h.total.failed).toBe(c!.bad);
      expect(h.total.success_rate).toBeCloseTo(c!.ok / (c!.ok + c!.bad), 12);
      expect(h.total.duration_p50_ms).toBe(approximate(Number(c!.p50)));
      expect(h.total.duration_p95_ms).toBe(approximate(Number(c!.p95)));
      expect(h.total.queue_p95_ms).toBe(approximate(Number(c!.q95)));
      const jobs = await q(sql<{ repo: string; name: string; n: number; p95: number }>`
        select r.repo, j.name, count(*)::int as n, percentile_disc(0.95) within group (order by j.duration_ms) as p95
        from jobs j join runs r using (run_id) where r.started_at >= ${since} group by 1, 2 order by 1, 2`);
      expect(
        h.jobs.map((j: { repo: string; job: string; executions: number; duration_p95_ms: number }) => [j.repo, j.job, j.executions, j.duration_p95_ms]),
      ).toEqual(jobs.map((j) => [j.repo, j.name, j.n, approximate(Number(j.p95))]));
      expect(h.jobs.find((j: { job: string }) => j.job === 'lint').budget.stage).toBe('Lint');
    });

    it('the Overview reports the same run health total as the health answer (it skips the per-pipeline part)', async () => {
      const [o, h] = await Promise.all([getJson('/api/v1/metrics/overview?window=30'), getJson('/api/v1/metrics/health?window=30')]);
      expect(h.total.runs).toBeGreaterThan(0);
      expect(h.total.mttr_median_s).not.toBeNull();
      expect(o.health).toEqual(h.total);
    });

    it('a non-default branch is answered from raw runs by the same definition', async () => {
      const [b] = await q(
        sql<{ branch: string; n: number }>`select branch, count(*)::int as n from runs where branch like 'feature/%' group by 1 order by 2 desc, 1 limit 1`,
      );
      const h = await getJson(`/api/v1/metrics/health?window=30&branch=${encodeURIComponent(b!.branch)}`);
      expect(h.total.runs).toBe(b!.n);
      const main = await getJson('/api/v1/metrics/health?window=30&branch=main');
      const [m] = await q(sql<{ n: number }>`select count(*)::int as n from runs where branch = 'main' and started_at >= ${since}`);
      expect(main.total.runs).toBe(m!.n);
    });

    it('MTTR: median of failed → next success per repo/workflow/branch/environment, consecutive failures one incident', async () => {
      const h = await getJson('/api/v1/metrics/health?window=30');
      // Independent formulation: for each failed run whose previous run (same partition) did not fail,
      // the earliest later successful run's end.
      const [m] = await q(sql<{ m: number; n: number }>`
        with f as (
          select r.* from runs r where r.status = 'failed' and r.started_at >= ${since}
            and coalesce((select p.status from runs p where p.repo = r.repo and p.workflow = r.workflow and coalesce(p.branch,'') = coalesce(r.branch,'')
                    and coalesce(p.environment,'') = coalesce(r.environment,'') and p.status in ('success','failed')
                    and (p.started_at, p.run_id) < (r.started_at, r.run_id) order by p.started_at desc, p.run_id desc limit 1), 'success') <> 'failed'
        ), rec as (
          select extract(epoch from ((select min(s.ended_at) from runs s where s.repo = f.repo and s.workflow = f.workflow and coalesce(s.branch,'') = coalesce(f.branch,'')
                    and coalesce(s.environment,'') = coalesce(f.environment,'') and s.status = 'success' and (s.started_at, s.run_id) > (f.started_at, f.run_id)) - f.ended_at)) as d
          from f
        )
        select percentile_disc(0.5) within group (order by d) as m, count(d)::int as n from rec where d is not null`);
      expect(h.total.recoveries).toBe(m!.n);
      expect(h.total.mttr_median_s).toBeCloseTo(Number(m!.m), 3);
    });

    it('DORA: deployments are distinct (repo, environment, deployment_id); failures include rollbacks', async () => {
      const d = await getJson('/api/v1/metrics/dora?window=30');
      expect(d.environments).toEqual(['prod', 'production']);
      const rows = await q(sql<{ ok: number; bad: number }>`
        with last as (
          select distinct on (repo, environment, deployment_id) repo, environment, deployment_id, status, finished_at
          from deployments where environment in ('prod', 'production')
          order by repo, environment, deployment_id, finished_at desc, rollout_step desc nulls last
        ), rb as (select distinct repo, environment, deployment_id from deployments where rollback_reason is not null)
        select count(*) filter (where l.status = 'success' and rb.deployment_id is null)::int as ok,
               count(*) filter (where l.status = 'failed' or rb.deployment_id is not null)::int as bad
        from last l left join rb using (repo, environment, deployment_id) where l.finished_at >= ${since} and l.finished_at < ${NOW}`);
      expect(d.total.successful).toBe(rows[0]!.ok);
      expect(d.total.failed).toBe(rows[0]!.bad);
      expect(d.total.change_failure_rate).toBeCloseTo(rows[0]!.bad / (rows[0]!.ok + rows[0]!.bad), 12);
      expect(d.total.deployment_frequency_per_day).toBeCloseTo(rows[0]!.ok / ((NOW.getTime() - since.getTime()) / 86_400_000), 12);
      // The weekly trend: ISO weeks (Monday) of the finish time, the same fold.
      const weeks = await q(sql<{ week: string; n: number; bad: number }>`
        with last as (
          select distinct on (repo, environment, deployment_id) repo, environment, deployment_id, status, finished_at
          from deployments where environment in ('prod', 'production')
          order by repo, environment, deployment_id, finished_at desc, rollout_step desc nulls last
        ), rb as (select distinct repo, environment, deployment_id from deployments where rollback_reason is not null)
        select to_char(date_trunc('week', l.finished_at at time zone 'UTC'), 'YYYY-MM-DD') as week,
          count(*) filter (where (l.status = 'success' and rb.deployment_id is null) or l.status = 'failed' or rb.deployment_id is not null)::int as n,
          count(*) filter (where l.status = 'failed' or rb.deployment_id is not null)::int as bad
        from last l left join rb using (repo, environment, deployment_id) where l.finished_at >= ${since} and l.finished_at < ${NOW}
        group by 1 having count(*) filter (where l.status in ('success', 'failed') or rb.deployment_id is not null) > 0 order by 1`);
      expect(weeks.length).toBeGreaterThan(1);
      expect(d.weekly.map((w: { week: string; deployments: number; failed: number }) => [w.week, w.deployments, w.failed])).toEqual(
        weeks.map((w) => [w.week, w.n, w.bad]),
      );
      // Canary steps are reports, not deployments.
      const [steps] = await q(sql<{ n: number }>`select count(*)::int as n from deployments where environment = 'prod'`);
      expect(steps!.n).toBeGreaterThan(d.total.deployments);
      expect(d.definitions.targets.leadTime.elite.label).toBe('< 1 hour');
    });

    it('DORA time to restore: failed deployment → next successful one of the same repo and environment, exact median', async () => {
      const d = await getJson('/api/v1/metrics/dora?window=30');
      // Independent formulation over the raw reports: fold, then for each failure whose previous
      // deployment (success or failure) did not fail, the earliest later success.
      const [m] = await q(sql<{ m: number | null; restored: number; open: number }>`
        with last as (
          select distinct on (repo, environment, deployment_id) repo, environment, deployment_id, status, finished_at
          from deployments where environment in ('prod', 'production') and finished_at is not null
          order by repo, environment, deployment_id, finished_at desc, rollout_step desc nulls last
        ), rb as (select distinct repo, environment, deployment_id from deployments where rollback_reason is not null),
        o as (
          select l.repo, l.environment, l.deployment_id collate "C" as id, l.finished_at as at,
            case when rb.deployment_id is not null or l.status = 'failed' then 'failed' when l.status = 'success' then 'success' end as outcome
          from last l left join rb using (repo, environment, deployment_id)
        ), f as (
          select x.* from o x where x.outcome = 'failed' and x.at >= ${since} and x.at < ${NOW}
            and coalesce((select p.outcome from o p where p.repo = x.repo and p.environment = x.environment and p.outcome is not null
                    and (p.at, p.id) < (x.at, x.id) order by p.at desc, p.id desc limit 1), 'success') <> 'failed'
        ), r as (
          select extract(epoch from ((select min(s.at) from o s where s.repo = f.repo and s.environment = f.environment and s.outcome = 'success'
                    and (s.at, s.id) > (f.at, f.id) and s.at < ${NOW}) - f.at)) as d
          from f
        )
        select percentile_disc(0.5) within group (order by d) as m, count(d)::int as restored, count(*) filter (where d is null)::int as open from r`);
      expect(m!.restored + m!.open).toBeGreaterThan(0);
      expect(d.total.incidents_restored).toBe(m!.restored);
      expect(d.total.incidents_open).toBe(m!.open);
      expect(d.total.time_to_restore_median_s).toBeCloseTo(Number(m!.m), 3);
      expect(d.incidents.length).toBe(Math.min(50, m!.restored + m!.open));
    });

    it('lead time: exact ancestry, the baseline deployment contributes nothing, samples match a recursive CTE', async () => {
      for (const repo of synth.commits.map((c) => c.repo).filter((r, i, a) => a.indexOf(r) === i)) {
        const deps = await q(sql<{ deployment_id: string; commit_sha: string }>`
          select deployment_id, commit_sha from metrics_deployments where repo = ${repo} and environment = 'prod'
            and final_status = 'success' and not rolled_back order by finished_at, deployment_id`);
        if (deps.length < 2) continue;
        // Commits reachable from the last successful deployment minus those reachable from the first.
        const [c] = await q(sql<{ n: number }>`
          with recursive up(sha) as (
            select ${deps[deps.length - 1]!.commit_sha}::text
            union select unnest(c.parents) from commits c join up on c.sha = up.sha and c.repo = ${repo}
          ), base(sha) as (
            select ${deps[0]!.commit_sha}::text
            union select unnest(c.parents) from commits c join base on c.sha = base.sha and c.repo = ${repo}
          )
          select count(*)::int as n from up where sha not in (select sha from base) and sha in (select sha from commits where repo = ${repo})`);
        const [s] = await q(sql<{ n: number; neg: number; first: number }>`
          select count(*)::int as n, count(*) filter (where lead_time_s < 0)::int as neg,
                 count(*) filter (where deployment_id = ${deps[0]!.deployment_id})::int as first
          from metrics_lead_times where repo = ${repo} and environment = 'prod'`);
        expect(s!.n).toBe(c!.n);
        expect(s!.first).toBe(0);
        expect(s!.neg).toBe(0);
      }
      const d = await getJson('/api/v1/metrics/dora?window=30');
      const [m] = await q(sql<{ m: number }>`select percentile_disc(0.5) within group (order by lead_time_s) as m from metrics_lead_times
        where environment in ('prod','production') and deployed_at >= ${since} and deployed_at < ${NOW}`);
      // Approximate by the sketch's definition (daily quarter-octave histograms), stated in the report.
      expect(d.total.lead_time_median_s).toBe(approximate(Number(m!.m) * 1000, LEAD_LAST) / 1000);
      expect(Math.abs(d.total.lead_time_median_s - Number(m!.m))).toBeLessThanOrEqual(Number(m!.m) * REL_ERROR + 0.5);
      expect(d.definitions.percentiles).toMatch(/lead time: approximate .* time to restore: exact/);
      // Never a months-long lead time on 12 days of synthetic history with commits 30 days older.
      const [mx] = await q(sql<{ m: number }>`select max(lead_time_s) as m from metrics_lead_times`);
      expect(Number(mx!.m)).toBeLessThan(14 * 86_400);
    });

    it('readiness: CI over the last 10 main runs, coverage from test_summaries; SARIF lowers security; incomplete until lint arrives', async () => {
      const repo = synth.records[0]!.repo;
      const r0 = (await getJson(`/api/v1/metrics/readiness?repo=${repo}`)).items[0];
      const last = await q(sql<{
        status: string;
        run_id: string;
      }>`select status, run_id from runs where repo = ${repo} and branch = 'main' and environment is null
        and status in ('success','failed') order by started_at desc, run_id desc limit 10`);
      const ci = r0.components.find((c: { id: string }) => c.id === 'ci');
      expect(ci.score).toBeCloseTo((100 * last.filter((x) => x.status === 'success').length) / last.length, 10);
      expect(r0.complete).toBe(false);
      expect(r0.missing).toEqual(['quality']);
      const [cov] = await q(sql<{ c: number }>`select t.coverage_lines as c from runs r join test_summaries t using (run_id)
        where r.repo = ${repo} and r.branch = 'main' and r.environment is null and t.coverage_lines is not null order by r.started_at desc, r.run_id desc limit 1`);
      expect(r0.components.find((c: { id: string }) => c.id === 'coverage').score).toBeCloseTo(Number(cov!.c) * 100, 10);
      const fx = (n: string) => readFileSync(new URL(`./fixtures/${n}`, import.meta.url));
      const post = (path: string, body: Buffer) =>
        app.inject({ method: 'POST', url: path, payload: body, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
      const sec = await post(`/api/v1/runs/${last[0]!.run_id}/sarif?category=security`, fx('security.sarif'));
      expect(sec.statusCode, sec.body).toBe(200);
      expect(sec.json().findings).toMatchObject([{ category: 'security', errors: 2, warnings: 2 }]);
      const lint = await post(`/api/v1/runs/${last[0]!.run_id}/lint`, fx('eslint.json'));
      expect(lint.json().findings).toMatchObject([{ category: 'quality', tool: 'ESLint', errors: 3, warnings: 2 }]);
      const r1 = (await getJson(`/api/v1/metrics/readiness?repo=${repo}`)).items[0];
      expect(r1.complete).toBe(true);
      const s1 = r1.components.find((c: { id: string }) => c.id === 'security');
      expect(s1.inputs.sarif_errors).toBe(2);
      expect(r1.components.find((c: { id: string }) => c.id === 'quality').score).toBe(100 - 3 * 10 - 2 * 1);
      const bad = await post(`/api/v1/runs/${last[0]!.run_id}/sarif`, Buffer.from('{"runs":[{"tool":{}}]}'));
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('E_REPORT_INVALID');
    });

    it('exports every dashboard table as CSV and JSON with the same rows', async () => {
      for (const t of [
        'pipelines',
        'jobs',
        'daily',
        'failures',
        'dora-groups',
        'dora-weekly',
        'deployments',
        'incidents',
        'readiness',
        'cost-weekly',
        'cost-repos',
      ]) {
        const json = await getJson(`/api/v1/metrics/export/${t}.json?window=30`);
        const res = await app.inject({ method: 'GET', url: `/api/v1/metrics/export/${t}.csv?window=30`, headers: { authorization: `Bearer ${token}` } });
        expect(res.headers['content-type']).toMatch(/text\/csv/);
        const lines = res.body.trimEnd().split('\r\n');
        expect(lines.length - 1, t).toBe(json.items.length);
        expect(json.items.length, t).toBeGreaterThan(0);
      }
      const missing = await app.inject({ method: 'GET', url: '/api/v1/metrics/export/nope.csv', headers: { authorization: `Bearer ${token}` } });
      expect(missing.statusCode).toBe(404);
      const badWindow = await app.inject({ method: 'GET', url: '/api/v1/metrics/health?window=5', headers: { authorization: `Bearer ${token}` } });
      expect(badWindow.statusCode).toBe(400);
    });

    it('scorecard: runs, cost per run and flake index of both windows agree with SQL over the raw runs, and follow a re-scored run', async () => {
      // Window 7 over 12 days of history: both windows have runs, and they meet at midnight.
      const from = new Date('2026-03-03T00:00:00Z');
      const before = new Date(from.getTime() - 7 * 86_400_000);
      const raw = async (from: Date, until: Date) =>
        q(sql<{ repo: string; n: number; idx: number | null; usd: number | null }>`
          select r.repo, count(*)::int as n, avg(r.flakiness_index)::float8 as idx, avg(c.usd)::float8 as usd
          from runs r left join costs c using (run_id) where r.started_at >= ${from} and r.started_at < ${until} group by 1 order by 1`);
      const check = async () => {
        const s = await getJson('/api/v1/metrics/scorecard?window=7');
        for (const [period, rows] of [
          ['now', await raw(from, NOW)],
          ['before', await raw(before, from)],
        ] as const) {
          expect(rows.length, period).toBeGreaterThan(0);
          for (const r of rows) {
            const p = s.rows.find((x: { repo: string }) => x.repo === r.repo)[period];
            expect(p.runs, `${period} ${r.repo}`).toBe(r.n);
            expect(p.flake_index, `${period} ${r.repo}`).toBeCloseTo(Number(r.idx), 12);
            if (r.usd !== null) expect(p.usd_per_run, `${period} ${r.repo}`).toBeCloseTo(Number(r.usd), 9);
          }
        }
        return s;
      };
      const first = await check();
      // The compliance snapshot: each row's policy figures are its readiness security component's inputs.
      const ready = (await getJson('/api/v1/metrics/readiness')).items as Array<{
        repo: string;
        components: Array<{ id: string; score: number | null; inputs: { deny?: number; warn?: number; sarif_errors?: number } }>;
      }>;
      let withPolicies = 0;
      for (const row of first.rows) {
        const sec = ready.find((r) => r.repo === row.repo)?.components.find((c) => c.id === 'security');
        if (!sec || sec.score === null) expect(row.security, row.repo).toBeNull();
        else {
          withPolicies++;
          expect(row.security).toEqual({ score: sec.score, policy_deny: sec.inputs.deny, policy_warn: sec.inputs.warn, sarif_errors: sec.inputs.sarif_errors });
        }
      }
      expect(withPolicies).toBeGreaterThan(0);
      // A later test report re-scores a run (the tests pillar sets flakiness_index and updated_at).
      const [run] = await q(sql<{ run_id: string; repo: string }>`select run_id, repo from runs where started_at >= ${from} order by run_id limit 1`);
      await sql`update runs set flakiness_index = 0.75, updated_at = now() where run_id = ${run!.run_id}`.execute(hub.db);
      const second = await check();
      const idx = (s: { rows: { repo: string; now: { flake_index: number } }[] }) => s.rows.find((x) => x.repo === run!.repo)!.now.flake_index;
      expect(idx(second)).toBeGreaterThan(idx(first));
    });

    it('Prometheus: the DORA series on /metrics agree with the store', async () => {
      const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } });
      const text = res.body;
      const [c] = await q(
        sql<{
          repo: string;
          n: number;
        }>`select repo, count(*)::int as n from metrics_deployments where environment = 'prod' and final_status = 'success' and not rolled_back group by 1 order by 1 limit 1`,
      );
      expect(text).toContain(`cicd_deployment_frequency_total{service="${c!.repo}",environment="prod"} ${c!.n}`);
      expect(text).toMatch(/# TYPE cicd_lead_time_seconds histogram/);
      expect(text).toMatch(/cicd_lead_time_seconds_bucket\{service="[^"]+",environment="prod",le="\+Inf"\} \d+/);
      expect(text).toMatch(/cicd_change_failure_rate\{service="[^"]+",environment="prod"\} [0-9.]+/);
      expect(text).toMatch(/cicd_mean_time_to_restore_seconds_count/);
      // Histogram buckets are cumulative counts of the materialized samples.
      const [l] = await q(sql<{ day: number; all: number; sum: number }>`select count(*) filter (where lead_time_s <= 86400)::int as day, count(*)::int as all,
        sum(lead_time_s)::float8 as sum from metrics_lead_times where repo = ${c!.repo} and environment = 'prod'`);
      const series = (name: string, le?: string) =>
        Number(new RegExp(`^${name}\\{service="${c!.repo}",environment="prod"${le ? `,le="${le.replace('+', '\\+')}"` : ''}\\} (\\S+)$`, 'm').exec(text)?.[1]);
      expect(l!.all).toBeGreaterThan(0);
      expect(series('cicd_lead_time_seconds_bucket', '86400')).toBe(l!.day);
      expect(series('cicd_lead_time_seconds_bucket', '+Inf')).toBe(l!.all);
      expect(series('cicd_lead_time_seconds_count')).toBe(l!.all);
      expect(series('cicd_lead_time_seconds_sum')).toBeCloseTo(l!.sum, 3);
      const [f] = await q(sql<{ r: number }>`select (count(*) filter (where final_status = 'failed' or rolled_back))::float8
          / nullif(count(*) filter (where final_status in ('success', 'failed') or rolled_back), 0) as r
        from metrics_deployments where repo = ${c!.repo} and environment = 'prod' and finished_at >= ${new Date(NOW.getTime() - 30 * 86_400_000)}`);
      expect(series('cicd_change_failure_rate')).toBeCloseTo(Number(f!.r), 12);
      // reason = the rollback reason as reported, its numbers replaced by # (counted here in JS from the raw reports).
      const reasons = await q(
        sql<{ reason: string; deployment_id: string }>`select rollback_reason as reason, deployment_id from deployments
          where repo = ${c!.repo} and environment = 'prod' and rollback_reason is not null`,
      );
      const byReason = new Map<string, Set<string>>();
      for (const r of reasons) {
        const k = r.reason
          .trim()
          .replace(/\d+(?:[.,]\d+)?/g, '#')
          .slice(0, 120);
        byReason.set(k, (byReason.get(k) ?? new Set()).add(r.deployment_id));
      }
      expect(byReason.size).toBeGreaterThan(0);
      for (const [reason, deps] of byReason)
        expect(text).toContain(`cicd_rollback_total{service="${c!.repo}",environment="prod",reason="${reason}"} ${deps.size}`);
      expect(text).not.toMatch(/cicd_rollback_total\{[^}]*reason="canary"\}/);
      expect(text).toMatch(/ci_intel_release_readiness_score\{service="[^"]+"\} [0-9.]+/);
    });

    it('Prometheus: the quality, rollout and feature-flag series of seed 004 agree with the store', async () => {
      const text = (await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } })).body;
      const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}()|.+*?[\]]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
      // Latest run per repository (by end, then id) with tests / with line coverage, picked in JS.
      const rows = await q(
        sql<{ repo: string; run_id: string; at: Date; total: number; failed: number; skipped: number | null; cov: number | null }>`
          select r.repo, r.run_id, coalesce(r.ended_at, r.started_at) as at, t.total, t.failed, t.skipped, t.coverage_lines as cov
          from runs r join test_summaries t on t.run_id = r.run_id`,
      );
      const latest = (keep: (r: (typeof rows)[number]) => boolean) => {
        const best = new Map<string, (typeof rows)[number]>();
        for (const r of rows.filter(keep)) {
          const b = best.get(r.repo);
          const later =
            !b || new Date(r.at).getTime() > new Date(b.at).getTime() || (new Date(r.at).getTime() === new Date(b.at).getTime() && r.run_id > b.run_id);
          if (later) best.set(r.repo, r);
        }
        return best;
      };
      const withTests = latest((r) => r.total - (r.skipped ?? 0) > 0);
      expect(withTests.size).toBe(3);
      for (const [repo, r] of withTests) {
        const ran = r.total - (r.skipped ?? 0);
        expect(value(`cicd_test_pass_rate{service="${repo}",test_type="all"}`)).toBeCloseTo((ran - r.failed) / ran, 12);
      }
      const withCov = latest((r) => r.cov !== null);
      expect(withCov.size).toBeGreaterThan(0);
      for (const [repo, r] of withCov) expect(value(`cicd_test_coverage_percent{service="${repo}"}`)).toBeCloseTo(100 * r.cov!, 2);
      // Rollout duration: per deployment, first report start → last report end, counted per (repo, strategy).
      const deps = await q(
        sql<{ repo: string; environment: string; deployment_id: string; strategy: string | null; started_at: Date | null; finished_at: Date | null }>`
          select repo, environment, deployment_id, strategy, started_at, finished_at from deployments`,
      );
      const groups = new Map<string, { repo: string; strategy: string; start: number; end: number | null }>();
      for (const d of deps) {
        const k = `${d.repo}|${d.environment}|${d.deployment_id}`;
        const g = groups.get(k) ?? { repo: d.repo, strategy: 'unknown', start: Infinity, end: null };
        if (d.strategy) g.strategy = d.strategy > g.strategy || g.strategy === 'unknown' ? d.strategy : g.strategy;
        const fin = d.finished_at ? new Date(d.finished_at).getTime() : null;
        const st = d.started_at ? new Date(d.started_at).getTime() : fin;
        if (st !== null) g.start = Math.min(g.start, st);
        if (fin !== null) g.end = Math.max(g.end ?? -Infinity, fin);
        groups.set(k, g);
      }
      const counts = new Map<string, { n: number; within10m: number }>();
      for (const g of groups.values()) {
        if (g.end === null) continue;
        const k = `${g.repo}|${g.strategy}`;
        const c = counts.get(k) ?? { n: 0, within10m: 0 };
        c.n++;
        if ((g.end - g.start) / 1000 <= 600) c.within10m++;
        counts.set(k, c);
      }
      expect(counts.size).toBeGreaterThan(0);
      for (const [k, c] of counts) {
        const [repo, strategy] = k.split('|');
        expect(value(`cicd_rollout_duration_seconds_count{service="${repo}",strategy="${strategy}"}`)).toBe(c.n);
        expect(value(`cicd_rollout_duration_seconds_bucket{service="${repo}",strategy="${strategy}",le="600"}`)).toBe(c.within10m);
      }
      // Feature flags of the Unleash export: 1 enabled, 2 disabled, 1 stale; age from createdAt.
      expect(value('cicd_feature_flag_count{state="enabled"}')).toBe(1);
      expect(value('cicd_feature_flag_count{state="disabled"}')).toBe(2);
      expect(value('cicd_feature_flag_count{state="stale"}')).toBe(1);
      expect(value('cicd_feature_flag_age_days{flag_name="ops.maintenance-banner"}')).toBeCloseTo(0.48, 2);
      expect(value('cicd_feature_flag_age_days{flag_name="legacy.old-cart"}')).toBeCloseTo(272.92, 2);
    });
  },
  { now: () => NOW, pillars: [metricsPillar] },
);
