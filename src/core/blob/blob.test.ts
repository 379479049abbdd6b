import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkKey, type BlobStore } from './index.js';
import { FsBlobStore } from './fs.js';
import { S3BlobStore } from './s3.js';

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function contract(name: string, make: () => Promise<BlobStore>) {
  describe(name, () => {
    let store: BlobStore;
    beforeAll(async () => {
      store = await make();
    });

    it('puts and gets buffers and streams, lists by prefix in key order, deletes', async () => {
      await store.put('a/b/one.txt', Buffer.from('one'));
      const big = randomBytes(3 * 1024 * 1024 + 17);
      const res = await store.put('a/c/big.bin', Readable.from([big.subarray(0, 1000), big.subarray(1000)]));
      expect(res.size).toBe(big.length);
      expect((await store.getBuffer('a/b/one.txt')).toString()).toBe('one');
      const back = await readAll(await store.get('a/c/big.bin'));
      expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(big).digest('hex'));
      expect((await store.head('a/c/big.bin'))?.size).toBe(big.length);
      expect(await store.head('a/none')).toBeNull();
      const keys: string[] = [];
      for await (const b of store.list('a/')) keys.push(b.key);
      expect(keys).toEqual(['a/b/one.txt', 'a/c/big.bin']);
      await store.delete('a/b/one.txt');
      await expect(store.getBuffer('a/b/one.txt')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
      await expect(store.get('a/b/one.txt')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    });

    it('refuses keys that could escape the store', async () => {
      for (const k of ['../x', 'a/../../x', '/etc/passwd', 'a//b', 'a\\b', 'a/./b', 'C:/x', '']) {
        await expect(store.put(k, Buffer.from('x'))).rejects.toMatchObject({ code: 'E_PATH_TRAVERSAL' });
      }
    });
  });
}

contract('fs blob store', async () => new FsBlobStore(mkdtempSync(path.join(os.tmpdir(), 'ci-intel-blob-'))));

describe('S3-compatible blob store (s3rver)', () => {
  let server: { close(): Promise<void> } | undefined;
  let endpoint = '';
  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    const S3rver = (await import('s3rver')).default;
    const s = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: mkdtempSync(path.join(os.tmpdir(), 'ci-intel-s3-')),
      configureBuckets: [{ name: 'ci-intel' }],
    });
    const addr = await s.run();
    server = s;
    endpoint = `http://127.0.0.1:${addr.port}`;
  });
  afterAll(async () => server?.close());
  contract('s3', async () => new S3BlobStore({ kind: 's3', endpoint, bucket: 'ci-intel', prefix: 'hub', region: 'us-east-1' }));
});

describe('checkKey', () => {
  it('accepts normal keys', () => {
    expect(checkKey('records/2026/01/01/x.ndjson.gz')).toBe('records/2026/01/01/x.ndjson.gz');
  });
});
