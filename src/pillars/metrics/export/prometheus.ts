// The DORA series of seed 004 §4.1 on the shared /metrics registry (the pipeline series
// `cicd_pipeline_*` belong to the sources pillar). Values are read from the store at scrape time
// (and cached for a few seconds), so every hub process behind a load balancer reports the same
// numbers. Labels: service = repository, environment = as reported.
//   cicd_deployment_frequency_total{service, environment}    counter   successful deployments, all history
//   cicd_lead_time_seconds{service, environment}             histogram commit → first successful deploy (exact ancestry)
//   cicd_change_failure_rate{service, environment}           gauge     failed / (successful + failed), last 30 days
//   cicd_mean_time_to_restore_seconds{service, environment}  histogram failed deployment → next successful one
//   cicd_rollback_total{service, environment, reason}        counter   deployments rolled back; reason = rollout strategy
//   ci_intel_release_readiness_score{service}                gauge     seed 002 readiness, 0..100 (ours)
import { sql } from 'kysely';
import type { Registry } from 'prom-client';
import type { HubContext } from '../../../core/registry.js';
import { metricsConfig } from '../config.js';
import { incidents, outcome } from '../dora.js';
import { readinessAll } from '../readiness.js';
import { metricsDb, refresh } from '../refresh.js';

/** Histogram buckets (seconds): 5 min … 180 days, around the DORA band edges (1 h, 1 d, 1 w, 1 mo, 6 mo). */
export const LEAD_BUCKETS = [300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400, 172_800, 604_800, 1_209_600, 2_592_000, 7_776_000, 15_552_000];
export const RESTORE_BUCKETS = [300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400, 172_800, 604_800, 2_592_000];

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
    if (!cached || t - cached.at > CACHE_MS) cached = { at: t, families: collect(ctx).catch((e) => ((cached = null), Promise.reject(e))) };
    return cached.families;
  };
  const defs: Array<Pick<Family, 'name' | 'help' | 'type'>> = [
    { name: 'cicd_deployment_frequency_total', help: 'Successful deployments (a deployment is a distinct repo, environment, deployment_id)', type: 'counter' },
    { name: 'cicd_lead_time_seconds', help: 'Lead time for changes: commit time to the first successful deployment containing it (exact ancestry)', type: 'histogram' },
    { name: 'cicd_change_failure_rate', help: 'Failed deployments / (successful + failed) over the last 30 days (0-1)', type: 'gauge' },
    { name: 'cicd_mean_time_to_restore_seconds', help: 'Time from a failed deployment to the next successful deployment of the same environment', type: 'histogram' },
    { name: 'cicd_rollback_total', help: 'Deployments rolled back (reason = rollout strategy)', type: 'counter' },
    { name: 'ci_intel_release_readiness_score', help: 'Release readiness score (seed 002), 0-100, renormalized over the components with data', type: 'gauge' },
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

function histogram(name: string, labels: Record<string, string>, bounds: number[], values: number[]): Sample[] {
  const sorted = [...values].sort((a, b) => a - b);
  const out: Sample[] = [];
  let i = 0;
  for (const le of bounds) {
    while (i < sorted.length && sorted[i]! <= le) i++;
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: String(le) }, value: i });
  }
  out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: sorted.length });
  out.push({ metricName: `${name}_sum`, labels, value: sorted.reduce((s, v) => s + v, 0) });
  out.push({ metricName: `${name}_count`, labels, value: sorted.length });
  return out;
}

export async function collect(ctx: HubContext): Promise<Map<string, Family>> {
  await refresh(ctx);
  const db = metricsDb(ctx);
  const cfg = metricsConfig(ctx.config);
  const now = ctx.now();
  const out = new Map<string, Family>();
  const put = (name: string, type: Family['type'], values: Sample[]) => out.set(name, { name, help: '', type, values });

  const deps = (await db.selectFrom('metrics_deployments').selectAll().orderBy('repo').orderBy('environment').orderBy('finished_at').execute()).map((d) => ({
    ...d,
    started_at: new Date(d.started_at).getTime(),
    finished_at: new Date(d.finished_at).getTime(),
  }));
  const groups = new Map<string, typeof deps>();
  for (const d of deps) {
    const k = `${d.repo}\u0000${d.environment}`;
    const g = groups.get(k);
    if (g) g.push(d);
    else groups.set(k, [d]);
  }
  const freq: Sample[] = [];
  const cfr: Sample[] = [];
  const ttr: Sample[] = [];
  const since30 = now.getTime() - 30 * 86_400_000;
  for (const g of groups.values()) {
    const labels = { service: g[0]!.repo, environment: g[0]!.environment };
    freq.push({ labels, value: g.filter((d) => outcome(d) === 'success').length });
    const recent = g.filter((d) => d.finished_at >= since30).map(outcome);
    const ok = recent.filter((o) => o === 'success').length;
    const bad = recent.filter((o) => o === 'failed').length;
    if (ok + bad > 0) cfr.push({ labels, value: bad / (ok + bad) });
    const restored = incidents(g).filter((i) => i.restore_s !== null).map((i) => i.restore_s!);
    ttr.push(...histogram('cicd_mean_time_to_restore_seconds', labels, RESTORE_BUCKETS, restored));
  }
  put('cicd_deployment_frequency_total', 'counter', freq);
  put('cicd_change_failure_rate', 'gauge', cfr);
  put('cicd_mean_time_to_restore_seconds', 'histogram', ttr);

  const lead = (
    await sql<{ repo: string; environment: string; s: number[] }>`
      select repo, environment, array_agg(lead_time_s) as s from metrics_lead_times group by repo, environment order by repo, environment`.execute(db)
  ).rows;
  put(
    'cicd_lead_time_seconds',
    'histogram',
    lead.flatMap((r) => histogram('cicd_lead_time_seconds', { service: r.repo, environment: r.environment }, LEAD_BUCKETS, r.s.map(Number))),
  );

  const rb = (
    await sql<{ repo: string; environment: string; reason: string; n: number }>`
      select repo, environment, coalesce(strategy, 'unknown') as reason, count(distinct deployment_id)::int as n
      from deployments where rollback_reason is not null group by 1, 2, 3 order by 1, 2, 3`.execute(db)
  ).rows;
  put('cicd_rollback_total', 'counter', rb.map((r) => ({ labels: { service: r.repo, environment: r.environment, reason: r.reason }, value: r.n })));

  const ready = await readinessAll(db, { repoRegexes: null }, cfg);
  put(
    'ci_intel_release_readiness_score',
    'gauge',
    ready.filter((r) => r.score !== null).map((r) => ({ labels: { service: r.repo }, value: Math.round(r.score! * 100) / 100 })),
  );
  return out;
}
