// Keeps the rollups and the materialized DORA tables fresh. A refresh is single-flight per process;
// requests await the one in progress. The run rollups follow `runs.updated_at` (a cheap indexed
// check on every request); the deployment/lead-time tables compare per-group signatures, which
// scans the deployments table, so that part runs when runs changed, on a timer, or when asked.
import type { HubContext } from '../../core/registry.js';
import { metricsConfig } from './config.js';
import { refreshLeadTimes, type MetricsDb } from './dora-store.js';
import { refreshRollups } from './rollup.js';
import type { MetricsTables } from './tables.js';

export interface RefreshResult {
  touched_days: number;
  dora_groups: number;
}

const inflight = new WeakMap<object, Promise<RefreshResult>>();

export function metricsDb(ctx: Pick<HubContext, 'db'>): MetricsDb {
  return ctx.db.withTables<MetricsTables>();
}

/** Brings every derived table up to date; `full` also re-checks deployments when no run changed. */
export function refresh(ctx: Pick<HubContext, 'db' | 'config' | 'now'>, opts: { full?: boolean } = {}): Promise<RefreshResult> {
  const cur = inflight.get(ctx.db);
  if (cur) return opts.full ? cur.then(() => refresh(ctx, opts)) : cur;
  const p = (async () => {
    const cfg = metricsConfig(ctx.config);
    const db = metricsDb(ctx);
    const r = await refreshRollups(db, cfg.defaultBranches, ctx.now());
    const groups = r.touched > 0 || opts.full ? await refreshLeadTimes(db, ctx.now()) : 0;
    return { touched_days: r.touched, dora_groups: groups };
  })().finally(() => inflight.delete(ctx.db));
  inflight.set(ctx.db, p);
  return p;
}

/** How often the hub re-checks deployments and commits that arrived without a run (webhooks). */
const REFRESH_EVERY_MS = 15_000;

/** The background refresh under `serve`: now, then every 15 s after the previous one ended. */
export function refreshLoop(ctx: HubContext): () => Promise<void> {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const tick = async () => {
    if (stopped) return;
    running = refresh(ctx, { full: true }).catch((e: Error) => ctx.log.warn({ err: e.message }, 'metrics refresh failed'));
    await running;
    if (!stopped) timer = setTimeout(() => void tick(), REFRESH_EVERY_MS);
  };
  let timer: NodeJS.Timeout | null = setTimeout(() => void tick(), 0);
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await running; // never close the store under a refresh
  };
}
