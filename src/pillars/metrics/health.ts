// Run health and cost (issue 8; seed 000 metrics dictionary; seed 001 "Time Budget Allocation"),
// answered from the daily rollups (rollup.ts). Definitions:
// - success rate = success / (success + failed); canceled, skipped and unfinished runs count in neither;
// - percentiles are approximate (sketch.ts): the nearest-rank value's quarter-octave bucket,
//   within ±9.05 % of the exact nearest-rank percentile;
// - a run is retried when it is a re-run (`attempt > 1`) or any of its jobs ran more than once;
//   a job's retry rate is its executions with attempt > 1 over all its executions;
// - MTTR (seed 000): median time from a failed run's end to the end of the next successful run of
//   the same repo, workflow, branch and environment; consecutive failures are one incident, counted
//   in the window of its first failure (exact nearest-rank median);
// - stage time vs budget: a job's p50 against the seed 001 target, its p95 against the maximum;
// - cost and carbon: sums of the runs' `cost.usd`, `carbon_g_co2e`, `energy.kwh`, per run over the
//   runs that reported them.
import { sql, type RawBuilder } from 'kysely';
import { and, environmentsOf, isoDay, repoAccess, windowOf, type Filters } from './filters.js';
import type { MetricsConfig, StageBudget } from './config.js';
import type { MetricsDb } from './dora-store.js';
import { jobRollupSelect, runRollupSelect } from './rollup.js';
import { parseHist, percentileOf } from './sketch.js';
import { minutesOf } from './minutes.js';

/** True when the branch filter names a branch the rollups keep apart. */
const rolledBranch = (f: Filters, cfg: MetricsConfig) => !f.branch || cfg.defaultBranches.includes(f.branch);

/**
 * The rollup rows the filters select, as a FROM source aliased `d`: the rollup table, or — for a
 * branch the rollups fold into `*` — the same rollup computed over that branch's raw runs.
 */
export function source(kind: 'run' | 'job', f: Filters, now: Date, cfg: MetricsConfig): RawBuilder<unknown> {
  const w = windowOf(f, now);
  const envs = environmentsOf(f.environment, cfg.productionEnvironments);
  if (rolledBranch(f, cfg)) {
    const parts: RawBuilder<boolean>[] = [
      sql<boolean>`d.day >= ${isoDay(w.since)}::date`,
      // The last day the window touches: `until` is exclusive, so a window ending at midnight (the
      // scorecard's previous window) stops the day before.
      sql<boolean>`d.day <= ${isoDay(new Date(w.until.getTime() - 1))}::date`,
      repoAccess('d.repo', f.repoRegexes),
    ];
    if (f.repo) parts.push(sql<boolean>`d.repo = ${f.repo.toLowerCase()}`);
    if (f.workflow) parts.push(sql<boolean>`d.workflow = ${f.workflow}`);
    if (f.branch) parts.push(sql<boolean>`d.branch = ${f.branch}`);
    if (envs) parts.push(sql<boolean>`d.environment in (${sql.join(envs)})`);
    return sql`${sql.raw(kind === 'run' ? 'metrics_run_daily' : 'metrics_job_daily')} d where ${and(parts)}`;
  }
  const parts: RawBuilder<boolean>[] = [
    sql<boolean>`r.started_at >= ${w.since}`,
    sql<boolean>`r.started_at < ${w.until}`,
    sql<boolean>`r.branch = ${f.branch!}`,
    repoAccess('r.repo', f.repoRegexes),
  ];
  if (f.repo) parts.push(sql<boolean>`r.repo = ${f.repo.toLowerCase()}`);
  if (f.workflow) parts.push(sql<boolean>`r.workflow = ${f.workflow}`);
  if (envs) parts.push(sql<boolean>`r.environment in (${sql.join(envs)})`);
  const inner = kind === 'run' ? runRollupSelect(and(parts), cfg.defaultBranches) : jobRollupSelect(and(parts), cfg.defaultBranches);
  return sql`(${inner}) d`;
}

