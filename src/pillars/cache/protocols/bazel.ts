// Bazel HTTP remote cache (`--remote_cache=http://host/` or `http://host/bazel/NS`):
// GET/HEAD/PUT /ac/<sha256> (action results) and /cas/<sha256> (content). A CAS upload is keyed
// by the SHA-256 of its bytes: one that does not hash to its key is refused and nothing is stored.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CiError } from '../../../core/errors.js';
import { checkNamespace, DEFAULT_NAMESPACE, type EntryRef } from '../keys.js';
import { lookup, routeConfig, store, type CacheServer } from './common.js';

const TAGS = ['cache: bazel'];
const SHA256_RE = /^[0-9a-f]{64}$/;

/** `/ac/:hash`, `/cas/:hash`, and the same under `/bazel/:ns`. */
type KeyRoute = { Params: { ns?: string; hash: string } };

function refOf(req: FastifyRequest<KeyRoute>, area: 'ac' | 'cas'): EntryRef {
  const p = req.params;
  if (!SHA256_RE.test(p.hash)) {
    throw new CiError('E_PATH_TRAVERSAL', `invalid ${area} key ${JSON.stringify(p.hash.slice(0, 100))}`, {
      where: 'path :hash',
      hint: 'Bazel keys are 64 lower-case hex digits (SHA-256)',
    });
  }
  const namespace = p.ns === undefined ? DEFAULT_NAMESPACE : checkNamespace(p.ns, 'path :ns');
  return { protocol: 'bazel', namespace, key: `${area}/${p.hash}` };
}

export function bazelRoutes(app: FastifyInstance, s: CacheServer): void {
  for (const prefix of ['', '/bazel/:ns']) {
    for (const area of ['ac', 'cas'] as const) {
      const url = `${prefix}/${area}/:hash`;
      const what = area === 'ac' ? 'action result' : 'content blob';
      app.get<KeyRoute>(url, routeConfig(`Bazel: download a ${what} (verified before it is sent)`, TAGS), (req, reply) =>
        lookup(s, req, reply, refOf(req, area), false),
      );
      app.head<KeyRoute>(url, routeConfig(`Bazel: does a ${what} exist (verified)`, TAGS), (req, reply) => lookup(s, req, reply, refOf(req, area), true));
      app.put<KeyRoute>(
        url,
        routeConfig(`Bazel: upload a ${what}${area === 'cas' ? ' (its SHA-256 must be its key)' : ''}`, TAGS),
        async (req: FastifyRequest<KeyRoute>, reply: FastifyReply) => {
          const ref = refOf(req, area);
          await store(s, req, reply, ref, undefined, area === 'cas' ? { sha256: ref.key.slice(4) } : {});
          return reply.code(200).send();
        },
      );
    }
  }
}
