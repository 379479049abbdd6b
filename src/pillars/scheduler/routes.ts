// HTTP API of the scheduler: the split of a repository's tests by its stored timings, the
// evaluation of the stored predictions, predicted vs actual per job, fairness per team.
import { Type } from 'typebox';
import { repoMatch, sql } from '../../core/db/index.js';
import { parseDuration, sinceInstant } from '../../core/duration.js';
import { CiError } from '../../core/errors.js';
import { assertRepo, repoRegexes, requirePrincipal } from '../../core/http/index.js';
import { typed, type HubApp } from '../../core/http/types.js';
import type { HubContext } from '../../core/registry.js';
import { schedulerConfig } from './config.js';
import { fairness } from './fairness.js';
import { prewarmPlan } from './prewarm.js';
import { SPLIT_UNITS, snapshotOf, splitTests, unitsOf, type SplitUnit, type TimingRun } from './split.js';
import { evaluate, WHOLE_RUN } from './store.js';
import { sdb, type SchedulerDb } from './tables.js';

/**
 * The per-test times of a repository's latest runs with test reports, one timing run per CI run.
 * They are the tests pillar's rows, read through SQL as domain data (docs/DECISIONS.md D-scheduler-2).
 */
export async function storedTimings(db: SchedulerDb, repo: string, runs: number): Promise<TimingRun[]> {
  const rows = (
    await sql<{
      run_id: string;
      test_id: string;
      suite: string | null;
      classname: string | null;
      name: string;
      file: string | null;
      duration_ms: number | null;
    }>`
    with latest as (
      select run_id, max(received_at) as at from tests_reports where repo = ${repo} group by run_id order by at desc, run_id desc limit ${runs}
    )
    select t.run_id, i.test_id, i.suite, i.classname, i.name, i.file, t.duration_ms
    from latest l
    join tests_results t on t.run_id = l.run_id
    join tests_ids i on i.test_key = t.test_key
    order by l.at, t.run_id, t.report_id, t.ordinal`.execute(db)
  ).rows;
  const byRun = new Map<string, TimingRun[number][]>();
  for (const r of rows) {
    let a = byRun.get(r.run_id);
    if (!a) byRun.set(r.run_id, (a = []));
    a.push({
      id: r.test_id,
      suite: r.suite,
      classname: r.classname,
      name: r.name,
      file: r.file,
      duration_ms: r.duration_ms === null ? null : Number(r.duration_ms),
    });
  }
  return [...byRun.values()];
}

const sinceQuery = (v: string | undefined, now: Date, dflt: number) => (v ? sinceInstant(v, now, 'since') : new Date(now.getTime() - dflt * 86_400_000));

