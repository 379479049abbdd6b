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
import { bucketSql } from './sketch.js';
import type { MetricsDb } from './dora-store.js';
import type { RollupTables } from './tables.js';

const branchKey = (col: string, defaults: string[]) =>
  defaults.length ? sql`(case when ${sql.raw(col)} in (${sql.join(defaults)}) then ${sql.raw(col)} else '*' end)` : sql`'*'`;

const KEYS = ['day', 'repo', 'workflow', 'environment', 'branch'];

/**
 * Sparse histogram text per group: "bucket:count" pairs in bucket order, from the per-row bucket
 * column `col` of the CTE `base` (empty when no row has a value).
 */
function histCte(name: string, col: string, keys: string[]): RawBuilder<unknown> {
  const k = keys.join(', ');
  return sql.raw(`${name} as (
      select ${k}, string_agg(${col}::text || ':' || n::text, ',' order by ${col}) as h
      from (select ${k}, ${col}, count(*) as n from base where ${col} is not null group by ${k}, ${col}) x
      group by ${k})`);
}

/**
 * Run facts per (day, repo, workflow, environment, branch key) over `runs r` rows satisfying `where`
 * (finished runs only in the duration histogram; every run with a queue time in the queue one).
 */
export function runRollupSelect(where: RawBuilder<boolean>, defaults: string[]): RawBuilder<Record<string, unknown>> {
  const dur = sql`(case when r.status in ('success','failed','canceled','skipped') then r.duration_ms end)`;
  const k = KEYS.join(', ');
  return sql`
    with base as (
      select (r.started_at at time zone 'UTC')::date as day, r.repo, r.workflow,
        coalesce(r.environment, '') as environment, ${branchKey('r.branch', defaults)} as branch,
        r.run_id, r.status, r.flakiness_index,
        (r.attempt > 1 or exists (select 1 from jobs j where j.run_id = r.run_id and j.attempt > 1)) as retried,
        ${bucketSql(dur)} as bd, ${bucketSql(sql`r.queue_ms`)} as bq
      from runs r where ${where}
    ),
    agg as (
      select ${sql.raw(k)},
        count(*)::int as runs,
        count(*) filter (where b.status = 'success')::int as success,
        count(*) filter (where b.status = 'failed')::int as failed,
        count(*) filter (where b.status = 'canceled')::int as canceled,
        count(*) filter (where b.retried)::int as retried,
        coalesce(sum(c.usd), 0)::float8 as usd,
        coalesce(sum(c.carbon_g_co2e), 0)::float8 as carbon_g,
        coalesce(sum(c.energy_kwh), 0)::float8 as kwh,
        coalesce(sum(c.cpu_seconds), 0)::float8 as cpu_s,
        count(c.usd)::int as cost_runs,
        count(c.carbon_g_co2e)::int as carbon_runs,
        coalesce(sum(b.flakiness_index), 0)::float8 as flake_sum,
        count(b.flakiness_index)::int as flake_runs
      from base b left join costs c on c.run_id = b.run_id
      group by ${sql.raw(k)}
    ),
    ${histCte('dh', 'bd', KEYS)},
    ${histCte('qh', 'bq', KEYS)}
    select agg.*, coalesce(dh.h, '') as dur_hist, coalesce(qh.h, '') as queue_hist
    from agg left join dh using (${sql.raw(k)}) left join qh using (${sql.raw(k)})`;
}

export function jobRollupSelect(where: RawBuilder<boolean>, defaults: string[]): RawBuilder<Record<string, unknown>> {
  const keys = [...KEYS, 'job'];
  const k = keys.join(', ');
  return sql`
    with base as (
      select (r.started_at at time zone 'UTC')::date as day, r.repo, r.workflow,
        coalesce(r.environment, '') as environment, ${branchKey('r.branch', defaults)} as branch, j.name as job,
        j.status, j.attempt, ${bucketSql(sql`j.duration_ms`)} as bd, ${bucketSql(sql`j.queue_ms`)} as bq
      from jobs j join runs r on r.run_id = j.run_id
      where ${where}
    ),
    agg as (
      select ${sql.raw(k)},
        count(*)::int as executions,
        count(*) filter (where status = 'failed')::int as failed,
        count(*) filter (where attempt > 1)::int as retried
      from base group by ${sql.raw(k)}
    ),
    ${histCte('dh', 'bd', keys)},
    ${histCte('qh', 'bq', keys)}
    select agg.*, coalesce(dh.h, '') as dur_hist, coalesce(qh.h, '') as queue_hist
    from agg left join dh using (${sql.raw(k)}) left join qh using (${sql.raw(k)})`;
}

const RUN_COLS = [
  'day',
  'repo',
  'workflow',
  'environment',
  'branch',
  'runs',
  'success',
  'failed',
  'canceled',
  'retried',
  'usd',
  'carbon_g',
  'kwh',
  'cpu_s',
  'cost_runs',
  'carbon_runs',
  'flake_sum',
  'flake_runs',
  'dur_hist',
  'queue_hist',
];

const JOB_COLS = ['day', 'repo', 'workflow', 'environment', 'branch', 'job', 'executions', 'failed', 'retried', 'dur_hist', 'queue_hist'];

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
    on conflict (repo, failed_run_id) do update set restored_at = excluded.restored_at, restore_s = excluded.restore_s, failed_at = excluded.failed_at`.execute(
    db,
  );
}
