// Refuse writes before the disk is full, not after: a store that hits a full disk mid-write can
// be left stuck (the embedded store spun in its WAL flush, still stuck after space was freed).
// Every request that stores something (ingest scope, webhooks, uploads) first checks the free
// space of the data folder's disk and answers 503 with Retry-After below the configured minimum.
import { statfs } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { CiError } from '../core/errors.js';
import type { HubContext } from '../core/registry.js';

/** statfs costs a system call; a second-old answer is fresh enough. */
const FRESH_MS = 1000;

export function installDiskGuard(app: FastifyInstance, ctx: Pick<HubContext, 'config' | 'log'>): void {
  const min = ctx.config.server.minFreeBytes;
  if (!min) return;
  let last = { at: 0, free: Infinity };
  const free = async () => {
    const now = Date.now();
    if (now - last.at > FRESH_MS) {
      try {
        const s = await statfs(ctx.config.dataDir);
        last = { at: now, free: Number(s.bavail) * Number(s.bsize) };
      } catch {
        last = { at: now, free: Infinity }; // the folder is elsewhere (S3 blobs, a test): no opinion
      }
    }
    return last.free;
  };
  app.addHook('onRequest', async (req, reply) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return;
    const scope = req.routeOptions.config?.scope ?? 'admin';
    const writes = scope === 'ingest' || req.url.startsWith('/webhooks/') || req.method === 'PUT';
    if (!writes) return;
    const left = await free();
    if (left >= min) return;
    ctx.log.warn({ free_bytes: left, min_free_bytes: min }, 'disk nearly full: refusing writes');
    reply.header('retry-after', '60');
    throw new CiError('E_DISK_FULL', `the hub's disk has ${Math.floor(left / 1048576)} MiB free, under the ${Math.floor(min / 1048576)} MiB it keeps free`, {
      hint: 'retry later; the operator frees space or lowers server.minFreeBytes',
    });
  });
}
