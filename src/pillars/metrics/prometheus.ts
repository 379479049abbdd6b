// The DORA series of seed 004 §4.1 on the shared /metrics registry (the pipeline series
// `cicd_pipeline_*` belong to the sources pillar). Values are read from the store at scrape time
// (and cached for a few seconds), so every hub process behind a load balancer reports the same
// numbers. Labels: service = repository, environment = as reported.
//   cicd_deployment_frequency_total{service, environment}    counter   successful deployments, all history
//   cicd_lead_time_seconds{service, environment}             histogram commit → first successful deploy (exact ancestry)
//   cicd_change_failure_rate{service, environment}           gauge     failed / (successful + failed), last 30 days
//   cicd_mean_time_to_restore_seconds{service, environment}  histogram failed deployment → next successful one
//   cicd_rollback_total{service, environment, reason}        counter   deployments rolled back; reason = rollback_reason, numbers as #
//   cicd_test_pass_rate{service, test_type}                  gauge     passed / (total − skipped) of the latest run with tests; test_type="all"
//   cicd_test_coverage_percent{service}                      gauge     line coverage of the latest run that measured it, 0..100
//   cicd_rollout_duration_seconds{service, strategy}         histogram first report's start → last report's end of each finished deployment
//   cicd_feature_flag_count{state}                           gauge     feature flags by state (enabled, disabled, stale) from the last import
//   cicd_feature_flag_age_days{flag_name}                    gauge     days since each flag was created
//   ci_intel_release_readiness_score{service}                gauge     seed 002 readiness, 0..100 (ours)
// cicd_vulnerability_count and the SBOM component series are the supply-chain pillar's; the pipeline
// series the sources pillar's; cicd_canary_analysis_result the delivery pillar's.
import { sql } from 'kysely';
import type { Registry } from 'prom-client';
import type { HubContext } from '../../core/registry.js';
import { metricsConfig } from './config.js';
import { readinessAll } from './readiness.js';
import { metricsDb, refresh } from './refresh.js';

/** Histogram buckets (seconds): 5 min … 180 days, around the DORA band edges (1 h, 1 d, 1 w, 1 mo, 6 mo). */
export const LEAD_BUCKETS = [300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400, 172_800, 604_800, 1_209_600, 2_592_000, 7_776_000, 15_552_000];
export const RESTORE_BUCKETS = [300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400, 172_800, 604_800, 2_592_000];
/** Rollouts (seconds): 30 s … 1 day, around a canary's usual steps (5–15 min) and a slow progressive rollout. */
export const ROLLOUT_BUCKETS = [30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 86_400];
/**
 * Rollback reasons are free text ("canary step 3: error rate 4.2% over the 1% budget"): numbers become
 * `#` and the label is capped, so the reason's kind is kept and the series count stays bounded.
 */
const REASON_MAX = 120;

interface Sample {
  metricName?: string;
  labels: Record<string, string>;
  value: number;
}
interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  values: Sample[];
}

const CACHE_MS = 5_000;

export function registerPrometheus(registry: Registry, ctx: HubContext): void {
  let cached: { at: number; families: Promise<Map<string, Family>> } | null = null;
  const families = () => {
    const t = Date.now(); // cache age only (not analysis): the store is read at most every CACHE_MS
    if (!cached || t - cached.at > CACHE_MS)
      cached = {
        at: t,
        families: collect(ctx).catch((e: unknown) => {
          cached = null;
          throw e;
        }),
      };
    return cached.families;
  };
  const defs: Array<Pick<Family, 'name' | 'help' | 'type'>> = [
    { name: 'cicd_deployment_frequency_total', help: 'Successful deployments (a deployment is a distinct repo, environment, deployment_id)', type: 'counter' },
    {
      name: 'cicd_lead_time_seconds',
      help: 'Lead time for changes: commit time to the first successful deployment containing it (exact ancestry)',
      type: 'histogram',
    },
    { name: 'cicd_change_failure_rate', help: 'Failed deployments / (successful + failed) over the last 30 days (0-1)', type: 'gauge' },
    {
      name: 'cicd_mean_time_to_restore_seconds',
      help: 'Time from a failed deployment to the next successful deployment of the same environment',
      type: 'histogram',
    },
    { name: 'cicd_rollback_total', help: 'Deployments rolled back, by the rollback reason the deployment reported', type: 'counter' },
    {
      name: 'cicd_test_pass_rate',
      help: 'Passed / (total - skipped) tests of the latest run with tests (0-1); test_type="all": run records count every test',
      type: 'gauge',
    },
    { name: 'cicd_test_coverage_percent', help: 'Line coverage of the latest run that measured it (0-100)', type: 'gauge' },
    { name: 'cicd_rollout_duration_seconds', help: "Rollout duration: a deployment's first report start to its last report end", type: 'histogram' },
    { name: 'cicd_feature_flag_count', help: 'Feature flags by state (enabled, disabled, stale) in the latest import', type: 'gauge' },
    { name: 'cicd_feature_flag_age_days', help: 'Days since each feature flag was created', type: 'gauge' },
    { name: 'ci_intel_release_readiness_score', help: 'Release readiness score, 0-100, renormalized over the components with data', type: 'gauge' },
  ];
  for (const d of defs) {
    registry.registerMetric({
      name: d.name,
      help: d.help,
      type: d.type,
      aggregator: 'sum',
      get: async () => ({ ...d, aggregator: 'sum', values: (await families()).get(d.name)?.values ?? [] }),
      reset() {},
    } as unknown as Parameters<Registry['registerMetric']>[0]);
  }
}

