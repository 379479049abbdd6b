// Daily rollups behind the dashboard (issue 8 "Targets": P95 <= 200 ms over 30 days of 20 repos ×
// 200 runs/day). A raw GROUP BY with percentiles over that much data takes 0.5–3.5 s on PGlite, so
// run and job facts are rolled up per UTC day and (repo, workflow, environment, branch), with
// duration and queue histograms (sketch.ts) instead of raw values. Branches outside the default
// ones (main, master, trunk) share one rollup key `*`; a filter on such a branch reads the raw runs
// through the same SQL (`runRollupSelect` over a filtered source), so both paths agree by definition.
//
// Freshness: rows are recomputed per touched (repo, day) — found through `runs.updated_at`, which
// every writer of runs sets — under a watermark kept in metrics_rollup_state. Replacing a run
// whose start moved to another day leaves its old day counted until that day is touched again.
import { sql, type RawBuilder } from 'kysely';
import type { Migration } from '../../core/db/migrate.js';
import { BUCKETS, bucketSql, histColumns } from './sketch.js';
import type { MetricsDb } from './dora-store.js';

const D = histColumns('d');
const Q = histColumns('q');
const histDdl = [...D, ...Q].map((c) => `  ${c} integer not null default 0,`).join('\n');

export const rollupMigrations: Migration[] = [
  {
    id: 'metrics-0002-rollups',
    up: `
create table metrics_run_daily (
  day date not null,
  repo text not null,
  workflow text not null,
  environment text not null,
  branch text not null,
  runs integer not null,
  success integer not null,
  failed integer not null,
  canceled integer not null,
  retried integer not null,
  usd double precision not null,
  carbon_g double precision not null,
  kwh double precision not null,
  cpu_s double precision not null,
  cost_runs integer not null,
  carbon_runs integer not null,
${histDdl}
  primary key (day, repo, workflow, environment, branch)
);
create index metrics_run_daily_repo_idx on metrics_run_daily (repo, day);

create table metrics_job_daily (
  day date not null,
  repo text not null,
  workflow text not null,
  environment text not null,
  branch text not null,
  job text not null,
  executions integer not null,
  failed integer not null,
  retried integer not null,
${histDdl}
  primary key (day, repo, workflow, environment, branch, job)
);
create index metrics_job_daily_repo_idx on metrics_job_daily (repo, day);

create table metrics_run_incidents (
  repo text not null,
  workflow text not null,
  branch text not null,
  environment text not null,
  failed_run_id uuid not null,
  failed_at timestamptz not null,
  restored_at timestamptz,
  restore_s double precision,
  primary key (repo, failed_run_id)
);
create index metrics_run_incidents_failed_idx on metrics_run_incidents (failed_at);

create table metrics_rollup_state (
  id integer primary key,
  watermark timestamptz,
  refreshed_at timestamptz
);

create index metrics_runs_updated_idx on runs (updated_at);
create index metrics_jobs_retried_idx on jobs (run_id) where attempt > 1;
create index metrics_runs_branch_idx on runs (branch, started_at);
`,
  },
];

export type RollupTables = {
  metrics_run_daily: Record<string, unknown> & { day: string; repo: string };
  metrics_job_daily: Record<string, unknown> & { day: string; repo: string };
  metrics_run_incidents: {
    repo: string;
    workflow: string;
    branch: string;
    environment: string;
    failed_run_id: string;
    failed_at: Date;
    restored_at: Date | null;
    restore_s: number | null;
  };
  metrics_rollup_state: { id: number; watermark: Date | null; refreshed_at: Date | null };
};

const branchKey = (col: string, defaults: string[]) =>
  defaults.length ? sql`(case when ${sql.raw(col)} in (${sql.join(defaults)}) then ${sql.raw(col)} else '*' end)` : sql`'*'`;

/** Bucket counts from a per-row bucket column computed once (`bd` / `bq` in the inner select). */
function histSums(prefix: 'd' | 'q', col: string): RawBuilder<unknown> {
  return sql.join(
    Array.from({ length: BUCKETS }, (_, i) => sql.raw(`count(*) filter (where ${col} = ${i})::int as ${prefix}${i}`)),
    sql`, `,
  );
}

