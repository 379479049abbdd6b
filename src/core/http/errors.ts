// The one central HTTP error handler (DESIGN.md "Habits"): validation -> 400, catalogued errors
// -> their status, anything else -> 500 and an error log with the request id. The hub and the
// standalone build cache (`ci-intel cache serve`) both install it.
import type { FastifyError, FastifyInstance } from 'fastify';
import { CiError } from '../errors.js';

export interface ErrorBody {
  error: { code: string; message: string; where?: string; hint?: string; details?: Record<string, unknown>; request_id?: string };
}

export function errorBody(e: CiError, requestId?: string): ErrorBody {
  return { error: { ...(e.toJSON() as ErrorBody['error']), ...(requestId ? { request_id: requestId } : {}) } };
}

export interface ErrorHandlerOptions {
  /** Where the accepted parameters are documented (the hub's OpenAPI document), for the hints. */
  docs?: string;
}

/** SQLSTATEs and socket errors of a database that went away (restart, failover, network). */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);

/** Did this error come from the store being unreachable (a 503 to retry), not from a bug (a 500)? */
export function storeUnreachable(e: unknown): boolean {
  const x = e as { code?: unknown; message?: unknown } | null;
  if (!x || typeof x !== 'object') return false;
  if (typeof x.code === 'string' && UNREACHABLE_CODES.has(x.code)) return true;
  return (
    typeof x.message === 'string' &&
    /Connection terminated|terminating connection|the database system is (starting up|shutting down)|Client has encountered a connection error/.test(x.message)
  );
}

export function installErrorHandler(app: FastifyInstance, opts: ErrorHandlerOptions = {}): void {
  const seeDocs = opts.docs ? { hint: `see ${opts.docs}` } : {};
  app.setErrorHandler((err: FastifyError | CiError | Error, req, reply) => {
    if (err instanceof CiError) {
      if (err.status >= 500) req.log.error({ err }, err.message);
      if (err.code === 'E_RATE_LIMITED' && err.details?.retry_after_s) reply.header('retry-after', String(err.details.retry_after_s));
      return reply.status(err.status).send(errorBody(err, req.id));
    }
    if (storeUnreachable(err)) {
      req.log.warn({ err }, 'store unreachable');
      reply.header('retry-after', '5');
      return reply
        .status(503)
        .send(
          errorBody(
            new CiError('E_DB_UNAVAILABLE', 'the store cannot be reached right now', { hint: 'retry in a few seconds; nothing of this request was stored' }),
            req.id,
          ),
        );
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const first = fe.validation[0];
      const where = `${fe.validationContext ?? 'request'}${first?.instancePath ?? ''}`;
      return reply
        .status(400)
        .send(
          errorBody(
            new CiError('E_USAGE', fe.message, { where, hint: opts.docs ? `see ${opts.docs} for the accepted parameters` : 'check the request parameters' }),
            req.id,
          ),
        );
    }
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send(errorBody(new CiError('E_BODY_TOO_LARGE', fe.message, { hint: 'send a smaller body' }), req.id));
    }
    if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || fe.code === 'FST_ERR_CTP_EMPTY_TYPE') {
      return reply.status(fe.statusCode ?? 400).send(errorBody(new CiError('E_USAGE', fe.message), req.id));
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send(errorBody(new CiError('E_USAGE', fe.message), req.id));
    }
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send(errorBody(new CiError('E_INTERNAL', 'internal error', { hint: `report it with the request id ${req.id}` }), req.id));
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send(errorBody(new CiError('E_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`, seeDocs), req.id));
  });
}
