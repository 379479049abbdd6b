// Turborepo remote cache API v8 (what turbo 2.x calls with TURBO_API/TURBO_TOKEN/TURBO_TEAM).
// Namespace = the team (`teamId`, else `slug`, else `team` query). `x-artifact-duration` is stored
// on PUT and sent back on GET: turbo computes "time saved" from it, and the popular open-source
// server does not send it, so its users always see 0 saved. `x-artifact-tag` (turbo's own HMAC
// signature of the artifact) is passed through untouched.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CiError } from '../../../core/errors.js';
import { checkKey, checkNamespace, DEFAULT_NAMESPACE, type EntryRef } from '../keys.js';
import type { Manifest, ManifestMeta } from '../manifest.js';
import { jsonBody, lookup, routeConfig, store, type CacheServer } from './common.js';

const TAGS = ['cache: turbo'];

function namespaceOf(req: FastifyRequest): string {
  const q = (req.query ?? {}) as Record<string, unknown>;
  const team = [q.teamId, q.slug, q.team].find((v) => typeof v === 'string' && v !== '') as string | undefined;
  return checkNamespace(team ?? DEFAULT_NAMESPACE, 'query teamId/slug');
}

/** The path of the artifact routes. */
type HashRoute = { Params: { hash: string } };

function refOf(req: FastifyRequest<HashRoute>): EntryRef {
  const { hash } = req.params;
  return { protocol: 'turbo', namespace: namespaceOf(req), key: checkKey(hash, 'path :hash') };
}

function turboHeaders(m: Manifest): Record<string, string> {
  const h: Record<string, string> = {};
  if (m.meta?.duration !== undefined) h['x-artifact-duration'] = String(m.meta.duration);
  if (m.meta?.tag !== undefined) h['x-artifact-tag'] = m.meta.tag;
  return h;
}

/** The longest task duration a cache event may report (one day). */
const MAX_TASK_MS = 86_400_000;

function metaOf(req: FastifyRequest): ManifestMeta {
  const meta: ManifestMeta = {};
  const d = req.headers['x-artifact-duration'];
  if (typeof d === 'string' && d !== '') {
    const n = Number(d);
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new CiError('E_USAGE', `x-artifact-duration ${JSON.stringify(d)} is not a whole number of milliseconds`, { where: 'x-artifact-duration header' });
    }
    meta.duration = n;
  }
  const t = req.headers['x-artifact-tag'];
  if (typeof t === 'string' && t !== '') {
    if (t.length > 1024) throw new CiError('E_USAGE', 'x-artifact-tag is over 1024 characters', { where: 'x-artifact-tag header' });
    meta.tag = t;
  }
  return meta;
}

export function turboRoutes(app: FastifyInstance, s: CacheServer): void {
  app.get('/v8/artifacts/status', routeConfig('Turborepo: remote caching status', TAGS), async (req, reply) => {
    s.tokens.check(req, reply, namespaceOf(req));
    return { status: 'enabled' };
  });
  app.get<HashRoute>('/v8/artifacts/:hash', routeConfig('Turborepo: download an artifact (verified before it is sent)', TAGS), (req, reply) =>
    lookup(s, req, reply, refOf(req), false, turboHeaders),
  );
  app.head<HashRoute>('/v8/artifacts/:hash', routeConfig('Turborepo: does an artifact exist (verified)', TAGS), (req, reply) =>
    lookup(s, req, reply, refOf(req), true, turboHeaders),
  );
  app.put<HashRoute>('/v8/artifacts/:hash', routeConfig('Turborepo: upload an artifact', TAGS), async (req, reply) => {
    const ref = refOf(req);
    const meta = metaOf(req);
    await store(s, req, reply, ref, meta);
    return reply.code(202).send({ urls: [`${ref.namespace}/${ref.key}`] });
  });
  // Batch query: { hashes: [...] } -> { hash: { size, taskDurationMs, tag? } | null }.
  app.post('/v8/artifacts', routeConfig('Turborepo: query several artifacts', TAGS), async (req, reply) => {
    const ns = namespaceOf(req);
    s.tokens.check(req, reply, ns);
    const body = (await jsonBody(req)) as { hashes?: unknown } | null;
    if (!body || !Array.isArray(body.hashes) || body.hashes.length > 10_000 || body.hashes.some((h) => typeof h !== 'string')) {
      throw new CiError('E_USAGE', 'the body must be {"hashes": [string, ...]} with at most 10000 hashes', { where: 'request body /hashes' });
    }
    const out: Record<string, unknown> = {};
    for (const h of [...new Set(body.hashes as string[])].sort()) {
      const m = await s.sentinel.peek({ protocol: 'turbo', namespace: ns, key: checkKey(h, 'request body /hashes') });
      out[h] = m ? { size: m.size, taskDurationMs: m.meta?.duration ?? 0, ...(m.meta?.tag ? { tag: m.meta.tag } : {}) } : null;
    }
    return out;
  });
  // turbo's own cache events ([{sessionId, source: LOCAL|REMOTE, event: HIT|MISS, hash, duration}]):
  // remote hits count toward the "time saved" series.
  app.post('/v8/artifacts/events', routeConfig("Turborepo: the client's cache usage events", TAGS), async (req, reply) => {
    s.tokens.check(req, reply, namespaceOf(req));
    const body = await jsonBody(req);
    if (Array.isArray(body)) {
      for (const e of body as Array<Record<string, unknown>>) {
        const ms = Number(e?.duration);
        // A task of more than a day is a client's mistake or an attack (1e308 once made the
        // time-saved counter infinite and /metrics answer 500): such events are not counted.
        if (e && e.source === 'REMOTE' && e.event === 'HIT' && Number.isFinite(ms) && ms >= 0 && ms <= MAX_TASK_MS) s.counters.turboTimeSavedMs += ms;
      }
    }
    return reply.code(200).send({});
  });
}
