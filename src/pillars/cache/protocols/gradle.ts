// Gradle HTTP build cache (`buildCache { remote(HttpBuildCache) { url = 'http://host/cache/' } }`,
// or `http://host/gradle/NS/`): GET/HEAD/PUT <url><key>. Gradle sends credentials only after a
// 401 carrying a WWW-Authenticate challenge (auth.ts sends one).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { checkKey, checkNamespace, DEFAULT_NAMESPACE, type EntryRef } from '../keys.js';
import { lookup, routeConfig, store, type CacheServer } from './common.js';

const TAGS = ['cache: gradle'];

/** `/cache/:key`, and the same under a namespace. */
type KeyRoute = { Params: { ns?: string; key: string } };

function refOf(req: FastifyRequest<KeyRoute>): EntryRef {
  const p = req.params;
  const namespace = p.ns === undefined ? DEFAULT_NAMESPACE : checkNamespace(p.ns, 'path :ns');
  return { protocol: 'gradle', namespace, key: checkKey(p.key, 'path :key') };
}

export function gradleRoutes(app: FastifyInstance, s: CacheServer): void {
  for (const url of ['/cache/:key', '/gradle/:ns/:key']) {
    app.get<KeyRoute>(url, routeConfig('Gradle: download a build cache entry (verified before it is sent)', TAGS), (req, reply) =>
      lookup(s, req, reply, refOf(req), false),
    );
    app.head<KeyRoute>(url, routeConfig('Gradle: does a build cache entry exist (verified)', TAGS), (req, reply) => lookup(s, req, reply, refOf(req), true));
    app.put<KeyRoute>(url, routeConfig('Gradle: upload a build cache entry', TAGS), async (req, reply) => {
      await store(s, req, reply, refOf(req));
      return reply.code(200).send();
    });
  }
}
