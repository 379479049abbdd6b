// Idempotency-Key for uploads (sources issue item 5): the agent sends the same key on every retry
// of one upload (core/upload.ts). The first request with a key is processed and its answer kept;
// a retry with the same key (same token, method and path) gets that answer back without the upload
// being applied again — the case MEASURED.md saw under kill -9: a row committed whose answer never
// arrived. While the first request is still running, a retry gets 409 E_IDEMPOTENCY_IN_PROGRESS.
// Applies to every route with the `ingest` scope; 5xx answers are not kept, so those retries run.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { CiError } from '../core/errors.js';
import type { HubContext } from '../core/registry.js';

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyId?: string;
  }
}

const KEY_RE = /^[\x21-\x7e]{1,255}$/;
/** A key left in progress this long belongs to a request whose process died: the next retry takes it over. */
const STALE_MS = 10 * 60 * 1000;
/** Answers larger than this are not kept (the retry is then processed again; uploads are idempotent by content). */
const MAX_BODY = 1024 * 1024;

export function installIdempotency(app: FastifyInstance, ctx: Pick<HubContext, 'db' | 'now'>): void {
  app.decorateRequest('idempotencyId', undefined);
  app.addHook('preHandler', async (req, reply) => {
    if (req.method !== 'POST' && req.method !== 'PUT') return;
    if (req.routeOptions.config?.scope !== 'ingest') return;
    const raw = req.headers['idempotency-key'];
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (key === undefined) return;
    if (!KEY_RE.test(key)) {
      throw new CiError('E_USAGE', 'the Idempotency-Key header must be 1–255 visible ASCII characters', { where: 'Idempotency-Key header' });
    }
    const id = createHash('sha256')
      .update(`${req.principal?.token_id ?? '-'}\u0000${req.method} ${req.url}\u0000${key}`)
      .digest('hex');
    const now = ctx.now();
    const claimed = await ctx.db
      .insertInto('idempotency_keys')
      .values({ id, status: null, content_type: null, body: null, created_at: now })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (claimed) {
      req.idempotencyId = id;
      return;
    }
    const prev = await ctx.db.selectFrom('idempotency_keys').selectAll().where('id', '=', id).executeTakeFirst();
    if (prev && prev.status !== null) {
      reply.header('idempotent-replayed', 'true');
      if (prev.content_type) reply.header('content-type', prev.content_type);
      return reply.status(prev.status).send(prev.body ?? '');
    }
    // In progress: unless its process died long ago, tell the client to come back.
    const stale = new Date(now.getTime() - STALE_MS);
    const taken = await ctx.db
      .updateTable('idempotency_keys')
      .set({ created_at: now })
      .where('id', '=', id)
      .where('status', 'is', null)
      .where('created_at', '<', stale)
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) === 1) {
      req.idempotencyId = id;
      return;
    }
    reply.header('retry-after', '2');
    throw new CiError('E_IDEMPOTENCY_IN_PROGRESS', 'an upload with this Idempotency-Key is still being processed', {
      where: 'Idempotency-Key header',
      hint: 'retry in a few seconds: you will get its answer',
    });
  });
  app.addHook('onSend', async (req, reply, payload) => {
    const id = req.idempotencyId;
    if (!id) return payload;
    req.idempotencyId = undefined;
    const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : null;
    if (reply.statusCode >= 500 || reply.statusCode === 409 || reply.statusCode === 429 || text === null || text.length > MAX_BODY) {
      await ctx.db.deleteFrom('idempotency_keys').where('id', '=', id).execute();
    } else {
      const ct = reply.getHeader('content-type');
      await sql`update idempotency_keys set status = ${reply.statusCode}, content_type = ${ct === undefined ? null : String(ct)}, body = ${text} where id = ${id}`.execute(
        ctx.db,
      );
    }
    return payload;
  });
}
