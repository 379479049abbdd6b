import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { CiError } from '../errors.js';
import type { BlobConfig } from '../config.js';
import { checkKey, type BlobInfo, type BlobStore } from './index.js';

/**
 * S3-compatible object storage. Checksums are computed only WHEN_REQUIRED: the SDK's default
 * CRC trailers come out corrupted on S3-compatible servers such as s3rver (DESIGN.md pins).
 * Uploads stream through lib-storage's multipart Upload, so a large blob never sits in memory.
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(cfg: BlobConfig) {
    if (!cfg.bucket) throw new CiError('E_CONFIG_INVALID', 'S3 storage needs a bucket', { hint: 'set CI_INTEL_S3_BUCKET' });
    this.bucket = cfg.bucket;
    this.prefix = cfg.prefix ? cfg.prefix.replace(/\/+$/, '') + '/' : '';
    this.client = new S3Client({
      endpoint: cfg.endpoint,
      region: cfg.region ?? 'us-east-1',
      forcePathStyle: Boolean(cfg.endpoint),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private k(key: string): string {
    return this.prefix + checkKey(key);
  }

  private fail(op: string, key: string, e: unknown): never {
    if (e instanceof CiError) throw e;
    const name = (e as { name?: string }).name;
    if (name === 'NoSuchKey' || name === 'NotFound') throw new CiError('E_NOT_FOUND', `no object ${key}`);
    throw new CiError('E_BLOB_UNAVAILABLE', `S3 ${op} ${key} failed: ${(e as Error).message}`, {
      where: `s3://${this.bucket}/${this.prefix}${key}`,
      hint: 'check the endpoint, bucket and credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)',
      cause: e,
    });
  }

  async put(key: string, data: Buffer | Readable): Promise<{ key: string; size: number }> {
    let size = 0;
    const body = Buffer.isBuffer(data) ? data : data;
    if (!Buffer.isBuffer(data)) data.on('data', (c: Buffer) => (size += c.length));
    else size = data.length;
    try {
      await new Upload({ client: this.client, params: { Bucket: this.bucket, Key: this.k(key), Body: body } }).done();
    } catch (e) {
      this.fail('put', key, e);
    }
    return { key, size };
  }

  async get(key: string): Promise<Readable> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.k(key) }));
      return res.Body as Readable;
    } catch (e) {
      this.fail('get', key, e);
    }
  }

  async getBuffer(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of await this.get(key)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  async head(key: string): Promise<BlobInfo | null> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.k(key) }));
      return { key, size: r.ContentLength ?? 0, modified: r.LastModified ?? new Date(0) };
    } catch (e) {
      const name = (e as { name?: string }).name;
      if (name === 'NotFound' || name === 'NoSuchKey') return null;
      this.fail('head', key, e);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.k(key) }));
    } catch (e) {
      this.fail('delete', key, e);
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    let token: string | undefined;
    do {
      const r = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken: token }));
      for (const o of r.Contents ?? []) {
        if (!o.Key) continue;
        yield { key: o.Key.slice(this.prefix.length), size: o.Size ?? 0, modified: o.LastModified ?? new Date(0) };
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  }

  destroy(): void {
    this.client.destroy();
  }
}

export { Readable };
