// The object store seam: logs, reports and records as sent. A filesystem folder by default,
// S3-compatible object storage when configured. Keys are `/`-separated relative paths; a key that
// tries to leave the store (.., absolute, backslashes, NUL) is refused.
import type { Readable } from 'node:stream';
import path from 'node:path';
import { CiError } from '../errors.js';
import type { BlobConfig } from '../config.js';

export interface BlobInfo {
  key: string;
  size: number;
  modified: Date;
}

export interface BlobStore {
  readonly kind: 'fs' | 's3';
  /** Writes durably (fs: temp file, fsync, rename) and returns the size written. */
  put(key: string, data: Buffer | Readable): Promise<{ key: string; size: number }>;
  /** A stream of the blob; E_NOT_FOUND when absent. */
  get(key: string): Promise<Readable>;
  getBuffer(key: string): Promise<Buffer>;
  head(key: string): Promise<BlobInfo | null>;
  delete(key: string): Promise<void>;
  /** Every blob whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<BlobInfo>;
}

/** Rejects keys that could escape the store; returns the normalized key. */
export function checkKey(key: string): string {
  const bad =
    key.length === 0 ||
    key.length > 1024 ||
    key.includes('\0') ||
    key.includes('\\') ||
    key.startsWith('/') ||
    /^[a-zA-Z]:/.test(key) ||
    key.split('/').some((seg) => seg === '..' || seg === '.' || seg === '');
  if (bad || path.posix.normalize(key) !== key) {
    throw new CiError('E_PATH_TRAVERSAL', `invalid object key ${JSON.stringify(key.slice(0, 200))}`, {
      hint: 'keys are relative paths of non-empty segments without "..", "." or backslashes',
    });
  }
  return key;
}

export async function createBlobStore(cfg: BlobConfig, dataDir: string): Promise<BlobStore> {
  if (cfg.kind === 's3') {
    const { S3BlobStore } = await import('./s3.js');
    return new S3BlobStore(cfg);
  }
  const { FsBlobStore } = await import('./fs.js');
  return new FsBlobStore(cfg.dir ?? path.join(dataDir, 'blobs'));
}
