// The build cache inside the hub: one cache per hub (its storage opened once, shared by the routes,
// the /metrics series and the background sweep), its stats over cache_events, and its retention.
import path from 'node:path';
import { sectionOf, type Config } from '../../core/config.js';
import { repoVisible } from '../../core/db/access.js';
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
/**
 * The caller's view: a namespace is named like the repository (or group) it caches for, and a
 * caller limited to some repositories sees only the namespaces its patterns match — and, for the
 * store's totals, the sum of those namespaces (the deduplicated store size spans every namespace).
 */
export async function hubStats(ctx: HubContext, days: number, visible: ((namespace: string) => boolean) | null = null) {
  const server = await serverFor(ctx);
  const until = ctx.now();
  const since = new Date(until.getTime() - days * 86_400_000);
  const db = ctx.db.withTables<CacheEventsTable>();
  const rows = await db
    .selectFrom('cache_events')
    .select([
      'kind',
      'protocol',
      'namespace',
      sql<number>`count(*)::int8`.as('n'),
      sql<number>`coalesce(sum(bytes), 0)::int8`.as('bytes'),
      sql<number>`coalesce(sum(task_ms), 0)::int8`.as('task_ms'),
    ])
    .where('at', '>=', since)
    .where('at', '<=', until)
    .groupBy(['kind', 'protocol', 'namespace'])
    .execute();
  const tallies: Tally[] = rows
    .filter((r) => !visible || visible(r.namespace))
    .map((r) => ({
      kind: r.kind as Tally['kind'],
      protocol: r.protocol,
      namespace: r.namespace,
      n: Number(r.n),
      bytes: Number(r.bytes),
      task_ms: Number(r.task_ms),
    }));
  const st = stateFor(ctx).counters.stored;
  let inv: Inventory = st.at ? { perNs: st.entries, uniqueBytes: st.uniqueBytes, blobs: st.blobs } : await takeInventory(server.sentinel.backend);
  if (visible) {
    const perNs = new Map([...inv.perNs].filter(([id]) => visible(id.split('\0')[1]!)));
    const sum = (k: 'entries' | 'bytes') => [...perNs.values()].reduce((a, p) => a + p[k], 0);
    inv = { perNs, uniqueBytes: sum('bytes'), blobs: sum('entries') };
  }
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

/**
 * The Cache page's series: per UTC day hits, misses, hit ratio, bytes served from the cache (what
 * a miss would have rebuilt or downloaded again), puts and quarantines; and the latest quarantines
 * (integrity checks on read and scrubs) with their reason.
 */
export async function hubDaily(ctx: HubContext, days: number, regexes: string[] | null = null) {
  const until = ctx.now();
  const since = new Date(until.getTime() - days * 86_400_000);
  const db = ctx.db.withTables<CacheEventsTable>();
  const daily = (
    await sql<{
      day: string;
      hits: number;
      misses: number;
      bytes_served: number;
      puts: number;
      bytes_written: number;
      quarantines: number;
      time_saved_ms: number;
      build_ms: number;
    }>`
    select to_char(date_trunc('day', at at time zone 'UTC'), 'YYYY-MM-DD') as day,
      (count(*) filter (where kind = 'hit'))::int as hits, (count(*) filter (where kind = 'miss'))::int as misses,
      coalesce(sum(bytes) filter (where kind = 'hit'), 0)::float8 as bytes_served,
      (count(*) filter (where kind = 'put'))::int as puts, coalesce(sum(bytes) filter (where kind = 'put'), 0)::float8 as bytes_written,
      (count(*) filter (where kind = 'quarantine'))::int as quarantines,
      coalesce(sum(task_ms) filter (where kind = 'hit'), 0)::float8 as time_saved_ms,
      coalesce(sum(task_ms) filter (where kind = 'put'), 0)::float8 as build_ms
    from cache_events where at >= ${since} and at <= ${until} and ${repoVisible('namespace', regexes)} group by 1 order by 1`.execute(db)
  ).rows.map((d) => ({ ...d, hit_ratio: d.hits + d.misses ? d.hits / (d.hits + d.misses) : null }));
  const quarantines = await db
    .selectFrom('cache_events')
    .select(['at', 'protocol', 'namespace', 'key', 'bytes', 'reason'])
    .where('kind', '=', 'quarantine')
    .where(repoVisible('namespace', regexes))
    .where('at', '>=', since)
    .where('at', '<=', until)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(50)
    .execute();
  return {
    since: since.toISOString(),
    until: until.toISOString(),
    daily,
    quarantines: quarantines.map((q) => ({ ...q, at: new Date(q.at).toISOString(), bytes: Number(q.bytes) })),
  };
}
