// The scheduler's queries: a prediction when the hub first sees a run (queued, in progress or
// finished), the error when it ends, the model's O(1) update; the evaluation over stored rows.
import { repoMatch, sql } from '../../core/db/index.js';
import { DEFAULT_MODEL, emptyState, meanOfLast3, predict, update, type ModelOptions, type RunFeatures, type SeriesState } from './model.js';
import type { SchedulerDb } from './tables.js';

/** The series key of the whole run (no job): its rows have job_key '*'. */
export const WHOLE_RUN = '*';
export const WHOLE_RUN_NAME = '(whole run)';

const UNFINISHED = new Set(['queued', 'in_progress', 'pending', 'running', 'waiting', 'requested']);

interface Item {
  job_key: string;
  job: string;
  duration_ms: number | null;
  ended_at: Date | null;
  features: RunFeatures;
}

const parse = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

async function loadState(db: SchedulerDb, repo: string, workflow: string, job: string): Promise<SeriesState> {
  const row = await db
    .selectFrom('scheduler_models')
    .select('state')
    .where('repo', '=', repo)
    .where('workflow', '=', workflow)
    .where('job', '=', job)
    .executeTakeFirst();
  return row ? parse<SeriesState>(row.state) : emptyState();
}

/** Predicts the run's jobs (and the whole run) if not done yet, and records the error of those that ended. Idempotent. */
export async function observeRun(db: SchedulerDb, runId: string, now: Date, opts: ModelOptions = DEFAULT_MODEL): Promise<number> {
  const run = await db
    .selectFrom('runs as r')
    .leftJoin('test_summaries as ts', 'ts.run_id', 'r.run_id')
    .select(['r.repo', 'r.workflow', 'r.status', 'r.duration_ms', 'r.queue_ms', 'r.runner_type', 'r.ended_at', 'r.commit_sha', 'ts.total'])
    .where('r.run_id', '=', runId)
    .executeTakeFirst();
  if (!run) return 0;
  const jobs = await db
    .selectFrom('jobs')
    .select(['job_key', 'name', 'status', 'duration_ms', 'queue_ms', 'cache_hit', 'machine_class', 'ended_at'])
    .where('run_id', '=', runId)
    .orderBy('job_key')
    .execute();
  const testCount = run.total && run.total > 0 ? run.total : null;
  const hits = jobs.map((j) => j.cache_hit).filter((h): h is boolean => h !== null);
  const finished = (status: string, d: unknown) => !UNFINISHED.has(status) && d !== null && Number(d) > 0;
  const items: Item[] = [
    {
      job_key: WHOLE_RUN,
      job: WHOLE_RUN_NAME,
      duration_ms: finished(run.status, run.duration_ms) ? Number(run.duration_ms) : null,
      ended_at: run.ended_at ? new Date(run.ended_at) : null,
      features: {
        test_count: testCount,
        cache_hit: hits.length ? hits.every(Boolean) : null,
        runner_type: run.runner_type,
        queue_ms: run.queue_ms === null ? null : Number(run.queue_ms),
        commit: run.commit_sha,
      },
    },
    ...jobs.map((j) => ({
      job_key: j.job_key,
      job: j.name,
      duration_ms: finished(j.status, j.duration_ms) ? Number(j.duration_ms) : null,
      ended_at: j.ended_at ? new Date(j.ended_at) : null,
      features: {
        test_count: testCount,
        cache_hit: j.cache_hit,
        runner_type: j.machine_class ?? run.runner_type,
        queue_ms: j.queue_ms === null ? null : Number(j.queue_ms),
        commit: run.commit_sha,
      },
    })),
  ];
  const existing = new Map(
    (await db.selectFrom('prediction_runs').select(['job_key', 'p50_ms', 'actual_ms']).where('run_id', '=', runId).execute()).map((r) => [r.job_key, r]),
  );
  let changed = 0;
  for (const it of items) {
    const row = existing.get(it.job_key);
    if (row && row.actual_ms !== null) continue;
    let state = await loadState(db, run.repo, run.workflow, it.job);
    let p50 = row ? row.p50_ms : null;
    if (!row) {
      const p = predict(state, it.features, opts);
      p50 = p.method === 'none' ? null : p.p50_ms;
      await db
        .insertInto('prediction_runs')
        .values({
          run_id: runId,
          job_key: it.job_key,
          repo: run.repo,
          workflow: run.workflow,
          job: it.job,
          predicted_at: now,
          p50_ms: p50,
          p90_ms: p.method === 'none' ? null : p.p90_ms,
          method: p.method,
          reason: p.reason,
          features: JSON.stringify(it.features),
          actual_ms: null,
          ape: null,
          naive_ms: null,
          ended_at: null,
        })
        .onConflict((oc) => oc.columns(['run_id', 'job_key']).doNothing())
        .execute();
      changed++;
    }
    if (it.duration_ms === null) continue;
    const naive = meanOfLast3(state);
    state = update(state, it.features, it.duration_ms);
    await db
      .updateTable('prediction_runs')
      .set({
        actual_ms: it.duration_ms,
        ape: p50 === null ? null : Math.abs(p50 - it.duration_ms) / it.duration_ms,
        naive_ms: naive,
        ended_at: it.ended_at ?? now,
      })
      .where('run_id', '=', runId)
      .where('job_key', '=', it.job_key)
      .where('actual_ms', 'is', null)
      .execute();
    await db
      .insertInto('scheduler_models')
      .values({ repo: run.repo, workflow: run.workflow, job: it.job, state: JSON.stringify(state), runs: state.n, updated_at: now })
      .onConflict((oc) => oc.columns(['repo', 'workflow', 'job']).doUpdateSet({ state: JSON.stringify(state), runs: state.n, updated_at: now }))
      .execute();
    changed++;
  }
  return changed;
}

