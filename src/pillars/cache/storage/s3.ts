// S3-compatible storage (@aws-sdk/client-s3). Checksums only WHEN_REQUIRED: the SDK's default CRC
// trailers come out corrupted on S3-compatible servers such as s3rver (DESIGN.md pins).
// Uploads are staged on local disk while hashed (the digest names the object, so it must be known
// before the upload), then streamed up; large downloads are spooled to local disk while verified,
// so neither direction ever holds a whole blob in memory.
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CiError } from '../../../core/errors.js';
import { blake3Hex, StreamDigest } from '../digest.js';
import { blobPath, manifestPath, type EntryRef } from '../keys.js';
import { parseManifest, serializeManifest, type Manifest } from '../manifest.js';
import type { BlobStat, CacheBackend, FetchOptions, FetchResult, ManifestListItem, QuarantineReason, StorageSpec, StoredManifest } from './index.js';

/** S3 cannot touch a file's mtime: the last hit is rewritten into the manifest at most this often. */
const TOUCH_EVERY_MS = 3_600_000;

export class S3Backend implements CacheBackend {
  readonly kind = 's3' as const;
  readonly stagingDir: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly verified = new Map<string, string>();
  private seq = 0;
  /** The spool folder is ours to delete (not one the user named). */
  private readonly ownSpool: boolean;

  constructor(private readonly spec: StorageSpec) {
    this.bucket = spec.bucket!;
    this.prefix = spec.prefix ? spec.prefix + '/' : '';
    this.stagingDir = spec.spoolDir ?? path.join(os.tmpdir(), `ci-intel-cache-spool-${process.pid}-${randomBytes(4).toString('hex')}`);
    this.ownSpool = !spec.spoolDir;
    this.client = new S3Client({
      endpoint: spec.endpoint,
      region: spec.region ?? process.env.AWS_REGION ?? 'us-east-1',
      forcePathStyle: Boolean(spec.endpoint),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  get location(): string {
    return `s3://${this.bucket}/${this.prefix}`;
  }

  private k(rel: string): string {
    return this.prefix + rel;
  }

  private fail(op: string, rel: string, e: unknown): never {
    throw new CiError('E_BLOB_UNAVAILABLE', `S3 ${op} ${rel} failed: ${(e as Error).message}`, {
      where: `s3://${this.bucket}/${this.prefix}${rel}`,
      hint: 'check --s3-endpoint, the bucket and the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)',
      cause: e,
    });
  }

  async init(): Promise<void> {
    await mkdir(this.stagingDir, { recursive: true });
    try {
      await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, MaxKeys: 1 }));
    } catch (e) {
      this.fail('list', '', e);
    }
  }

