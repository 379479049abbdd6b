// Staging an upload: the body streams to a temp file while BLAKE3 (and, for Bazel CAS, SHA-256)
// is computed, capped in size and guarded against slow clients; the file is fsynced before it is
// committed. A 2 GB artifact never sits in memory (issue 7 "Storage").
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CiError } from '../../core/errors.js';
import { StreamDigest, type Digest } from './digest.js';

export interface Staged {
  tmpFile: string;
  digest: Digest;
  size: number;
  /** Hex SHA-256, when asked for (Bazel CAS keys are SHA-256). */
  sha256?: string;
}

export interface StageOptions {
  dir: string;
  maxBytes: number;
  sha256?: boolean;
  /** Slow-client guard: below this average rate after `graceMs` the upload is dropped. */
  minBytesPerSec: number;
  graceMs: number;
}

export async function stageUpload(body: Readable, opts: StageOptions): Promise<Staged> {
  const tmpFile = path.join(opts.dir, `.tmp-${process.pid}-${randomBytes(8).toString('hex')}`);
  const d = new StreamDigest();
  const sha = opts.sha256 ? createHash('sha256') : null;
  const started = Date.now();
  let size = 0;
  let slow: CiError | null = null;
  const guard = setInterval(
    () => {
      const elapsed = Date.now() - started;
      if (elapsed > opts.graceMs && (size * 1000) / elapsed < opts.minBytesPerSec) {
        slow = new CiError('E_REQUEST_TIMEOUT', `the upload is too slow (${size} bytes in ${Math.round(elapsed / 1000)} s)`, {
          where: 'request body',
          hint: `the cache drops uploads slower than ${opts.minBytesPerSec} bytes/s after ${opts.graceMs / 1000} s`,
        });
        body.destroy(slow);
      }
    },
    Math.min(5000, Math.max(100, opts.graceMs / 4)),
  );
  guard.unref();
  try {
    await pipeline(
      body,
      async function* (src: AsyncIterable<Buffer>) {
        for await (const c of src) {
          size += c.length;
          if (size > opts.maxBytes) {
            throw new CiError('E_BODY_TOO_LARGE', `the upload is over the ${opts.maxBytes}-byte cap`, {
              where: 'request body',
              hint: 'raise the cache upload cap (--upload-max) or keep the artifact smaller',
            });
          }
          d.update(c);
          sha?.update(c);
          yield c;
        }
      },
      createWriteStream(tmpFile, { highWaterMark: 1 << 20 }),
    );
    const fh = await open(tmpFile, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (e) {
    await rm(tmpFile, { force: true });
    // Set by the rate guard's callback (control flow cannot see it): read it through its type.
    const tooSlow = slow as CiError | null;
    if (tooSlow) throw tooSlow;
    if (e instanceof CiError) throw e;
    throw new CiError('E_INPUT_UNREADABLE', `the upload did not complete: ${(e as Error).message}`, {
      where: 'request body',
      hint: 'the client closed the connection or sent a broken body; retry the upload',
      cause: e,
    });
  } finally {
    clearInterval(guard);
  }
  return { tmpFile, digest: d.hex(), size, ...(sha ? { sha256: sha.digest('hex') } : {}) };
}
