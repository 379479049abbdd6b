// The cache's storage seam (DESIGN.md: "the cache's local | s3 storage"): blobs by digest,
// manifests by ref, a quarantine area and the standalone event journal, in one folder or one
// S3 prefix. Everything that decides (verification policy, signatures, eviction) lives above it.
import type { Readable } from 'node:stream';
import path from 'node:path';
import { CiError } from '../../../core/errors.js';
import type { EntryRef } from '../keys.js';
import type { Manifest } from '../manifest.js';

export interface StoredManifest {
  manifest: Manifest;
  /** Last hit (fs: the manifest file's mtime; S3: the `lastHit` field, else LastModified). */
  lastHit: Date;
}

export interface BlobStat {
  digest: string;
  size: number;
  modified: Date;
}

export type QuarantineReason = 'digest_mismatch' | 'size_mismatch' | 'signature_invalid' | 'manifest_corrupt';

export interface FetchOptions {
  /** Hash the blob before anything is sent (off only for the verification-overhead benchmark). */
  verify: boolean;
  /** Blobs up to this size are read into one buffer, hashed and sent from it. */
  bufferMax: number;
  /**
   * Blobs at least this large are re-hashed only when their file identity (inode, size, mtime,
   * ctime; S3: ETag) changed since this process last hashed them in full (README "Verification").
   */
  trustVerifiedAbove: number;
}

export type FetchResult =
  | { ok: true; size: number; body: Buffer | Readable; hashed: boolean }
  | { ok: false; reason: 'missing' }
  | { ok: false; reason: 'size_mismatch' | 'digest_mismatch'; actual: string; identity: string };

export interface ManifestListItem {
  path: string;
  stored: StoredManifest | null;
}

export interface CacheBackend {
  readonly kind: 'fs' | 's3';
  /** Human-readable location (folder or s3:// URL). */
  readonly location: string;
  /** Local folder where uploads are staged while hashed (fs: inside the store, so rename is atomic). */
  readonly stagingDir: string;
  init(): Promise<void>;
  /** Moves a fully written, fsynced staging file to its digest's place (atomic; replaces a copy). */
  commitBlob(tmpFile: string, digest: string, size: number): Promise<void>;
  /** Reads a blob and checks its size and (when asked) its digest before returning a body to send. */
  fetchBlob(digest: string, expectedSize: number, opts: FetchOptions): Promise<FetchResult>;
  /** Size of a stored blob, or null. */
  blobSize(digest: string): Promise<number | null>;
  /**
   * Moves a blob to quarantine (only if it is still the copy identified by `identity`, so a fresh
   * good copy committed meanwhile is not swept away). Returns where it went, or null.
   */
  quarantineBlob(digest: string, reason: QuarantineReason, identity?: string): Promise<string | null>;
  deleteBlob(digest: string): Promise<void>;
  listBlobs(): AsyncIterable<BlobStat>;
  /** Hashes a stored blob in full (scrub); null when absent. */
  hashBlob(digest: string): Promise<{ digest: string; size: number; identity: string } | null>;
  /** 'corrupt' when the file exists but is not a manifest. */
  readManifest(ref: EntryRef): Promise<StoredManifest | 'corrupt' | null>;
  writeManifest(m: Manifest): Promise<void>;
  deleteManifest(ref: EntryRef): Promise<void>;
  quarantineManifest(ref: EntryRef, reason: QuarantineReason): Promise<string | null>;
  /** Records a hit time (best effort; LRU needs only an approximate order). */
  touchManifest(ref: EntryRef, at: Date, stored: StoredManifest): Promise<void>;
  /** Every manifest file; `stored` null when it is unreadable or not a manifest. */
  listManifests(): AsyncIterable<ManifestListItem>;
  /** Deletes a manifest by its storage path (scrub/evict of unparseable manifests). */
  quarantineManifestPath(p: string, reason: QuarantineReason): Promise<string | null>;
  /** Appends NDJSON lines to the event journal. */
  appendEvents(day: string, lines: string): Promise<void>;
  /** Event journal lines of the days from `sinceDay` (YYYY-MM-DD) on, in order. */
  readEvents(sinceDay: string): AsyncIterable<string>;
  close(): Promise<void>;
}

export interface StorageSpec {
  kind: 'fs' | 's3';
  dir?: string;
  bucket?: string;
  prefix?: string;
  endpoint?: string;
  region?: string;
  /** S3: local folder for staging uploads and spooling large verified downloads. */
  spoolDir?: string;
}

/** `--storage DIR|s3://bucket/prefix` (+ `--s3-endpoint`). */
export function parseStorage(value: string, opts: { endpoint?: string; region?: string; cwd?: string; spoolDir?: string } = {}): StorageSpec {
  if (value.startsWith('s3://')) {
    const rest = value.slice(5);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new CiError('E_USAGE', `invalid S3 bucket name ${JSON.stringify(bucket)}`, {
        where: '--storage',
        hint: 'use s3://bucket/prefix with a bucket of 3-63 lower-case letters, digits, "." and "-"',
      });
    }
    if (prefix.split('/').some((s) => s === '..' || s === '.')) {
      throw new CiError('E_PATH_TRAVERSAL', `invalid S3 prefix ${JSON.stringify(prefix)}`, { where: '--storage' });
    }
    return { kind: 's3', bucket, prefix, endpoint: opts.endpoint, region: opts.region, spoolDir: opts.spoolDir };
  }
  if (!value) throw new CiError('E_USAGE', 'empty --storage', { where: '--storage', hint: 'pass a folder or s3://bucket/prefix' });
  return { kind: 'fs', dir: path.resolve(opts.cwd ?? process.cwd(), value) };
}

export async function openBackend(spec: StorageSpec): Promise<CacheBackend> {
  const b = spec.kind === 's3' ? new (await import('./s3.js')).S3Backend(spec) : new (await import('./fs.js')).FsBackend(spec.dir!);
  await b.init();
  return b;
}

export function dayOf(d: Date): string {
  return d.toISOString().slice(0, 10);
}
