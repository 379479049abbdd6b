// The scheduler on the hub: predictions when runs arrive, errors when they end (the same figures
// as `scheduler replay` on the same history), /metrics, eval, and the split endpoint over stored
// test reports. Runs are real: this repository's vitest suite at real commits (fixtures/history).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from '../../core/db/index.js';
import { createToken } from '../../core/tokens.js';
import { describeEachStore, openTestHub, type TestHub } from '../../../test/support/stores.js';
import { capturingCli } from '../../../test/support/hub-app.js';
import { createApp, pillars } from '../../../test/support/assembled.js';
import { readHistoryLine, replay, type HistoryRun } from './replay.js';
import { evaluate, observeRun, WHOLE_RUN } from './store.js';
import { sdb } from './tables.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const hist = path.join(here, 'fixtures', 'history');
const lines = readFileSync(path.join(hist, 'history.jsonl'), 'utf8').trim().split('\n');
type H = { project: string; commit: string; commit_time: string; duration_ms: number; test_count: number; runner_type: string; junit: string };
const parsers = lines.map((l) => JSON.parse(l) as H).filter((o) => o.project === 'parsers');
const seed = JSON.parse(readFileSync(path.join(here, '..', '..', 'core', 'contract', 'fixtures', 'seed-example.fixed.v1.2.ndjson'), 'utf8').split('\n')[0]!);
const REPO = 'acme/suite';
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const NOW = new Date('2026-12-06T00:00:00Z');

function record(n: number, h: H): string {
  const r = structuredClone(seed);
  for (const k of ['environment', 'deployment_id', 'rollout_step', 'strategy', 'canary_metrics']) delete r[k];
  r.run_id = uuid(n);
  r.repo = REPO;
  r.branch = 'main';
  r.pr = null;
  r.commit_sha = h.commit;
  r.started_at = new Date(h.commit_time).toISOString();
  r.ended_at = new Date(Date.parse(h.commit_time) + h.duration_ms).toISOString();
  r.runner_type = 'self-hosted';
  r.jobs = [{ id: 'vitest', name: 'vitest', status: 'success', attempt: 1, duration_ms: h.duration_ms, queue_ms: 1000 }];
  r.tests = { ...r.tests, total: h.test_count, failed: 0, skipped: 0 };
  return JSON.stringify(r);
}

/** Posts run records (NDJSON) and waits until the scheduler has learnt them. */
async function postRuns(app: FastifyInstance, hub: TestHub, token: string, records: string[]): Promise<void> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/runs',
    payload: records.join('\n') + '\n',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
  });
  expect(res.statusCode, res.body).toBe(200);
  await hub.bus.drain(120_000);
}

/** The parsers history as run records of REPO. */
const ingestParsers = (app: FastifyInstance, hub: TestHub, token: string) =>
  postRuns(
    app,
    hub,
    token,
    parsers.map((h, i) => record(i + 1, h)),
  );