const sums = (cols: string[]) =>
  sql.join(
    cols.map((c) => sql`sum(d.${sql.raw(c)})::int as ${sql.raw(c)}`),
    sql`, `,
  );
/** The merged histograms of the group: the rows' sparse "bucket:count" texts, concatenated. */
const HISTS = sql`string_agg(nullif(d.dur_hist, ''), ',') as dh, string_agg(nullif(d.queue_hist, ''), ',') as qh`;

const histOf = (r: Record<string, unknown>, key: 'd' | 'q') => parseHist(r[key === 'd' ? 'dh' : 'qh']);
const rate = (a: number, b: number): number | null => (b > 0 ? a / b : null);

export interface RunStats {
  repo: string;
  workflow: string;
  runs: number;
  success: number;
  failed: number;
  canceled: number;
  success_rate: number | null;
  duration_p50_ms: number | null;
  duration_p95_ms: number | null;
  queue_p50_ms: number | null;
  queue_p95_ms: number | null;
  retried: number;
  retry_rate: number | null;
  mttr_median_s: number | null;
  /** The same median in minutes (seed 000's unit for MTTR). */
  mttr_median_min: number | null;
  recoveries: number;
  usd: number;
  carbon_g: number;
  kwh: number;
  usd_per_run: number | null;
  carbon_g_per_run: number | null;
}

function toStats(r: Record<string, unknown>): RunStats {
  const runs = Number(r.runs ?? 0);
  const success = Number(r.success ?? 0);
  const failed = Number(r.failed ?? 0);
  const retried = Number(r.retried ?? 0);
  const d = histOf(r, 'd');
  const q = histOf(r, 'q');
  const costRuns = Number(r.cost_runs ?? 0);
  const carbonRuns = Number(r.carbon_runs ?? 0);
  return {
    repo: String(r.repo ?? ''),
    workflow: String(r.workflow ?? ''),
    runs,
    success,
    failed,
    canceled: Number(r.canceled ?? 0),
    success_rate: rate(success, success + failed),
    duration_p50_ms: percentileOf(d, 0.5),
    duration_p95_ms: percentileOf(d, 0.95),
    queue_p50_ms: percentileOf(q, 0.5),
    queue_p95_ms: percentileOf(q, 0.95),
    retried,
    retry_rate: rate(retried, runs),
    mttr_median_s: null,
    mttr_median_min: null,
    recoveries: 0,
    usd: Number(r.usd ?? 0),
    carbon_g: Number(r.carbon_g ?? 0),
    kwh: Number(r.kwh ?? 0),
    usd_per_run: costRuns ? Number(r.usd ?? 0) / costRuns : null,
    carbon_g_per_run: carbonRuns ? Number(r.carbon_g ?? 0) / carbonRuns : null,
  };
}

const RUN_SUMS = ['runs', 'success', 'failed', 'canceled', 'retried', 'cost_runs', 'carbon_runs'];
const MONEY = sql`sum(d.usd)::float8 as usd, sum(d.carbon_g)::float8 as carbon_g, sum(d.kwh)::float8 as kwh, ${HISTS}`;

async function incidentMedians(db: MetricsDb, f: Filters, now: Date, cfg: MetricsConfig, byPipeline: boolean) {
  const w = windowOf(f, now);
  const parts: RawBuilder<boolean>[] = [
    sql<boolean>`i.failed_at >= ${w.since}`,
    sql<boolean>`i.failed_at < ${w.until}`,
    sql<boolean>`i.restore_s is not null`,
    repoAccess('i.repo', f.repoRegexes),
  ];
  if (f.repo) parts.push(sql<boolean>`i.repo = ${f.repo.toLowerCase()}`);
  if (f.workflow) parts.push(sql<boolean>`i.workflow = ${f.workflow}`);
  if (f.branch) parts.push(sql<boolean>`i.branch = ${f.branch}`);
  const envs = environmentsOf(f.environment, cfg.productionEnvironments);
  if (envs) parts.push(sql<boolean>`i.environment in (${sql.join(envs)})`);
  const keys = byPipeline ? sql`i.repo, i.workflow` : sql`'' as repo, '' as workflow`;
  return (
    await sql<{ repo: string; workflow: string; m: number | null; n: number }>`
      select ${keys}, percentile_disc(0.5) within group (order by i.restore_s) as m, count(*)::int as n
      from metrics_run_incidents i where ${and(parts)} ${byPipeline ? sql`group by i.repo, i.workflow` : sql``}`.execute(db)
  ).rows;
}