/** Cumulative histogram series from per-bound counts (`c[i]` = values <= bounds[i]), sum and count. */
function histogram(name: string, labels: Record<string, string>, bounds: number[], r: { c: number[]; sum: number; n: number }): Sample[] {
  const out: Sample[] = bounds.map((le, i) => ({ metricName: `${name}_bucket`, labels: { ...labels, le: String(le) }, value: Number(r.c[i]) }));
  out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: Number(r.n) });
  out.push({ metricName: `${name}_sum`, labels, value: Number(r.sum) });
  out.push({ metricName: `${name}_count`, labels, value: Number(r.n) });
  return out;
}

/** Per (repo, environment): how many values of `col` are <= each bound, their sum and count — counted in SQL, not shipped to JS. */
function histogramSql(table: string, col: string, bounds: number[], where = sql`true`) {
  const c = sql.join(bounds.map((b) => sql`count(*) filter (where ${sql.ref(col)} <= ${sql.lit(b)})::int`));
  return sql<{ repo: string; environment: string; c: number[]; sum: number; n: number }>`
    select repo, environment, array[${c}] as c, coalesce(sum(${sql.ref(col)}), 0)::float8 as sum, count(${sql.ref(col)})::int as n
    from ${sql.table(table)} where ${where} group by repo, environment order by repo, environment`;
}

export async function collect(ctx: HubContext): Promise<Map<string, Family>> {
  await refresh(ctx);
  const db = metricsDb(ctx);
  const cfg = metricsConfig(ctx.config);
  const now = ctx.now();
  const out = new Map<string, Family>();
  const put = (name: string, type: Family['type'], values: Sample[]) => out.set(name, { name, help: '', type, values });
  const labelsOf = (r: { repo: string; environment: string }) => ({ service: r.repo, environment: r.environment });
  const since30 = new Date(now.getTime() - 30 * 86_400_000);

  // Aggregates over the derived tables the dashboard reads (deployments folded from their reports,
  // incidents per group, lead times): the scrape costs a few grouped scans, whatever the history.
  const [freq, cfr, ttr, lead] = await Promise.all([
    sql<{ repo: string; environment: string; n: number }>`
      select repo, environment, sum(successful)::int as n from metrics_deploy_daily group by repo, environment order by repo, environment`.execute(db),
    sql<{ repo: string; environment: string; ok: number; bad: number }>`
      select repo, environment,
        count(*) filter (where final_status = 'success' and not rolled_back)::int as ok,
        count(*) filter (where final_status = 'failed' or rolled_back)::int as bad
      from metrics_deployments where finished_at >= ${since30} group by repo, environment order by repo, environment`.execute(db),
    histogramSql('metrics_dora_incidents', 'restore_s', RESTORE_BUCKETS, sql`restore_s is not null`).execute(db),
    histogramSql('metrics_lead_times', 'lead_time_s', LEAD_BUCKETS).execute(db),
  ]);
  put(
    'cicd_deployment_frequency_total',
    'counter',
    freq.rows.map((r) => ({ labels: labelsOf(r), value: r.n })),
  );
  put(
    'cicd_change_failure_rate',
    'gauge',
    cfr.rows.filter((r) => r.ok + r.bad > 0).map((r) => ({ labels: labelsOf(r), value: r.bad / (r.ok + r.bad) })),
  );
  put(
    'cicd_mean_time_to_restore_seconds',
    'histogram',
    ttr.rows.flatMap((r) => histogram('cicd_mean_time_to_restore_seconds', labelsOf(r), RESTORE_BUCKETS, r)),
  );
  put(
    'cicd_lead_time_seconds',
    'histogram',
    lead.rows.flatMap((r) => histogram('cicd_lead_time_seconds', labelsOf(r), LEAD_BUCKETS, r)),
  );

  const rb = (
    await sql<{ repo: string; environment: string; reason: string; n: number }>`
      select repo, environment, left(regexp_replace(btrim(rollback_reason), '[0-9]+([.,][0-9]+)?', '#', 'g'), ${REASON_MAX}) as reason,
        count(distinct deployment_id)::int as n
      from deployments where nullif(btrim(rollback_reason), '') is not null group by 1, 2, 3 order by 1, 2, 3`.execute(db)
  ).rows;
  put(
    'cicd_rollback_total',
    'counter',
    rb.map((r) => ({ labels: { service: r.repo, environment: r.environment, reason: r.reason }, value: r.n })),
  );

  await qualityAndRollout(db, put, now);

  const ready = await readinessAll(db, { repoRegexes: null }, cfg);
  put(
    'ci_intel_release_readiness_score',
    'gauge',
    ready.filter((r) => r.score !== null).map((r) => ({ labels: { service: r.repo }, value: Math.round(r.score! * 100) / 100 })),
  );
  return out;
}

