// Cache Sentinel pillar (issue 7; seed 000 pillar 8 "Self-Healing Build Cache", "Cache
// integrity"; seed 001 "Caching Strategy" / cache monitoring alerts). Inside the hub the cache
// protocols are served by the hub's HTTP server, events go to `cache_events` as well as to the
// storage journal, and the series join the shared /metrics registry.
import { definePillar } from '../../core/registry.js';
import { cacheCommands } from './commands.js';
import { pruneCacheEvents, registerHubCacheMetrics, sweepLoop } from './hub.js';
import { cacheHubRoutes } from './routes.js';
import { cacheConfigSection } from './config.js';
import { cacheMigrations } from './tables.js';
import { seedCacheDemo, synthCache } from './demo.js';

export const cachePillar = definePillar({
  id: 'cache',
  config: cacheConfigSection,
  migrations: cacheMigrations,
  routes: cacheHubRoutes,
  synth: synthCache,
  seedDemo: seedCacheDemo,
  metrics: registerHubCacheMetrics,
  background: sweepLoop,
  retention: async (ctx, { cutoffs, dryRun }) => ({ cache_events: await pruneCacheEvents(ctx, cutoffs.derived, dryRun) }),
  pages: [{ id: 'cache', title: 'Cache', order: 70 }],
  panels: [{ id: 'cache', title: 'Build cache: hit ratio and integrity', page: 'overview', api: '/api/v1/cache/stats', order: 70 }],
  commands: cacheCommands,
});
