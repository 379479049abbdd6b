// The pipeline series of seed 004 §4.1 on the shared /metrics registry, computed at scrape time
// from the store (several hub processes share one store, so per-process counters would disagree):
//   cicd_pipeline_runs_total{service,status}                counter: finished runs
//   cicd_pipeline_duration_seconds{service,stage,status}    histogram: run durations (stage="pipeline")
//   cicd_pipeline_queue_time_seconds{service,runner_type}   histogram: run queue times
//   cicd_pipeline_success_rate{service}                     gauge: success / (success + failed), last 24 h
// `service` is the repository. Runs still queued or in progress are not counted until they finish.
// The counters and histograms cover what the store holds (derived retention, 400 days by default):
// when retention drops old runs a series can decrease, which Prometheus treats as a counter reset.
import { sql, type Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { CoreTables } from '../../core/db/schema.js';
import type { HubContext } from '../../core/registry.js';

/** Duration buckets (s): 900 s is seed 004 §4.4's "pipeline p95 over 15 minutes" alert threshold. */
export const DURATION_BUCKETS = [30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200];
export const QUEUE_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1800];

/** Scrapes within this many ms reuse the last computation (Prometheus scrapes every 15–60 s). */
const CACHE_MS = 5_000;

interface Value {
  labels: Record<string, string>;
  value: number;
  metricName?: string;
}

interface MetricData {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  values: Value[];
  aggregator: 'sum';
}

/** A metric prom-client's Registry can hold, whose values come from an async function. */
function storeMetric(name: string, help: string, type: MetricData['type'], values: () => Promise<Value[]>) {
  return {
    name,
    help,
    type,
    aggregator: 'sum' as const,
    async get(): Promise<MetricData> {
      return { name, help, type, values: await values(), aggregator: 'sum' };
    },
    reset() {},
  };
}

const FINISHED = sql`status in ('success', 'failed', 'canceled', 'skipped')`;

function bucketSelect(column: string, buckets: number[]) {
  return sql.join(buckets.map((b, i) => sql`count(*) filter (where ${sql.ref(column)} <= ${b * 1000})::int8 as ${sql.raw(`b${i}`)}`));
}

/** Histogram rows over finished runs; `groups` maps a label to the SQL expression it comes from. */
async function histogram(
  db: Kysely<CoreTables>,
  name: string,
  column: 'duration_ms' | 'queue_ms',
  groups: Record<string, string>,
  buckets: number[],
  extra: Record<string, string> = {},
): Promise<Value[]> {
  const labels = Object.keys(groups);
  const select = sql.join(labels.map((l) => sql`${sql.raw(groups[l]!)} as ${sql.id(l)}`));
  const by = sql.join(labels.map((l) => sql.id(l)));
  const rows = (
    await sql<Record<string, unknown>>`
      select ${select}, ${bucketSelect(column, buckets)}, count(*)::int8 as n, coalesce(sum(${sql.ref(column)}), 0)::float8 / 1000 as total
      from runs where ${FINISHED} and ${sql.ref(column)} is not null
      group by ${by} order by ${by}`.execute(db)
  ).rows;
  const out: Value[] = [];
  for (const r of rows) {
    const l: Record<string, string> = { ...extra };
    for (const k of labels) l[k] = String(r[k]);
    buckets.forEach((b, i) => out.push({ metricName: `${name}_bucket`, labels: { ...l, le: String(b) }, value: Number(r[`b${i}`]) }));
    out.push({ metricName: `${name}_bucket`, labels: { ...l, le: '+Inf' }, value: Number(r.n) });
    out.push({ metricName: `${name}_sum`, labels: l, value: Number(r.total) });
    out.push({ metricName: `${name}_count`, labels: l, value: Number(r.n) });
  }
  return out;
}

export interface PipelineSeries {
  runs: Value[];
  duration: Value[];
  queue: Value[];
  successRate: Value[];
}

/** Computes the four series from the store (exported for tests and `ci-intel` callers). */
export async function pipelineSeries(db: Kysely<CoreTables>, now: Date): Promise<PipelineSeries> {
  const runs = (
    await sql<{ repo: string; status: string; n: number }>`
      select repo, status, count(*)::int8 as n from runs where ${FINISHED} group by repo, status order by repo, status`.execute(db)
  ).rows.map((r) => ({ labels: { service: r.repo, status: r.status }, value: Number(r.n) }));
  const since = new Date(now.getTime() - 24 * 3600 * 1000);
  const rate = (
    await sql<{ repo: string; ok: number; n: number }>`
      select repo, count(*) filter (where status = 'success')::int8 as ok, count(*)::int8 as n
      from runs where status in ('success', 'failed') and coalesce(ended_at, started_at) > ${since} and coalesce(ended_at, started_at) <= ${now}
      group by repo order by repo`.execute(db)
  ).rows.map((r) => ({ labels: { service: r.repo }, value: Number(r.ok) / Number(r.n) }));
  return {
    runs,
    duration: await histogram(db, 'cicd_pipeline_duration_seconds', 'duration_ms', { service: 'repo', status: 'status' }, DURATION_BUCKETS, {
      stage: 'pipeline',
    }),
    queue: await histogram(
      db,
      'cicd_pipeline_queue_time_seconds',
      'queue_ms',
      { service: 'repo', runner_type: "coalesce(runner_type, 'unknown')" },
      QUEUE_BUCKETS,
    ),
    successRate: rate,
  };
}

export function registerPipelineMetrics(registry: Registry, ctx: Pick<HubContext, 'db' | 'now'>): void {
  let cached: { at: number; data: Promise<PipelineSeries> } | null = null;
  const series = () => {
    const t = Date.now(); // cache clock only, not analysis
    if (!cached || t - cached.at > CACHE_MS) {
      cached = { at: t, data: pipelineSeries(ctx.db, ctx.now()) };
      cached.data.catch(() => (cached = null));
    }
    return cached.data;
  };
  const add = (m: ReturnType<typeof storeMetric>) => registry.registerMetric(m as never);
  add(storeMetric('cicd_pipeline_runs_total', 'Finished pipeline runs by repository (service) and status', 'counter', async () => (await series()).runs));
  add(storeMetric('cicd_pipeline_duration_seconds', 'Duration of finished pipeline runs, seconds', 'histogram', async () => (await series()).duration));
  add(
    storeMetric(
      'cicd_pipeline_queue_time_seconds',
      'Time runs waited before their first job started, seconds',
      'histogram',
      async () => (await series()).queue,
    ),
  );
  add(
    storeMetric(
      'cicd_pipeline_success_rate',
      'success / (success + failed) over runs that ended in the last 24 hours',
      'gauge',
      async () => (await series()).successRate,
    ),
  );
}