type Put = (name: string, type: Family['type'], values: Sample[]) => void;

/** Seed 004 §4.1 "Quality Gate" and "Rollout" series, and the feature-flag gauges. */
async function qualityAndRollout(db: ReturnType<typeof metricsDb>, put: Put, now: Date): Promise<void> {
  const [pass, cov, rollout, flags] = await Promise.all([
    sql<{ repo: string; rate: number }>`
      select distinct on (r.repo) r.repo, (t.total - t.failed - coalesce(t.skipped, 0))::float8 / (t.total - coalesce(t.skipped, 0)) as rate
      from test_summaries t join runs r on r.run_id = t.run_id
      where t.total - coalesce(t.skipped, 0) > 0
      order by r.repo, coalesce(r.ended_at, r.started_at) desc, r.run_id desc`.execute(db),
    sql<{ repo: string; pct: number }>`
      select distinct on (r.repo) r.repo, 100 * t.coverage_lines as pct
      from test_summaries t join runs r on r.run_id = t.run_id
      where t.coverage_lines is not null
      order by r.repo, coalesce(r.ended_at, r.started_at) desc, r.run_id desc`.execute(db),
    sql<{ repo: string; strategy: string; c: number[]; sum: number; n: number }>`
      with d as (
        select repo, environment, deployment_id, coalesce(max(strategy), 'unknown') as strategy,
          extract(epoch from max(finished_at) - min(coalesce(started_at, finished_at)))::float8 as s
        from deployments group by repo, environment, deployment_id having max(finished_at) is not null
      )
      select repo, strategy, array[${sql.join(ROLLOUT_BUCKETS.map((b) => sql`count(*) filter (where s <= ${sql.lit(b)})::int`))}] as c,
        coalesce(sum(s), 0)::float8 as sum, count(*)::int as n
      from d group by repo, strategy order by repo, strategy`.execute(db),
    sql<{ name: string; state: string; created_at: Date | string | null }>`
      select name, state, created_at from metrics_feature_flags order by name`.execute(db),
  ]);
  put(
    'cicd_test_pass_rate',
    'gauge',
    pass.rows.map((r) => ({ labels: { service: r.repo, test_type: 'all' }, value: Number(r.rate) })),
  );
  put(
    'cicd_test_coverage_percent',
    'gauge',
    cov.rows.map((r) => ({ labels: { service: r.repo }, value: Math.round(Number(r.pct) * 100) / 100 })),
  );
  put(
    'cicd_rollout_duration_seconds',
    'histogram',
    rollout.rows.flatMap((r) => histogram('cicd_rollout_duration_seconds', { service: r.repo, strategy: r.strategy }, ROLLOUT_BUCKETS, r)),
  );
  const byState = new Map<string, number>();
  for (const f of flags.rows) byState.set(f.state, (byState.get(f.state) ?? 0) + 1);
  put(
    'cicd_feature_flag_count',
    'gauge',
    [...byState].sort(([a], [b]) => (a < b ? -1 : 1)).map(([state, n]) => ({ labels: { state }, value: n })),
  );
  put(
    'cicd_feature_flag_age_days',
    'gauge',
    flags.rows
      .filter((f) => f.created_at !== null)
      .map((f) => ({ labels: { flag_name: f.name }, value: Math.round(((now.getTime() - new Date(f.created_at!).getTime()) / 86_400_000) * 100) / 100 })),
  );
}
