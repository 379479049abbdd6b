// The cache pillar's routes on the hub: the cache protocols (only with cache tokens or cache.open,
// since the hub is reachable for webhooks) and the stats API behind the dashboard panel.
import type { HubApp } from '../../core/http/types.js';
import { Type } from 'typebox';
import { repoRegexes, requirePrincipal } from '../../core/http/index.js';
import type { HubContext } from '../../core/registry.js';
import { hubDaily, hubStats, serverFor, stateFor } from './hub.js';
import { registerCacheRoutes } from './server.js';

export async function cacheHubRoutes(app: HubApp, ctx: HubContext): Promise<void> {
  const server = await serverFor(ctx);
  // The hub is reachable from the internet for webhooks: its build cache answers only clients
  // with a cache token, unless the operator opened it on purpose.
  if (server.tokens.open && !server.settings.open) {
    ctx.log.warn('build cache: off on this hub (no cache tokens); set cache.tokens (or CI_INTEL_CACHE_TOKENS), or cache.open: true for a cache without tokens');
  } else {
    if (server.tokens.open) ctx.log.warn('build cache: OPEN on this hub (cache.open: true) — anyone who reaches the hub can read and write it');
    await registerCacheRoutes(app, server);
  }
  app.get(
    '/api/v1/cache/stats',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Build cache: hit ratio, bytes, entries, quarantines and evictions per namespace',
        tags: ['cache'],
        querystring: Type.Object({ days: Type.Integer({ minimum: 1, maximum: 400, default: 7 }) }),
      },
    },
    async (req) => {
      const p = requirePrincipal(req);
      return hubStats(ctx, req.query.days, repoRegexes(p) ? (ns) => p.allowsRepo(ns) : null);
    },
  );
  app.get(
    '/api/v1/cache/daily',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Build cache per day: hits, misses, hit ratio, bytes served and written, quarantines; the latest quarantines with their reason',
        tags: ['cache'],
        querystring: Type.Object({ days: Type.Integer({ minimum: 1, maximum: 400, default: 30 }) }),
      },
    },
    async (req) => hubDaily(ctx, req.query.days, repoRegexes(requirePrincipal(req))),
  );
  app.addHook('onClose', async () => {
    const st = stateFor(ctx);
    const s = st.server;
    st.server = null;
    if (s) await (await s).sentinel.close();
  });
}
