// Request bodies as streams: ingest routes never buffer a body; gzip is decompressed on the fly
// with the decompressed size capped (a gzip bomb stops at the cap, not at the end of memory).
import { createGunzip } from 'node:zlib';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CiError } from '../core/errors.js';

/** Registers pass-through parsers so `req.body` is the raw request stream (encapsulated plugins only). */
export function rawBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
}

class Cap extends Transform {
  private total = 0;
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.total += chunk.length;
    if (this.total > this.max) {
      cb(
        new CiError('E_BODY_TOO_LARGE', `the body is over ${this.max} bytes after decompression`, {
          where: 'request body',
          hint: 'split the upload into several smaller requests',
        }),
      );
      return;
    }
    cb(null, chunk);
  }
}

/**
 * The request body as a byte stream: decompressed when Content-Encoding is gzip, capped at
 * `maxBytes` decompressed. Errors surface as CiErrors while the stream is read.
 */
export function bodyStream(req: FastifyRequest, maxBytes: number): Readable {
  const raw = req.body as Readable | undefined;
  if (!raw || typeof (raw as Readable).pipe !== 'function') {
    throw new CiError('E_BODY_EMPTY', 'the request has no body', { hint: 'send NDJSON, one record per line' });
  }
  const enc = String(req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  const declared = Number(req.headers['content-length']);
  if (enc === 'identity' || enc === '') {
    if (Number.isFinite(declared) && declared > maxBytes) {
      raw.resume();
      throw new CiError('E_BODY_TOO_LARGE', `Content-Length ${declared} is over the ${maxBytes}-byte cap`, {
        where: 'Content-Length header',
        hint: 'split the upload into several smaller requests',
      });
    }
    return raw.pipe(new Cap(maxBytes));
  }
  if (enc === 'gzip' || enc === 'x-gzip') {
    const gunzip = createGunzip();
    const cap = new Cap(maxBytes);
    raw.on('error', (e) => cap.destroy(e));
    gunzip.on('error', (e) =>
      cap.destroy(
        new CiError('E_GZIP_INVALID', `the gzip body cannot be decompressed: ${e.message}`, {
          where: 'request body',
          hint: 'send a complete gzip stream, or no Content-Encoding for plain NDJSON',
        }),
      ),
    );
    return raw.pipe(gunzip).pipe(cap);
  }
  raw.resume();
  throw new CiError('E_UNSUPPORTED_ENCODING', `Content-Encoding ${enc} is not supported`, {
    where: 'Content-Encoding header',
    hint: 'use gzip or no encoding',
  });
}
