// The build cache inside the hub: one cache per hub (its storage opened once, shared by the routes,
// the /metrics series and the background sweep), its stats over cache_events, and its retention.
import path from 'node:path';
import { sectionOf, type Config } from '../../core/config.js';
import { sql } from '../../core/db/index.js';
import type { HubContext } from '../../core/registry.js';
import { DbSink } from './events.js';
import { CacheCounters, registerCacheMetrics } from './prometheus.js';
import type { CacheServer } from './protocols/common.js';
import { openCacheServer } from './server.js';
import { cacheConfigSection } from './config.js';
import { resolveSettings } from './settings.js';
import { computeStats, takeInventory, type Inventory, type Tally } from './stats.js';
import type { CacheEventsTable } from './tables.js';

interface HubCacheState {
  counters: CacheCounters;
  server: Promise<CacheServer> | null;
}

// One cache per hub: metrics() (sync, first) and routes() (async) reach the same state through
// the hub's config object, which every HubContext copy shares.
const states = new WeakMap<Config, HubCacheState>();

export function stateFor(ctx: HubContext): HubCacheState {
  let s = states.get(ctx.config);
  if (!s) states.set(ctx.config, (s = { counters: new CacheCounters(), server: null }));
  return s;
}

export function serverFor(ctx: HubContext): Promise<CacheServer> {
  const st = stateFor(ctx);
  if (!st.server) {
    const settings = resolveSettings({ flags: {}, section: sectionOf(ctx.config, cacheConfigSection), defaultDir: path.join(ctx.config.dataDir, 'cache') });
    st.server = openCacheServer(settings, {
      now: ctx.now,
      log: ctx.log,
      counters: st.counters,
      sinks: [new DbSink(ctx.db.withTables<CacheEventsTable>(), ctx.log)],
    });
    st.server.catch(() => {
      st.server = null;
    });
  }
  return st.server;
}

/** Stats over the hub's cache_events (the dashboard panel's API). */
export async function hubStats(ctx: HubContext, days: number) {
  const server = await serverFor(ctx);
  const until = ctx.now();
  const since = new Date(until.getTime() - days * 86_400_000);
  const db = ctx.db.withTables<CacheEventsTable>();
  const rows = await db
    .selectFrom('cache_events')
    .select(['kind', 'protocol', 'namespace', sql<number>`count(*)::int8`.as('n'), sql<number>`coalesce(sum(bytes), 0)::int8`.as('bytes')])
    .where('at', '>=', since)
    .where('at', '<=', until)
    .groupBy(['kind', 'protocol', 'namespace'])
    .execute();
  const tallies: Tally[] = rows.map((r) => ({
    kind: r.kind as Tally['kind'],
    protocol: r.protocol,
    namespace: r.namespace,
    n: Number(r.n),
    bytes: Number(r.bytes),
  }));
  const st = stateFor(ctx).counters.stored;
  const inv: Inventory = st.at ? { perNs: st.entries, uniqueBytes: st.uniqueBytes, blobs: st.blobs } : await takeInventory(server.sentinel.backend);
  return computeStats(tallies, inv, since, until);
}

/**
 * Drops (or, on a dry run, counts) cache_events before `cutoff` (`retention.derivedDays`): one row
 * per lookup adds up fast on a busy cache.
 */
export async function pruneCacheEvents(
  ctx: HubContext,
  cutoff = new Date(ctx.now().getTime() - ctx.config.retention.derivedDays * 86_400_000),
  dryRun = false,
): Promise<number> {
  const db = ctx.db.withTables<CacheEventsTable>();
  if (dryRun)
    return Number(
      (
        await db
          .selectFrom('cache_events')
          .select(sql<number>`count(*)::int8`.as('n'))
          .where('at', '<', cutoff)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const r = await db.deleteFrom('cache_events').where('at', '<', cutoff).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** The cache's series on the shared /metrics registry. */
export function registerHubCacheMetrics(registry: import('prom-client').Registry, ctx: HubContext): void {
  const st = stateFor(ctx);
  registerCacheMetrics(
    registry,
    () => st.counters,
    () => ctx.now().getTime(),
  );
}

/** Under `serve`: TTL and size cap applied, old cache_events pruned, every sweep interval. */
export function sweepLoop(ctx: HubContext): () => void {
  let stopped = false;
  const timers: NodeJS.Timeout[] = [];
  void serverFor(ctx)
    .then((server) => {
      const every = server.settings.sweepIntervalMs;
      if (stopped || !every) return;
      const run = () =>
        void Promise.all([server.sentinel.sweep(), pruneCacheEvents(ctx)]).catch((e) => {
          ctx.log.error({ err: e }, 'cache: sweep failed');
        });
      timers.push(setTimeout(run, 5_000), setInterval(run, every));
      for (const t of timers) t.unref();
    })
    .catch((e) => ctx.log.error({ err: e }, 'cache: storage cannot be opened'));
  return () => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
  };
}