/** Totals and per-pipeline (repo, workflow) run health for the filters. */
/**
 * Run health in total and per pipeline; `pipelines: false` (the Overview, which shows the total
 * only) skips the per-pipeline sums and MTTR medians — half the statements of the answer.
 */
export async function runHealth(
  db: MetricsDb,
  f: Filters,
  now: Date,
  cfg: MetricsConfig,
  opts: { pipelines?: boolean } = {},
): Promise<{ total: RunStats; pipelines: RunStats[] }> {
  const src = source('run', f, now, cfg);
  const perPipeline = opts.pipelines !== false;
  const [rows, tot, inc, incTot] = await Promise.all([
    perPipeline
      ? sql<
          Record<string, unknown>
        >`select d.repo, d.workflow, ${sums(RUN_SUMS)}, ${MONEY} from ${src} group by d.repo, d.workflow order by d.repo, d.workflow`.execute(db)
      : { rows: [] as Record<string, unknown>[] },
    sql<Record<string, unknown>>`select ${sums(RUN_SUMS)}, ${MONEY} from ${src}`.execute(db),
    perPipeline ? incidentMedians(db, f, now, cfg, true) : [],
    incidentMedians(db, f, now, cfg, false),
  ]);
  const im = new Map(inc.map((x) => [`${x.repo}\u0000${x.workflow}`, x]));
  const withInc = (s: RunStats, m?: { m: number | null; n: number }) => ({
    ...s,
    mttr_median_s: m?.m === null || m?.m === undefined ? null : Number(m.m),
    mttr_median_min: minutesOf(m?.m === null || m?.m === undefined ? null : Number(m.m)),
    recoveries: m?.n ?? 0,
  });
  return {
    total: withInc(toStats(tot.rows[0] ?? {}), incTot[0]),
    pipelines: rows.rows.map((r) => withInc(toStats(r), im.get(`${String(r.repo)}\u0000${String(r.workflow)}`))),
  };
}

export interface DailyStats extends RunStats {
  day: string;
}

/** Per UTC day (trend charts) or per ISO week starting Monday (`week`). */
export async function runTrend(db: MetricsDb, f: Filters, now: Date, cfg: MetricsConfig, by: 'day' | 'week' = 'day'): Promise<DailyStats[]> {
  const key = by === 'day' ? sql`to_char(d.day, 'YYYY-MM-DD')` : sql`to_char(date_trunc('week', d.day), 'YYYY-MM-DD')`;
  const rows = (
    await sql<Record<string, unknown>>`select ${key} as k, ${sums(RUN_SUMS)}, ${MONEY} from ${source('run', f, now, cfg)} group by 1 order by 1`.execute(db)
  ).rows;
  return rows.map((r) => ({ ...toStats(r), day: String(r.k) }));
}

export interface JobStats {
  repo: string;
  workflow: string;
  job: string;
  executions: number;
  failed: number;
  failure_rate: number | null;
  retried: number;
  retry_rate: number | null;
  duration_p50_ms: number | null;
  duration_p95_ms: number | null;
  queue_p50_ms: number | null;
  queue_p95_ms: number | null;
  budget: BudgetCheck | null;
}

export interface BudgetCheck {
  stage: string;
  target_s: number;
  max_s: number;
  /** ok: p50 within target and p95 within max; over_target: p50 above target; over_max: p95 above max. */
  status: 'ok' | 'over_target' | 'over_max';
}