  private async head(rel: string): Promise<{ size: number; etag: string; modified: Date } | null> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.k(rel) }));
      return { size: r.ContentLength ?? 0, etag: r.ETag ?? '', modified: r.LastModified ?? new Date(0) };
    } catch (e) {
      if (isNotFound(e)) return null;
      this.fail('head', rel, e);
    }
  }

  private async getObject(rel: string): Promise<{ body: Readable; size: number; etag: string; modified: Date } | null> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.k(rel) }));
      return { body: r.Body as Readable, size: r.ContentLength ?? 0, etag: r.ETag ?? '', modified: r.LastModified ?? new Date(0) };
    } catch (e) {
      if (isNotFound(e)) return null;
      this.fail('get', rel, e);
    }
  }

  private async putSmall(rel: string, body: Buffer): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.k(rel), Body: body, ContentLength: body.length }));
    } catch (e) {
      this.fail('put', rel, e);
    }
  }

  private async move(from: string, to: string): Promise<boolean> {
    try {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: this.k(to), CopySource: `${this.bucket}/${encodeURI(this.k(from))}` }));
    } catch (e) {
      if (isNotFound(e)) return false;
      this.fail('copy', from, e);
    }
    await this.del(from);
    return true;
  }

  private async del(rel: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.k(rel) }));
    } catch (e) {
      if (!isNotFound(e)) this.fail('delete', rel, e);
    }
  }

  async commitBlob(tmpFile: string, digest: string, size: number): Promise<void> {
    try {
      const have = await this.head(blobPath(digest));
      // Stored once: the same bytes are already there (a damaged copy is caught on read and quarantined).
      if (have && have.size === size) return;
      try {
        await new Upload({
          client: this.client,
          params: { Bucket: this.bucket, Key: this.k(blobPath(digest)), Body: createReadStream(tmpFile, { highWaterMark: 1 << 20 }) },
        }).done();
      } catch (e) {
        this.fail('put', blobPath(digest), e);
      }
      this.verified.delete(digest);
    } finally {
      await rm(tmpFile, { force: true });
    }
  }

  async fetchBlob(digest: string, expectedSize: number, opts: FetchOptions): Promise<FetchResult> {
    const obj = await this.getObject(blobPath(digest));
    if (!obj) return { ok: false, reason: 'missing' };
    const identity = `${obj.etag}:${obj.size}:${obj.modified.getTime()}`;
    if (obj.size !== expectedSize) {
      obj.body.destroy();
      return { ok: false, reason: 'size_mismatch', actual: String(obj.size), identity };
    }
    if (obj.size <= opts.bufferMax) {
      const chunks: Buffer[] = [];
      for await (const c of obj.body) chunks.push(c as Buffer);
      const buf = Buffer.concat(chunks);
      if (buf.length !== expectedSize) return { ok: false, reason: 'size_mismatch', actual: String(buf.length), identity };
      if (opts.verify) {
        const d = blake3Hex(buf);
        if (d !== digest) return { ok: false, reason: 'digest_mismatch', actual: d, identity };
      }
      return { ok: true, size: buf.length, body: buf, hashed: opts.verify };
    }
    if (!opts.verify || (obj.size >= opts.trustVerifiedAbove && this.verified.get(digest) === identity)) {
      return { ok: true, size: obj.size, body: obj.body, hashed: false };
    }
    // Spool to local disk while hashing, then stream the spool file (deleted once sent).
    const spool = path.join(this.stagingDir, `.spool-${process.pid}-${randomBytes(6).toString('hex')}`);
    const d = new StreamDigest();
    try {
      await pipeline(
        obj.body,
        async function* (src: AsyncIterable<Buffer>) {
          for await (const c of src) {
            d.update(c);
            yield c;
          }
        },
        createWriteStream(spool),
      );
    } catch (e) {
      await rm(spool, { force: true });
      this.fail('get', blobPath(digest), e);
    }
    const actual = d.hex();
    if (d.size !== expectedSize || actual !== digest) {
      await rm(spool, { force: true });
      return { ok: false, reason: d.size !== expectedSize ? 'size_mismatch' : 'digest_mismatch', actual, identity };
    }
    this.verified.set(digest, identity);
    const body = createReadStream(spool, { highWaterMark: 1 << 20 });
    body.once('close', () => void rm(spool, { force: true }));
    return { ok: true, size: d.size, body, hashed: true };
  }

  async blobSize(digest: string): Promise<number | null> {
    return (await this.head(blobPath(digest)))?.size ?? null;
  }

  async hashBlob(digest: string): Promise<{ digest: string; size: number; identity: string } | null> {
    const obj = await this.getObject(blobPath(digest));
    if (!obj) return null;
    const d = new StreamDigest();
    for await (const c of obj.body) d.update(c as Buffer);
    const identity = `${obj.etag}:${obj.size}:${obj.modified.getTime()}`;
    const digestHex = d.hex();
    if (digestHex === digest) this.verified.set(digest, identity);
    return { digest: digestHex, size: d.size, identity };
  }

  async quarantineBlob(digest: string, reason: QuarantineReason, identity?: string): Promise<string | null> {
    if (identity) {
      const h = await this.head(blobPath(digest));
      if (!h || `${h.etag}:${h.size}:${h.modified.getTime()}` !== identity) return null;
    }
    const to = `quarantine/blobs/${digest}.${stamp()}.${reason}`;
    this.verified.delete(digest);
    return (await this.move(blobPath(digest), to)) ? to : null;
  }

  async deleteBlob(digest: string): Promise<void> {
    this.verified.delete(digest);
    await this.del(blobPath(digest));
  }

  private async *list(sub: string): AsyncIterable<{ key: string; size: number; modified: Date }> {
    let token: string | undefined;
    do {
      let r;
      try {
        r = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.k(sub), ContinuationToken: token }));
      } catch (e) {
        this.fail('list', sub, e);
      }
      for (const o of r.Contents ?? []) {
        if (o.Key) yield { key: o.Key.slice(this.prefix.length), size: o.Size ?? 0, modified: o.LastModified ?? new Date(0) };
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  }

  async *listBlobs(): AsyncIterable<BlobStat> {
    for await (const o of this.list('blobs/')) {
      const name = o.key.slice(o.key.lastIndexOf('/') + 1);
      if (/^[0-9a-f]{64}$/.test(name)) yield { digest: name, size: o.size, modified: o.modified };
    }
  }

  private async readManifestAt(rel: string): Promise<StoredManifest | 'corrupt' | null> {
    const obj = await this.getObject(rel);
    if (!obj) return null;
    const chunks: Buffer[] = [];
    for await (const c of obj.body) chunks.push(c as Buffer);
    const m = parseManifest(Buffer.concat(chunks));
    if (!m) return 'corrupt';
    const hit = (m as Manifest & { lastHit?: string }).lastHit;
    const lastHit = hit && Number.isFinite(Date.parse(hit)) ? new Date(hit) : obj.modified;
    delete (m as Manifest & { lastHit?: string }).lastHit;
    return { manifest: m, lastHit };
  }

  async readManifest(ref: EntryRef): Promise<StoredManifest | 'corrupt' | null> {
    return this.readManifestAt(manifestPath(ref));
  }

  async writeManifest(m: Manifest): Promise<void> {
    await this.putSmall(manifestPath(m), serializeManifest(m));
  }

  async deleteManifest(ref: EntryRef): Promise<void> {
    await this.del(manifestPath(ref));
  }

  async quarantineManifest(ref: EntryRef, reason: QuarantineReason): Promise<string | null> {
    return this.quarantineManifestPath(manifestPath(ref), reason);
  }

  async quarantineManifestPath(rel: string, reason: QuarantineReason): Promise<string | null> {
    const to = `quarantine/manifests/${path.posix.basename(rel, '.json')}.${stamp()}.${reason}.json`;
    return (await this.move(rel, to)) ? to : null;
  }

  async touchManifest(ref: EntryRef, at: Date, stored: StoredManifest): Promise<void> {
    if (at.getTime() - stored.lastHit.getTime() < TOUCH_EVERY_MS) return;
    const body = Buffer.from(JSON.stringify({ ...stored.manifest, lastHit: at.toISOString() }) + '\n');
    await this.putSmall(manifestPath(ref), body).catch(() => {});
    stored.lastHit = at;
  }

  async *listManifests(): AsyncIterable<ManifestListItem> {
    for await (const o of this.list('manifests/')) {
      if (!o.key.endsWith('.json')) continue;
      const r = await this.readManifestAt(o.key).catch(() => 'corrupt' as const);
      if (r === null) continue;
      yield { path: o.key, stored: r === 'corrupt' ? null : r };
    }
  }

  async appendEvents(day: string, lines: string): Promise<void> {
    // S3 has no append: one object per flush, named so a listing returns them in time order.
    const name = `events/${day}/${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}-${String(this.seq++).padStart(6, '0')}.ndjson`;
    await this.putSmall(name, Buffer.from(lines));
  }

  async *readEvents(sinceDay: string): AsyncIterable<string> {
    const keys: string[] = [];
    for await (const o of this.list('events/')) {
      const day = o.key.split('/')[1] ?? '';
      if (day >= sinceDay) keys.push(o.key);
    }
    keys.sort();
    for (const key of keys) {
      const obj = await this.getObject(key);
      if (!obj) continue;
      const chunks: Buffer[] = [];
      for await (const c of obj.body) chunks.push(c as Buffer);
      for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) if (line) yield line;
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
    if (this.ownSpool) await rm(this.stagingDir, { recursive: true, force: true }).catch(() => {});
  }
}

function isNotFound(e: unknown): boolean {
  const x = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return x.name === 'NoSuchKey' || x.name === 'NotFound' || x.$metadata?.httpStatusCode === 404;
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-') + '-' + randomBytes(3).toString('hex');
}