describeEachStore(
  'scheduler on the hub',
  (getHub) => {
    let hub: TestHub;
    let app: FastifyInstance;
    let token: string;
    beforeAll(async () => {
      hub = getHub();
      app = await createApp(hub, pillars);
      token = (await createToken(hub.db, { repoPatterns: ['acme/*'], scopes: ['ingest', 'read'], expiresAt: null })).token;
    });
    afterAll(async () => app?.close());
    const get = (url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

    it('predicts every run before learning from it: the stored error equals the replay of the same history', async () => {
      await ingestParsers(app, hub, token);
      const db = sdb(hub);
      const rows = await db.selectFrom('prediction_runs').selectAll().where('job_key', '=', WHOLE_RUN).orderBy('predicted_at').execute();
      expect(rows).toHaveLength(parsers.length);
      expect(rows.filter((r) => r.method === 'none')).toHaveLength(1);
      // The replay of the same runs (whole-run series: test_count and runner_type are the features both see).
      const runs = parsers.map((h, i) => readHistoryLine({ ...h, changed_files: undefined, runner_type: 'self-hosted', project: REPO }, i + 1) as HistoryRun);
      const rep = replay(runs);
      const ev = await evaluate(db, { repo: REPO });
      const whole = ev.series.find((s) => s.job === '(whole run)')!;
      expect(whole.scored).toBe(rep.overall.model.scored);
      expect(whole.mape_pct).toBeCloseTo(rep.overall.model.mape_pct!, 1);
      expect(whole.naive_mape_pct).toBeCloseTo(rep.overall.mean_of_last_3.mape_pct!, 1);
      expect(whole.within_10_pct).toBeCloseTo(rep.overall.model.within_10_pct!, 1);
      // the job series too, learnt alongside
      expect(ev.series.map((s) => s.job)).toEqual(['(whole run)', 'vitest']);
      // eval over the API says the same
      const api = (await get(`/api/v1/scheduler/eval?repo=${REPO}`)).json();
      expect(api.series).toEqual(ev.series);
      // /metrics publishes the rolling MAPE of the window (30 days before NOW covers the history)
      const m = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
      const line = m.body.split('\n').find((l) => l.startsWith(`ci_intel_scheduler_mape_percent{repo="${REPO}",predictor="model"}`));
      expect(line).toBeDefined();
      expect(Number(line!.split(' ').pop())).toBeCloseTo(rep.overall.model.mape_pct!, 1);
    });

    it('records the prediction when a run starts and its error only when it ends', async () => {
      const n = parsers.length + 1;
      const h: H = { ...parsers[parsers.length - 1]!, commit_time: '2026-12-05T23:00:00Z' };
      await postRuns(app, hub, token, [record(n, h)]);
      const db = sdb(hub);
      // replay the start: forget the run's prediction, mark it in progress, observe it, then finish it
      await sql`delete from prediction_runs where run_id = ${uuid(n)}`.execute(db);
      const model = await db.selectFrom('scheduler_models').selectAll().where('job', '=', '(whole run)').executeTakeFirstOrThrow();
      await sql`update runs set status = 'in_progress', duration_ms = null, ended_at = null where run_id = ${uuid(n)}`.execute(db);
      await sql`update jobs set status = 'in_progress', duration_ms = null where run_id = ${uuid(n)}`.execute(db);
      await observeRun(db, uuid(n), NOW);
      const started = await db
        .selectFrom('prediction_runs')
        .selectAll()
        .where('run_id', '=', uuid(n))
        .where('job_key', '=', WHOLE_RUN)
        .executeTakeFirstOrThrow();
      expect(started.actual_ms).toBeNull();
      expect(['model', 'fallback-median']).toContain(started.method);
      expect(started.p50_ms).toBeGreaterThan(0);
      expect(started.p90_ms).toBeGreaterThanOrEqual(started.p50_ms!);
      // nothing learnt from an unfinished run
      expect((await db.selectFrom('scheduler_models').select('runs').where('job', '=', '(whole run)').executeTakeFirstOrThrow()).runs).toBe(model.runs);
      await sql`update runs set status = 'success', duration_ms = ${h.duration_ms}, ended_at = ${NOW} where run_id = ${uuid(n)}`.execute(db);
      await observeRun(db, uuid(n), NOW);
      await observeRun(db, uuid(n), NOW); // idempotent: a redelivered event learns nothing twice
      const ended = await db.selectFrom('prediction_runs').selectAll().where('run_id', '=', uuid(n)).where('job_key', '=', WHOLE_RUN).executeTakeFirstOrThrow();
      expect(Number(ended.actual_ms)).toBe(h.duration_ms);
      expect(ended.p50_ms).toBe(started.p50_ms);
      expect(ended.ape).toBeCloseTo(Math.abs(started.p50_ms! - h.duration_ms) / h.duration_ms, 9);
      expect((await db.selectFrom('scheduler_models').select('runs').where('job', '=', '(whole run)').executeTakeFirstOrThrow()).runs).toBe(model.runs + 1);
    });

    it('publishes queue-time fairness per team on /metrics and the API: a team waiting more than its share of the runs is above 1', async () => {
      await sql`insert into teams (name, repo_patterns) values ('suite', ${['acme/suite']})`.execute(hub.db);
      // two runs of another repository, no team: counted under its owner, each waiting 45 s
      const other = [0, 1].map((i) => {
        const r = JSON.parse(record(2000 + i, parsers[i]!));
        return JSON.stringify({ ...r, repo: 'acme/other', queue_ms: 45_000 });
      });
      await postRuns(app, hub, token, other);
      const { teams } = (await get('/api/v1/scheduler/fairness')).json() as {
        teams: { team: string; runs: number; queue_ms: number; fairness_ratio: number }[];
      };
      expect(teams.map((t) => t.team)).toEqual(['acme/*', 'suite']);
      const [owner, suite] = teams as [(typeof teams)[0], (typeof teams)[0]];
      expect(owner.runs).toBe(2);
      expect(owner.queue_ms).toBe(90_000);
      const runs = owner.runs + suite.runs;
      const queue = owner.queue_ms + suite.queue_ms;
      expect(owner.fairness_ratio).toBeCloseTo(owner.queue_ms / queue / (owner.runs / runs), 9);
      expect(owner.fairness_ratio).toBeGreaterThan(1);
      expect(suite.fairness_ratio).toBeLessThan(1);
      // Team series name no repository: only a token for every repository sees them.
      const scoped = (await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } })).body;
      expect(scoped).not.toContain('ci_intel_scheduler_queue_fairness_ratio{');
      const all = (await createToken(hub.db, { repoPatterns: ['**'], scopes: ['read'], expiresAt: null })).token;
      const m = (await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${all}` } })).body.split('\n');
      const value = (prefix: string) =>
        Number(
          m
            .find((l) => l.startsWith(prefix))
            ?.split(' ')
            .pop(),
        );
      expect(value('ci_intel_scheduler_queue_fairness_ratio{team="acme/*"}')).toBeCloseTo(owner.fairness_ratio, 6);
      expect(value('ci_intel_scheduler_queue_fairness_ratio{team="suite"}')).toBeCloseTo(suite.fairness_ratio, 6);
      expect(value('ci_intel_scheduler_mean_queue_seconds{team="acme/*"}')).toBe(45);
    });

    it('pre-warms runners for a coming hour from the same hour of the previous weeks, each job at its predicted duration', async () => {
      const at = '2026-12-03T15:00:00Z';
      const ago = (days: number, minutes: number) => new Date(Date.parse(at) - days * 86_400_000 + minutes * 60_000).toISOString();
      const job = (name: string, machine: string, minutes: number) => ({
        id: name,
        name,
        status: 'success',
        attempt: 1,
        duration_ms: minutes * 60_000,
        queue_ms: 1000,
        machine: { class: machine },
      });
      // e2e (8 cores, 20 min): 3 starts in the slot a week ago, 1 two weeks ago, 2 four weeks ago;
      // lint (2 cores, 2 min): 2 starts a week ago; and starts outside the slot, which do not count.
      const starts: [string, ReturnType<typeof job>][] = [
        ...[5, 20, 40].map((m) => [ago(7, m), job('e2e', 'linux-8core', 20)] as [string, ReturnType<typeof job>]),
        [ago(14, 10), job('e2e', 'linux-8core', 20)],
        ...[0, 59].map((m) => [ago(28, m), job('e2e', 'linux-8core', 20)] as [string, ReturnType<typeof job>]),
        ...[15, 30].map((m) => [ago(7, m), job('lint', 'linux-2core', 2)] as [string, ReturnType<typeof job>]),
        [ago(7, 61), job('e2e', 'linux-8core', 20)],
        [ago(6, 0), job('e2e', 'linux-8core', 20)],
        [ago(7, -1), job('lint', 'linux-2core', 2)],
      ];
      const records = starts.map(([startedAt, j], i) => {
        const r = JSON.parse(record(3000 + i, parsers[0]!));
        return JSON.stringify({
          ...r,
          repo: 'acme/prewarm',
          started_at: startedAt,
          ended_at: new Date(Date.parse(startedAt) + j.duration_ms).toISOString(),
          jobs: [j],
        });
      });
      await postRuns(app, hub, token, records);
      const r = await get(`/api/v1/scheduler/prewarm?repo=acme/prewarm&at=${at}&window=1h&weeks=4`);
      expect(r.statusCode, r.body).toBe(200);
      const plan = r.json() as {
        weeks: number;
        runners: {
          runner: string;
          jobs_expected: number;
          busy_minutes_p90: number;
          mean_busy: number;
          warm: number;
          jobs: { series: string; p50_ms: number; predicted: boolean }[];
        }[];
      };
      expect(plan.weeks).toBe(4);
      // most runners to warm first, then by name: both need one here
      expect(plan.runners.map((x) => [x.runner, x.warm])).toEqual([
        ['linux-2core', 1],
        ['linux-8core', 1],
      ]);
      const [lint, e2e] = plan.runners as [(typeof plan.runners)[0], (typeof plan.runners)[0]];
      expect(e2e.jobs_expected).toBe(1.5); // 6 starts in the slot over 4 weeks
      expect(lint.jobs_expected).toBe(0.5);
      expect(e2e.jobs[0]).toMatchObject({ series: 'acme/prewarm / default / e2e', predicted: true });
      expect(Math.abs(e2e.jobs[0]!.p50_ms - 20 * 60_000)).toBeLessThan(60_000);
      expect(e2e.mean_busy).toBeCloseTo((1.5 * e2e.jobs[0]!.p50_ms) / 60_000 / 60, 1);
      expect(e2e.warm).toBe(Math.ceil(e2e.busy_minutes_p90 / 60));
      expect(e2e.warm).toBeGreaterThanOrEqual(1);
      // another repository's jobs are not this token's to see; a bad window is named
      expect((await get(`/api/v1/scheduler/prewarm?repo=other/repo&at=${at}`)).statusCode).toBe(403);
      const bad = await get(`/api/v1/scheduler/prewarm?repo=acme/prewarm&window=soon`);
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain('is not a duration');
    });

    it('splits the stored tests of a repository by their timings: every test of the latest report in exactly one shard', async () => {
      const reports = readFileSync(path.join(hist, 'history.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { project: string; junit: string })
        .filter((o) => o.project === 'parsers')
        .slice(-3);
      for (const [i, r] of reports.entries()) {
        const res = await app.inject({
          method: 'POST',
          url: `/api/v1/runs/${uuid(1000 + i)}/tests`,
          payload: readFileSync(path.join(hist, r.junit)),
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'content-encoding': 'gzip', 'x-ci-intel-repo': REPO },
        });
        expect(res.statusCode, res.body).toBe(200);
      }
      const plan = (await get(`/api/v1/repos/${REPO}/split?shards=4`)).json();
      expect(plan.shards).toHaveLength(4);
      const all = plan.shards.flatMap((s: { tests: string[] }) => s.tests);
      expect(new Set(all).size).toBe(all.length);
      expect(all.length).toBe(plan.tests);
      expect(plan.with_history).toBe(plan.tests);
      expect(plan.timing_runs).toBe(3);
      const one = (await get(`/api/v1/repos/${REPO}/split?shards=4&index=2`)).json();
      expect(one).toMatchObject({ plan_hash: plan.plan_hash, index: 2, tests: plan.shards[2].tests });
      const listed = (await get(`/api/v1/repos/${REPO}/split?shards=2&tests=${encodeURIComponent('src/new.test.ts,' + all[0])}`)).json();
      expect(listed).toMatchObject({ tests: 2, with_history: 1, predicted: 1 });
      expect((await get(`/api/v1/repos/other/repo/split?shards=2`)).statusCode).toBe(403);
      expect((await get(`/api/v1/repos/${REPO}/split?shards=2&index=5`)).statusCode).toBe(400);
    });
  },
  { now: () => NOW, pillars },
);

it('plans runners for a stored job from the command line: the cheapest within --target, the fastest when none is, none within a budget of 0', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-plan-'));
  try {
    const db = path.join(dir, 'db');
    const hub = await openTestHub('pglite', { pillars, now: () => NOW, config: (c) => (c.db = db) });
    const app = await createApp(hub, pillars);
    const { token } = await createToken(hub.db, { repoPatterns: ['acme/*'], scopes: ['ingest'], expiresAt: null });
    await ingestParsers(app, hub, token);
    await app.close();
    await hub.close();
    const cli = capturingCli({ now: () => NOW, pillars });
    const durations = parsers.map((h) => h.duration_ms);
    // The default overhead per shard is 30 s (checkout, install, start): a 40 s target is reachable.
    const ok = await cli(['scheduler', 'plan', '--repo', REPO, '--job', 'vitest', '--target', '40s', '--json', '--db', db]);
    expect(ok.code, ok.err).toBe(0);
    const plan = JSON.parse(ok.out);
    expect(plan).toMatchObject({ repo: REPO, job: 'vitest' });
    expect(plan.p50_ms).toBeGreaterThanOrEqual(Math.min(...durations));
    expect(plan.p50_ms).toBeLessThanOrEqual(Math.max(...durations));
    expect(plan.p90_ms).toBeGreaterThanOrEqual(plan.p50_ms);
    expect(plan.recommended.meets_target).toBe(true);
    expect(plan.recommended.wall_p90_ms).toBeLessThanOrEqual(40_000);
    for (const o of plan.options) if (o.meets_target) expect(o.usd).toBeGreaterThanOrEqual(plan.recommended.usd);
    // 20 s is below the overhead alone: the fastest option, saying so
    const tight = JSON.parse((await cli(['scheduler', 'plan', '--repo', REPO, '--job', 'vitest', '--target', '20s', '--json', '--db', db])).out);
    expect(tight.recommended.meets_target).toBe(false);
    expect(tight.why).toMatch(/no option meets the target/);
    for (const o of tight.options) expect(o.wall_p90_ms).toBeGreaterThanOrEqual(tight.recommended.wall_p90_ms);
    const broke = JSON.parse((await cli(['scheduler', 'plan', '--repo', REPO, '--job', 'vitest', '--budget', '0', '--json', '--db', db])).out);
    expect(broke.recommended).toBeNull();
    const text = await cli(['scheduler', 'plan', '--repo', REPO, '--job', 'vitest', '--target', '40s', '--db', db]);
    expect(text.out).toMatch(/^acme\/suite \/ vitest: predicted \d+ s \(p90 \d+ s, (model|fallback-median)\)\nrecommended: /);
    // pre-warm over whole weeks: every run of the last 4 weeks is in a slot
    const week = JSON.parse((await cli(['scheduler', 'prewarm', '--window', '1w', '--weeks', '4', '--json', '--db', db])).out);
    const inSlots = parsers.filter((h) => Date.parse(h.commit_time) >= NOW.getTime() - 28 * 86_400_000 && Date.parse(h.commit_time) < NOW.getTime()).length;
    expect(inSlots).toBeGreaterThan(20);
    expect(week.runners.map((x: { runner: string }) => x.runner)).toEqual(['self-hosted']);
    expect(week.runners[0].jobs_expected).toBeCloseTo(inSlots / 4, 2);
    const quiet = await cli(['scheduler', 'prewarm', '--at', '2020-01-06T09:00:00Z', '--db', db]);
    expect(quiet.out).toContain('nothing to pre-warm');
    const badWeeks = await cli(['scheduler', 'prewarm', '--weeks', '0', '--db', db]);
    expect(badWeeks.err).toContain('--weeks "0" is not valid');
    const none = await cli(['scheduler', 'plan', '--repo', REPO, '--job', 'deploy', '--db', db]);
    expect(none.code).not.toBe(0);
    expect(none.err).toContain('no finished run of job "deploy" in acme/suite yet');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