/** The runs of an NDJSON batch, oldest first (the model learns in time order). */
export async function runsOfBatch(db: SchedulerDb, recordKey: string): Promise<string[]> {
  const rows = await db.selectFrom('runs').select('run_id').where('record_key', '=', recordKey).orderBy('started_at').orderBy('run_id').execute();
  return rows.map((r) => r.run_id);
}

export interface EvalRow {
  repo: string;
  workflow: string;
  job: string;
  scored: number;
  mape_pct: number | null;
  within_10_pct: number | null;
  naive_mape_pct: number | null;
  naive_within_10_pct: number | null;
  fallback_runs: number;
}

export interface EvalReport {
  since: string | null;
  repo: string | null;
  series: EvalRow[];
  overall: Omit<EvalRow, 'repo' | 'workflow' | 'job'>;
}

const r2 = (x: number | null) => (x === null ? null : Math.round(Number(x) * 100) / 100);

/** MAPE and the share within 10 % of the stored predictions that ended, per series and overall, next to the mean of the last 3. */
export async function evaluate(db: SchedulerDb, q: { repo?: string; since?: Date; repoRegexes?: string[] | null }): Promise<EvalReport> {
  const where = [sql`actual_ms is not null and p50_ms is not null and naive_ms is not null`];
  if (q.repo) where.push(sql`repo = ${q.repo.toLowerCase()}`);
  if (q.since) where.push(sql`predicted_at >= ${q.since}`);
  if (q.repoRegexes) where.push(repoMatch(q.repoRegexes));
  const cond = sql.join(where, sql` and `);
  const agg = sql`count(*)::int as scored,
    avg(ape) * 100 as mape_pct,
    avg(case when ape <= 0.1 then 1.0 else 0.0 end) * 100 as within_10_pct,
    avg(abs(naive_ms - actual_ms) / actual_ms) * 100 as naive_mape_pct,
    avg(case when abs(naive_ms - actual_ms) / actual_ms <= 0.1 then 1.0 else 0.0 end) * 100 as naive_within_10_pct,
    count(*) filter (where method = 'fallback-median')::int as fallback_runs`;
  type Agg = Omit<EvalRow, 'repo' | 'workflow' | 'job'>;
  const rows = (
    await sql<EvalRow>`select repo, workflow, job, ${agg} from prediction_runs where ${cond} group by repo, workflow, job order by repo, workflow, job`.execute(
      db,
    )
  ).rows;
  const all = (await sql<Agg>`select ${agg} from prediction_runs where ${cond}`.execute(db)).rows[0]!;
  const fix = <T extends Agg>(r: T): T => ({
    ...r,
    mape_pct: r2(r.mape_pct),
    within_10_pct: r2(r.within_10_pct),
    naive_mape_pct: r2(r.naive_mape_pct),
    naive_within_10_pct: r2(r.naive_within_10_pct),
  });
  return { since: q.since ? q.since.toISOString() : null, repo: q.repo ?? null, series: rows.map(fix), overall: fix(all) };
}

/** Rolling MAPE (percent) per repository over predictions that ended since `since`. */
export async function rollingMape(db: SchedulerDb, since: Date): Promise<{ repo: string; mape_pct: number; naive_mape_pct: number; scored: number }[]> {
  return (
    await sql<{ repo: string; mape_pct: number; naive_mape_pct: number; scored: number }>`
    select repo, avg(ape) * 100 as mape_pct, avg(abs(naive_ms - actual_ms) / actual_ms) * 100 as naive_mape_pct, count(*)::int as scored
    from prediction_runs where ape is not null and naive_ms is not null and ended_at >= ${since} and job_key = ${WHOLE_RUN}
    group by repo order by repo`.execute(db)
  ).rows.map((r) => ({ ...r, mape_pct: Number(r.mape_pct), naive_mape_pct: Number(r.naive_mape_pct) }));
}
