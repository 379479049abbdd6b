// Cache Sentinel pillar (issue 7; seed 000 pillar 8 "Self-Healing Build Cache", "Cache
// integrity"; seed 001 "Caching Strategy" / cache monitoring alerts). Inside the hub the cache
// protocols are served by the hub's HTTP server, events go to `cache_events` as well as to the
// storage journal, and the series join the shared /metrics registry.
import path from 'node:path';
import type { Config } from '../../core/config.js';
import { sql } from '../../core/db/index.js';
import { definePillar, type HubContext } from '../../core/registry.js';
import { cacheCommands } from './commands.js';
import { cacheMigrations, DbSink, type CacheEventsTable } from './events.js';
import { CacheCounters, registerCacheMetrics } from './metrics.js';
import type { CacheServer } from './protocols/common.js';
import { openCacheServer, registerCacheRoutes } from './server.js';
import { cacheConfigSection, resolveSettings } from './settings.js';
import { computeStats, takeInventory, type Inventory, type Tally } from './stats.js';

interface HubCacheState {
  counters: CacheCounters;
  server: Promise<CacheServer> | null;
}

// One cache per hub: metrics() (sync, first) and routes() (async) reach the same state through
// the hub's config object, which every HubContext copy shares.
const states = new WeakMap<Config, HubCacheState>();

function stateFor(ctx: HubContext): HubCacheState {
  let s = states.get(ctx.config);
  if (!s) states.set(ctx.config, (s = { counters: new CacheCounters(), server: null }));
  return s;
}

function serverFor(ctx: HubContext): Promise<CacheServer> {
  const st = stateFor(ctx);
  if (!st.server) {
    const settings = resolveSettings({
      flags: {},
      env: process.env,
      section: (ctx.config.pillars.cache as Record<string, unknown> | undefined) ?? {},
      defaultDir: path.join(ctx.config.dataDir, 'cache'),
    });
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
async function hubStats(ctx: HubContext, days: number) {
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
  const tallies: Tally[] = rows.map((r) => ({ kind: r.kind as Tally['kind'], protocol: r.protocol, namespace: r.namespace, n: Number(r.n), bytes: Number(r.bytes) }));
  const st = stateFor(ctx).counters.stored;
  const inv: Inventory = st.at ? { perNs: st.entries, uniqueBytes: st.uniqueBytes, blobs: st.blobs } : await takeInventory(server.sentinel.backend);
  return computeStats(tallies, inv, since, until);
}

/**
 * Drops (or, on a dry run, counts) cache_events before `cutoff` (`retention.derivedDays`): one row
 * per lookup adds up fast on a busy cache.
 */
export async function pruneCacheEvents(ctx: HubContext, cutoff = new Date(ctx.now().getTime() - ctx.config.retention.derivedDays * 86_400_000), dryRun = false): Promise<number> {
  const db = ctx.db.withTables<CacheEventsTable>();
  if (dryRun) return Number((await db.selectFrom('cache_events').select(sql<number>`count(*)::int8`.as('n')).where('at', '<', cutoff).executeTakeFirstOrThrow()).n);
  const r = await db.deleteFrom('cache_events').where('at', '<', cutoff).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export const cachePillar = definePillar({
  id: 'cache',
  config: cacheConfigSection,
  migrations: cacheMigrations,
  async routes(app, ctx) {
    const server = await serverFor(ctx);
    await registerCacheRoutes(app, server);
    app.get(
      '/api/v1/cache/stats',
      {
        config: { scope: 'read' },
        schema: {
          summary: 'Build cache: hit ratio, bytes, entries, quarantines and evictions per namespace',
          tags: ['cache'],
          querystring: { type: 'object', properties: { days: { type: 'integer', minimum: 1, maximum: 400, default: 7 } } },
        },
      },
      async (req) => hubStats(ctx, (req.query as { days: number }).days),
    );
    app.addHook('onClose', async () => {
      const st = stateFor(ctx);
      const s = st.server;
      st.server = null;
      if (s) await (await s).sentinel.close();
    });
  },
  metrics(registry, ctx) {
    const st = stateFor(ctx);
    registerCacheMetrics(registry, () => st.counters, () => ctx.now().getTime());
  },
  background(ctx) {
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
  },
  retention: async (ctx, { cutoffs, dryRun }) => ({ cache_events: await pruneCacheEvents(ctx, cutoffs.derived, dryRun) }),
  pages: [{ id: 'cache', title: 'Cache', order: 70 }],
  panels: [{ id: 'cache', title: 'Build cache: hit ratio and integrity', page: 'overview', api: '/api/v1/cache/stats', order: 70 }],
  commands: cacheCommands,
});