/**
 * Run facts per (day, repo, workflow, environment, branch key) over `runs r` rows satisfying `where`
 * (finished runs only in the duration histogram; every run with a queue time in the queue one).
 */
export function runRollupSelect(where: RawBuilder<boolean>, defaults: string[]): RawBuilder<Record<string, unknown>> {
  const dur = sql`(case when r.status in ('success','failed','canceled','skipped') then r.duration_ms end)`;
  return sql`
    select (r.started_at at time zone 'UTC')::date as day, r.repo, r.workflow,
      coalesce(r.environment, '') as environment, ${branchKey('r.branch', defaults)} as branch,
      count(*)::int as runs,
      count(*) filter (where r.status = 'success')::int as success,
      count(*) filter (where r.status = 'failed')::int as failed,
      count(*) filter (where r.status = 'canceled')::int as canceled,
      count(*) filter (where r.retried)::int as retried,
      coalesce(sum(c.usd), 0)::float8 as usd,
      coalesce(sum(c.carbon_g_co2e), 0)::float8 as carbon_g,
      coalesce(sum(c.energy_kwh), 0)::float8 as kwh,
      coalesce(sum(c.cpu_seconds), 0)::float8 as cpu_s,
      count(c.usd)::int as cost_runs,
      count(c.carbon_g_co2e)::int as carbon_runs,
      ${histSums('d', 'r.bd')},
      ${histSums('q', 'r.bq')}
    from (
      select r.run_id, r.started_at, r.repo, r.workflow, r.environment, r.branch, r.status,
        (r.attempt > 1 or exists (select 1 from jobs j where j.run_id = r.run_id and j.attempt > 1)) as retried,
        ${bucketSql(dur)} as bd, ${bucketSql(sql`r.queue_ms`)} as bq
      from runs r where ${where}
    ) r left join costs c on c.run_id = r.run_id
    group by 1, 2, 3, 4, 5`;
}

export function jobRollupSelect(where: RawBuilder<boolean>, defaults: string[]): RawBuilder<Record<string, unknown>> {
  return sql`
    select (r.started_at at time zone 'UTC')::date as day, r.repo, r.workflow,
      coalesce(r.environment, '') as environment, ${branchKey('r.branch', defaults)} as branch, j.name as job,
      count(*)::int as executions,
      count(*) filter (where j.status = 'failed')::int as failed,
      count(*) filter (where j.attempt > 1)::int as retried,
      ${histSums('d', 'j.bd')},
      ${histSums('q', 'j.bq')}
    from (select j.*, ${bucketSql(sql`j.duration_ms`)} as bd, ${bucketSql(sql`j.queue_ms`)} as bq from jobs j) j
    join runs r on r.run_id = j.run_id
    where ${where}
    group by 1, 2, 3, 4, 5, 6`;
}

const RUN_COLS = ['day', 'repo', 'workflow', 'environment', 'branch', 'runs', 'success', 'failed', 'canceled', 'retried', 'usd', 'carbon_g', 'kwh', 'cpu_s', 'cost_runs', 'carbon_runs', ...D, ...Q];
const JOB_COLS = ['day', 'repo', 'workflow', 'environment', 'branch', 'job', 'executions', 'failed', 'retried', ...D, ...Q];

/** How far back incidents are recomputed for a touched repo (the MTTR windows go to 90 days). */
const INCIDENT_HORIZON_DAYS = 120;
/** Margin under the watermark: a transaction that stamped updated_at earlier may commit later. */
const WATERMARK_MARGIN_MS = 10 * 60_000;

export interface RollupRefresh {
  touched: number;
  watermark: Date | null;
}

