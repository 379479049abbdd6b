// What every protocol's routes share: the server's parts, auth, lookups that answer 200 only
// with a verified body (a miss is a 404, which every client treats as "build it"), streamed PUTs.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { CiError } from '../../../core/errors.js';
import { bodyStream } from '../../../core/http/index.js';
import type { CacheTokens } from '../auth.js';
import type { Sentinel } from '../cas.js';
import type { EntryRef } from '../keys.js';
import type { ManifestMeta } from '../manifest.js';
import type { CacheCounters } from '../prometheus.js';
import type { CacheSettings } from '../settings.js';

export interface CacheServer {
  sentinel: Sentinel;
  tokens: CacheTokens;
  settings: CacheSettings;
  counters: CacheCounters;
}

/** Route options every cache route shares (the hub's own token check stays out: cache tokens apply). */
export const routeConfig = (summary: string, tags: string[]) => ({
  config: { scope: 'public' as const },
  schema: { summary, tags },
  exposeHeadRoute: false,
});

export async function lookup(
  s: CacheServer,
  req: FastifyRequest,
  reply: FastifyReply,
  ref: EntryRef,
  head: boolean,
  headers?: (m: import('../manifest.js').Manifest) => Record<string, string>,
): Promise<FastifyReply> {
  s.tokens.check(req, reply, ref.namespace);
  const r = await s.sentinel.get(ref, { head });
  if (!r.hit) {
    reply.header('cache-control', 'no-store');
    if (head) return reply.code(404).send();
    return reply
      .code(404)
      .type('application/json')
      .send({ error: { code: 'E_NOT_FOUND', message: 'cache miss' } });
  }
  reply.header('content-type', 'application/octet-stream');
  reply.header('content-length', String(r.size));
  if (headers) for (const [k, v] of Object.entries(headers(r.manifest))) reply.header(k, v);
  if (head) return reply.code(200).send();
  return reply.code(200).send(r.body as Buffer | Readable);
}

export async function store(s: CacheServer, req: FastifyRequest, reply: FastifyReply, ref: EntryRef, meta?: ManifestMeta, opts: { sha256?: string } = {}) {
  s.tokens.check(req, reply, ref.namespace);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > s.settings.uploadMaxBytes) {
    // Refuse before reading a byte; the connection closes so the client stops sending.
    reply.header('connection', 'close');
    throw new CiError('E_BODY_TOO_LARGE', `Content-Length ${declared} is over the ${s.settings.uploadMaxBytes}-byte upload cap`, {
      where: 'Content-Length header',
      hint: 'raise the cache upload cap (--upload-max) or keep the artifact smaller',
    });
  }
  const body = req.body === undefined || req.body === null ? emptyBody() : bodyStream(req, s.settings.uploadMaxBytes);
  return s.sentinel.put(ref, body, meta, opts);
}

function emptyBody(): Readable {
  // A zero-byte artifact is legal (fastify hands no stream for an empty body).
  return Readable.from([]);
}

/** Reads a small JSON request body (turbo's query and events endpoints) with a cap. */
export async function jsonBody(req: FastifyRequest, cap = 1024 * 1024): Promise<unknown> {
  if (req.body === undefined || req.body === null) return null;
  const chunks: Buffer[] = [];
  for await (const c of bodyStream(req, cap)) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return null;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CiError('E_JSON_MALFORMED', `the body is not JSON: ${(e as Error).message}`, { where: 'request body' });
  }
}
