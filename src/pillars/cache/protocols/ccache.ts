// ccache HTTP remote storage (`remote_storage = http://user:TOKEN@host/ccache[/NS]|layout=...`).
// ccache 4.7 sends GET and PUT (HEAD and DELETE are served too), keys in one of three layouts:
//   subdirs (default)  /ccache/4d/7akuu12pqg5l3n8scba4tpo4qcidrbg   (2 + 31 characters)
//   flat               /ccache/4d7akuu12pqg5l3n8scba4tpo4qcidrbg
//   bazel              /ccache/ac/<64 hex>                           (the key, hex, padded)
// subdirs and flat name the same entry (the key is the two parts joined); bazel keys stay apart.
// A namespace is one more segment: /ccache/NS/...; since a subdirs prefix is 2 characters, a
// ccache namespace must be at least 3 characters long.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CiError } from '../../../core/errors.js';
import { checkKey, checkNamespace, DEFAULT_NAMESPACE, type EntryRef } from '../keys.js';
import { lookup, routeConfig, store, type CacheServer } from './common.js';

const TAGS = ['cache: ccache'];
const HEX64 = /^[0-9a-f]{64}$/;

/** Maps the path after /ccache/ to a ref; throws on anything that is not one of the layouts. */
export function ccacheRef(rest: string): EntryRef {
  const where = 'path after /ccache/';
  const bad = (hint?: string) =>
    new CiError('E_PATH_TRAVERSAL', `invalid ccache path ${JSON.stringify(rest.slice(0, 120))}`, {
      where,
      hint: hint ?? 'ccache paths are [NS/]KEY, [NS/]XX/REST or [NS/]ac/HEX64; a namespace has 3 or more characters',
    });
  const segs = rest.split('/');
  if (segs.some((s) => s === '' || s === '.' || s === '..')) throw bad();
  // The layout part: KEY (flat), XX/REST (subdirs) or ac/HEX64 (bazel).
  const layoutKey = (p: string[]): string | null => {
    if (p.length === 1) return p[0]!;
    if (p.length === 2 && p[0] === 'ac' && HEX64.test(p[1]!)) return `ac/${p[1]}`;
    if (p.length === 2 && p[0]!.length === 2) return p[0]! + p[1]!;
    return null;
  };
  let ns = DEFAULT_NAMESPACE;
  let key = segs.length <= 2 ? layoutKey(segs) : null;
  if (key === null) {
    if (segs.length < 2 || segs.length > 3 || segs[0]!.length < 3) throw bad();
    ns = checkNamespace(segs[0]!, where);
    key = layoutKey(segs.slice(1));
    if (key === null) throw bad();
  }
  return { protocol: 'ccache', namespace: ns, key: checkKey(key, where, 2) };
}

/** `/ccache/*`: the rest of the path is the key. */
type WildcardRoute = { Params: { '*'?: string } };

function refOf(req: FastifyRequest<WildcardRoute>): EntryRef {
  return ccacheRef(req.params['*'] ?? '');
}

export function ccacheRoutes(app: FastifyInstance, s: CacheServer): void {
  app.get<WildcardRoute>('/ccache/*', routeConfig('ccache: download an entry (verified before it is sent)', TAGS), (req, reply) =>
    lookup(s, req, reply, refOf(req), false),
  );
  app.head<WildcardRoute>('/ccache/*', routeConfig('ccache: does an entry exist (verified)', TAGS), (req, reply) => lookup(s, req, reply, refOf(req), true));
  app.put<WildcardRoute>('/ccache/*', routeConfig('ccache: upload an entry', TAGS), async (req, reply) => {
    await store(s, req, reply, refOf(req));
    return reply.code(200).send();
  });
  app.delete<WildcardRoute>('/ccache/*', routeConfig('ccache: remove an entry', TAGS), async (req, reply) => {
    const ref = refOf(req);
    s.tokens.check(req, reply, ref.namespace);
    return reply.code((await s.sentinel.delete(ref)) ? 200 : 404).send();
  });
}