export function budgetFor(job: string, budgets: StageBudget[], p50ms: number | null, p95ms: number | null): BudgetCheck | null {
  const b = budgets.find((x) => new RegExp(x.match, 'i').test(job));
  if (!b || p50ms === null || p95ms === null) return null;
  const status = p95ms > b.max_s * 1000 ? 'over_max' : p50ms > b.target_s * 1000 ? 'over_target' : 'ok';
  return { stage: b.stage, target_s: b.target_s, max_s: b.max_s, status };
}

/** Per job name of each pipeline: executions (every attempt), failures, retries, percentiles, budget. */
export async function jobHealth(db: MetricsDb, f: Filters, now: Date, cfg: MetricsConfig): Promise<JobStats[]> {
  const rows = (
    await sql<Record<string, unknown>>`
      select d.repo, d.workflow, d.job, ${sums(['executions', 'failed', 'retried'])}, ${HISTS}
      from ${source('job', f, now, cfg)} group by d.repo, d.workflow, d.job order by d.repo, d.workflow, d.job`.execute(db)
  ).rows;
  return rows.map((r) => {
    const executions = Number(r.executions);
    const d = histOf(r, 'd');
    const q = histOf(r, 'q');
    const p50 = percentileOf(d, 0.5);
    const p95 = percentileOf(d, 0.95);
    return {
      repo: String(r.repo),
      workflow: String(r.workflow),
      job: String(r.job),
      executions,
      failed: Number(r.failed),
      failure_rate: rate(Number(r.failed), executions),
      retried: Number(r.retried),
      retry_rate: rate(Number(r.retried), executions),
      duration_p50_ms: p50,
      duration_p95_ms: p95,
      queue_p50_ms: percentileOf(q, 0.5),
      queue_p95_ms: percentileOf(q, 0.95),
      budget: budgetFor(String(r.job), cfg.budgets, p50, p95),
    };
  });
}

export interface FailedRun {
  run_id: string;
  repo: string;
  workflow: string;
  branch: string | null;
  commit_sha: string | null;
  environment: string | null;
  started_at: string;
  duration_ms: number | null;
  failed_jobs: string[];
}

/** The latest failed runs (the drill-down list), newest first; exact, read from the runs. */
export async function failedRuns(db: MetricsDb, f: Filters, now: Date, cfg: MetricsConfig, limit = 50): Promise<FailedRun[]> {
  const w = windowOf(f, now);
  const parts: RawBuilder<boolean>[] = [
    sql<boolean>`r.status = 'failed'`,
    sql<boolean>`r.started_at >= ${w.since}`,
    sql<boolean>`r.started_at < ${w.until}`,
    repoAccess('r.repo', f.repoRegexes),
  ];
  if (f.repo) parts.push(sql<boolean>`r.repo = ${f.repo.toLowerCase()}`);
  if (f.branch) parts.push(sql<boolean>`r.branch = ${f.branch}`);
  if (f.workflow) parts.push(sql<boolean>`r.workflow = ${f.workflow}`);
  const envs = environmentsOf(f.environment, cfg.productionEnvironments);
  if (envs) parts.push(sql<boolean>`r.environment in (${sql.join(envs)})`);
  const rows = (
    await sql<Record<string, unknown>>`
      select r.run_id, r.repo, r.workflow, r.branch, r.commit_sha, r.environment, r.started_at, r.duration_ms,
        coalesce((select array_agg(distinct j.name order by j.name) from jobs j where j.run_id = r.run_id and j.status = 'failed'), '{}') as failed_jobs
      from runs r where ${and(parts)}
      order by r.started_at desc, r.run_id desc limit ${limit}`.execute(db)
  ).rows;
  return rows.map((r) => ({
    run_id: String(r.run_id),
    repo: String(r.repo),
    workflow: String(r.workflow),
    branch: (r.branch as string | null) ?? null,
    commit_sha: (r.commit_sha as string | null) ?? null,
    environment: (r.environment as string | null) ?? null,
    started_at: new Date(r.started_at as Date).toISOString(),
    duration_ms: r.duration_ms === null ? null : Number(r.duration_ms),
    failed_jobs: (r.failed_jobs as string[]) ?? [],
  }));
}