export function schedulerRoutes(app: HubApp, ctx: HubContext): void {
  void app.register(async (plain) => {
    const scoped = typed(plain);
    scoped.get(
      '/api/v1/repos/:owner/:repo/split',
      {
        config: { scope: 'read' },
        schema: {
          summary:
            "Split a repository's tests into N shards by the timings of its latest test reports (longest first; tests without timings get a predicted time); the same inputs give the same plan (plan_hash)",
          tags: ['scheduler'],
          params: Type.Object({ owner: Type.String({ minLength: 1 }), repo: Type.String({ minLength: 1 }) }),
          querystring: Type.Object({
            shards: Type.Integer({ minimum: 1, maximum: 1000 }),
            index: Type.Optional(Type.Integer({ minimum: 0 })),
            by: Type.Optional(Type.Union(SPLIT_UNITS.map((u) => Type.Literal(u)))),
            tests: Type.Optional(Type.String({ description: 'test ids separated by commas or new lines; default: the latest report' })),
            runs: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
          }),
        },
      },
      async (req) => {
        const repo = `${req.params.owner}/${req.params.repo}`.toLowerCase();
        assertRepo(req, repo);
        const q = req.query;
        if (q.index !== undefined && q.index >= q.shards)
          throw new CiError('E_USAGE', `index ${q.index} is not a shard of ${q.shards}`, { where: 'index', hint: `use 0..${q.shards - 1}` });
        const by: SplitUnit = q.by ?? 'file';
        const timings = await storedTimings(sdb(ctx), repo, q.runs ?? schedulerConfig(ctx.config).splitHistoryRuns);
        const ids = q.tests ? q.tests.split(/[,\n]/) : timings.length ? unitsOf(timings[timings.length - 1]!, by) : [];
        if (!ids.length)
          throw new CiError('E_NOT_FOUND', `repository ${repo} has no test reports to split by`, {
            hint: 'upload reports (ci-intel tests parse FILE --hub ...) or pass tests=',
          });
        const plan = splitTests(ids, snapshotOf(timings), q.shards, by);
        const shards = plan.shards.map((s) => ({ ...s, estimate_ms: Math.round(s.estimate_ms) }));
        if (q.index !== undefined) return { repo, plan_hash: plan.plan_hash, shards_count: q.shards, ...shards[q.index]! };
        return { repo, ...plan, shards };
      },
    );

    scoped.get(
      '/api/v1/scheduler/eval',
      {
        config: { scope: 'read' },
        schema: {
          summary: 'Duration prediction error of the runs that ended (MAPE, share within 10 %) per job and overall, next to the mean of the last 3 runs',
          tags: ['scheduler'],
          querystring: Type.Object({ repo: Type.Optional(Type.String({ minLength: 1 })), since: Type.Optional(Type.String({ minLength: 1 })) }),
        },
      },
      async (req) => {
        const q = req.query;
        if (q.repo) assertRepo(req, q.repo.toLowerCase());
        return evaluate(sdb(ctx), {
          repo: q.repo,
          since: q.since ? sinceInstant(q.since, ctx.now(), 'since') : undefined,
          repoRegexes: q.repo ? null : repoRegexes(requirePrincipal(req)),
        });
      },
    );

    scoped.get(
      '/api/v1/scheduler/predictions',
      {
        config: { scope: 'read' },
        schema: {
          summary: 'Predicted (p50, p90) vs actual duration of the latest runs, oldest first, with the method and the error',
          tags: ['scheduler'],
          querystring: Type.Object({
            repo: Type.Optional(Type.String({ minLength: 1 })),
            job: Type.Optional(Type.String({ minLength: 1 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
          }),
        },
      },
      async (req) => {
        const q = req.query;
        let sel = sdb(ctx)
          .selectFrom('prediction_runs')
          .select(['run_id', 'repo', 'workflow', 'job', 'predicted_at', 'p50_ms', 'p90_ms', 'method', 'reason', 'actual_ms', 'ape', 'naive_ms']);
        if (q.repo) {
          assertRepo(req, q.repo.toLowerCase());
          sel = sel.where('repo', '=', q.repo.toLowerCase());
        } else {
          const res = repoRegexes(requirePrincipal(req));
          if (res) sel = sel.where(repoMatch(res));
        }
        sel = q.job ? sel.where('job', '=', q.job) : sel.where('job_key', '=', WHOLE_RUN);
        const rows = await sel
          .orderBy('predicted_at', 'desc')
          .orderBy('run_id', 'desc')
          .limit(q.limit ?? 500)
          .execute();
        return {
          predictions: rows.reverse().map((r) => ({
            ...r,
            predicted_at: new Date(r.predicted_at).toISOString(),
            actual_ms: r.actual_ms === null ? null : Number(r.actual_ms),
            ape_pct: r.ape === null ? null : Math.round(r.ape * 10000) / 100,
          })),
        };
      },
    );

    scoped.get(
      '/api/v1/scheduler/fairness',
      {
        config: { scope: 'read' },
        schema: {
          summary: "Queue time per team: each team's share of the queue time next to its share of the runs (fairness ratio 1 = waits its share)",
          tags: ['scheduler'],
          querystring: Type.Object({ since: Type.Optional(Type.String({ minLength: 1 })) }),
        },
      },
      async (req) => ({ teams: await fairness(ctx, { since: sinceQuery(req.query.since, ctx.now(), 30), repoRegexes: repoRegexes(requirePrincipal(req)) }) }),
    );

    scoped.get(
      '/api/v1/scheduler/prewarm',
      {
        config: { scope: 'read' },
        schema: {
          summary:
            'Runners to keep warm per class for a coming window: the jobs that started in the same slot of the previous weeks, each at its predicted duration',
          tags: ['scheduler'],
          querystring: Type.Object({
            at: Type.Optional(Type.String({ format: 'date-time' })),
            window: Type.Optional(Type.String({ minLength: 1, description: '30m, 1h (default 1h)' })),
            weeks: Type.Optional(Type.Integer({ minimum: 1, maximum: 26 })),
            repo: Type.Optional(Type.String({ minLength: 1 })),
          }),
        },
      },
      async (req) => {
        const q = req.query;
        if (q.repo) assertRepo(req, q.repo.toLowerCase());
        const windowMs = parseDuration(q.window ?? '1h', 'window')!;
        if (windowMs <= 0) throw new CiError('E_USAGE', 'window must be longer than 0', { where: 'window', hint: 'write it like 30m or 1h' });
        return prewarmPlan(sdb(ctx), {
          at: q.at ? new Date(q.at) : ctx.now(),
          windowMs,
          weeks: q.weeks ?? 4,
          repo: q.repo,
          repoRegexes: q.repo ? null : repoRegexes(requirePrincipal(req)),
        });
      },
    );
  });
}