/** Recomputes the rollup rows and incidents of every (repo, day) whose runs changed. */
export async function refreshRollups(db: MetricsDb, defaults: string[], now: Date): Promise<RollupRefresh> {
  const rdb = db.withTables<RollupTables>();
  const state = await rdb.selectFrom('metrics_rollup_state').selectAll().where('id', '=', 1).executeTakeFirst();
  const top = (await sql<{ m: Date | null }>`select max(updated_at) as m from runs`.execute(db)).rows[0]?.m ?? null;
  if (!top) return { touched: 0, watermark: null };
  const wm = state?.watermark ? new Date(state.watermark) : null;
  if (wm && new Date(top).getTime() <= wm.getTime()) return { touched: 0, watermark: wm };
  const from = wm ? new Date(wm.getTime() - WATERMARK_MARGIN_MS) : null;
  const touched = (
    await sql<{ repo: string; day: string }>`
      select distinct repo, to_char((started_at at time zone 'UTC')::date, 'YYYY-MM-DD') as day
      from runs where ${from ? sql`updated_at > ${from}` : sql`true`} order by 1, 2`.execute(db)
  ).rows;
  const byRepo = new Map<string, string[]>();
  for (const t of touched) byRepo.set(t.repo, [...(byRepo.get(t.repo) ?? []), t.day]);
  for (const [repo, days] of byRepo) {
    await db.transaction().execute(async (trx) => {
      const where = sql<boolean>`r.repo = ${repo} and (r.started_at at time zone 'UTC')::date in (${sql.join(days.map((d) => sql`${d}::date`))})`;
      const dayList = sql.join(days.map((d) => sql`${d}::date`));
      await sql`delete from metrics_run_daily where repo = ${repo} and day in (${dayList})`.execute(trx);
      await sql`delete from metrics_job_daily where repo = ${repo} and day in (${dayList})`.execute(trx);
      await sql`insert into metrics_run_daily (${sql.join(RUN_COLS.map((c) => sql.id(c)))}) ${runRollupSelect(where, defaults)}`.execute(trx);
      await sql`insert into metrics_job_daily (${sql.join(JOB_COLS.map((c) => sql.id(c)))}) ${jobRollupSelect(where, defaults)}`.execute(trx);
      await refreshIncidents(trx as MetricsDb, repo, now);
    });
  }
  await rdb
    .insertInto('metrics_rollup_state')
    .values({ id: 1, watermark: new Date(top), refreshed_at: now })
    .onConflict((oc) => oc.column('id').doUpdateSet({ watermark: new Date(top), refreshed_at: now }))
    .execute();
  return { touched: touched.length, watermark: new Date(top) };
}

/**
 * Pipeline incidents of one repo (seed 000 MTTR): a failed run after a non-failed one (same
 * workflow, branch, environment) opens an incident; the next successful run's end closes it.
 */
async function refreshIncidents(db: MetricsDb, repo: string, now: Date): Promise<void> {
  const cutoff = new Date(now.getTime() - INCIDENT_HORIZON_DAYS * 86_400_000);
  await sql`delete from metrics_run_incidents where repo = ${repo} and failed_at >= ${cutoff}`.execute(db);
  await sql`
    insert into metrics_run_incidents (repo, workflow, branch, environment, failed_run_id, failed_at, restored_at, restore_s)
    select repo, workflow, branch, environment, run_id, ended_at, next_ok, extract(epoch from (next_ok - ended_at))::float8
    from (
      select r.repo, r.workflow, coalesce(r.branch, '') as branch, coalesce(r.environment, '') as environment, r.run_id, r.status, r.ended_at,
        lag(r.status) over w as prev,
        min(case when r.status = 'success' then r.ended_at end) over (w rows between current row and unbounded following) as next_ok
      from runs r
      where r.repo = ${repo} and r.status in ('success', 'failed') and r.ended_at is not null and r.started_at >= ${cutoff}
      window w as (partition by r.repo, r.workflow, coalesce(r.branch, ''), coalesce(r.environment, '') order by r.started_at, r.run_id)
    ) s
    where status = 'failed' and (prev is null or prev <> 'failed')
    on conflict (repo, failed_run_id) do update set restored_at = excluded.restored_at, restore_s = excluded.restore_s, failed_at = excluded.failed_at`.execute(db);
}
