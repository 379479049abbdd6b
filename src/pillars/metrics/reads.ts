// Where the metrics commands read: the store (opened, rollups refreshed, closed) or a running hub's
// API (--hub / CI_INTEL_HUB), which answers the same shapes from the same functions. With PGlite
// the running hub holds the data folder, so the API is the only way in while it runs.
import { hubCall, queryOf, readTarget } from '../../core/hub-api.js';
import type { CliContext, HubContext } from '../../core/registry.js';
import type { HubTarget } from '../../core/upload.js';
import { metricsConfig } from './config.js';
import { doraReport, type DoraReport } from './dora-store.js';
import type { Filters } from './filters.js';
import { jobHealth, runHealth, runTrend, type JobStats } from './health.js';
import { readinessAll, type Readiness } from './readiness.js';
import { metricsDb, refresh } from './refresh.js';

export interface HealthRead {
  total: Awaited<ReturnType<typeof runHealth>>['total'];
  pipelines: Awaited<ReturnType<typeof runHealth>>['pipelines'];
  jobs: JobStats[];
}

export interface CostWeek {
  week: string;
  runs: number;
  usd: number;
  carbon_g: number;
  kwh: number;
}

/** The reads the metrics commands, the digest and the readiness gate need. */
export interface MetricsReads {
  dora(f: Filters): Promise<DoraReport>;
  health(f: Filters): Promise<HealthRead>;
  readiness(f: Filters): Promise<Readiness[]>;
  costWeekly(f: Filters): Promise<CostWeek[]>;
  /** The hub's public URL, for links (the store's configuration; none through the API). */
  publicUrl?: string;
}

function storeReads(hub: HubContext): MetricsReads {
  const db = metricsDb(hub);
  const cfg = metricsConfig(hub.config);
  return {
    dora: (f) => doraReport(db, f, hub.now(), cfg),
    health: async (f) => ({ ...(await runHealth(db, f, hub.now(), cfg)), jobs: await jobHealth(db, f, hub.now(), cfg) }),
    readiness: (f) => readinessAll(db, f, cfg),
    costWeekly: async (f) =>
      (await runTrend(db, f, hub.now(), cfg, 'week')).map((w) => ({ week: w.day, runs: w.runs, usd: w.usd, carbon_g: w.carbon_g, kwh: w.kwh })),
    publicUrl: hub.config.server.publicUrl,
  };
}

/** The filters as the API's query (the token's repositories are the hub's business). */
const q = (f: Filters) => queryOf({ repo: f.repo, branch: f.branch, environment: f.environment, workflow: f.workflow, window: f.window });

function apiReads(target: HubTarget): MetricsReads {
  return {
    dora: (f) => hubCall<DoraReport>(target, `/api/v1/metrics/dora${q(f)}`),
    health: async (f) => {
      const r = await hubCall<HealthRead>(target, `/api/v1/metrics/health${q(f)}`);
      return { total: r.total, pipelines: r.pipelines, jobs: r.jobs };
    },
    readiness: async (f) => (await hubCall<{ items: Readiness[] }>(target, `/api/v1/metrics/readiness${q(f)}`)).items,
    costWeekly: async (f) =>
      (await hubCall<{ weekly: CostWeek[] }>(target, `/api/v1/metrics/cost${q(f)}`)).weekly.map((w) => ({
        week: w.week,
        runs: w.runs,
        usd: w.usd,
        carbon_g: w.carbon_g,
        kwh: w.kwh,
      })),
  };
}

/** Runs `fn` over the hub's API when one is given (--hub or the configuration), else over the store. */
export async function withReads<T>(ctx: CliContext, opts: Record<string, unknown>, fn: (reads: MetricsReads) => Promise<T>): Promise<T> {
  const target = readTarget(opts, ctx);
  if (target) return fn(apiReads(target));
  const hub = await ctx.openHub(opts);
  try {
    await refresh(hub, { full: true });
    return await fn(storeReads(hub));
  } finally {
    await hub.close();
  }
}
