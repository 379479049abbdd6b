// S3-compatible storage against s3rver (npm, started here on a free port), with the SDK's
// checksums only WHEN_REQUIRED (DESIGN.md pins): put/get, content addressing, large blobs
// spooled while verified, corruption caught and quarantined, scrub, sweep and the event journal.
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blake3Hex } from './digest.js';
import { openTestCache, type TestCache } from './fixtures/harness.js';
import { blobPath } from './keys.js';

describe('cache on S3-compatible storage (s3rver)', () => {
  let s3dir: string;
  let server: { close(): Promise<void> };
  let endpoint: string;
  let client: S3Client;
  let c: TestCache;
  const env = { AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY };

  beforeAll(async () => {
    s3dir = mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
    const s = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3dir, configureBuckets: [{ name: 'build-cache' }] });
    const addr = await s.run();
    server = s;
    endpoint = `http://127.0.0.1:${addr.port}`;
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    client = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    c = await openTestCache({ storage: 's3://build-cache/ci/cache', s3Endpoint: endpoint, verifyBufferMax: '256KiB' });
  });
  afterAll(async () => {
    await c?.close();
    client?.destroy();
    await server?.close();
    rmSync(s3dir, { recursive: true, force: true });
    process.env.AWS_ACCESS_KEY_ID = env.AWS_ACCESS_KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY = env.AWS_SECRET_ACCESS_KEY;
    if (env.AWS_ACCESS_KEY_ID === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    if (env.AWS_SECRET_ACCESS_KEY === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  });

  const objectKey = (body: Buffer) => `ci/cache/${blobPath(blake3Hex(body))}`;
  const readObject = async (key: string) =>
    Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: 'build-cache', Key: key }))).Body!.transformToByteArray());

  it('stores blobs under their BLAKE3 digest once, manifests beside them, and serves them verified', async () => {
    const small = randomBytes(10_000);
    const large = randomBytes(3 * 1024 * 1024); // above the buffer limit: spooled to disk while hashed
    for (const [url, body] of [
      ['/v8/artifacts/aaa111?slug=web', small],
      ['/cache/gradlekey', small],
      ['/ccache/ab/largeentry', large],
    ] as const) {
      const r = await c.app.inject({ method: 'PUT', url, payload: body, headers: { 'content-type': 'application/octet-stream' } });
      expect(r.statusCode, url).toBeLessThan(300);
    }
    expect((await readObject(objectKey(small))).equals(small)).toBe(true);
    expect((await readObject(objectKey(large))).equals(large)).toBe(true);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'build-cache', Prefix: 'ci/cache/blobs/' }));
    expect(listed.Contents?.map((o) => o.Key).sort()).toEqual([objectKey(small), objectKey(large)].sort());
    expect((await c.app.inject({ method: 'GET', url: '/cache/gradlekey' })).rawPayload.equals(small)).toBe(true);
    const big = await c.app.inject({ method: 'GET', url: '/ccache/ab/largeentry' });
    expect(big.statusCode).toBe(200);
    expect(big.rawPayload.equals(large)).toBe(true);
  });

  it('a corrupted or truncated object is a miss, moved to quarantine/, and scrub finds what is left', async () => {
    const a = randomBytes(50_000);
    const b = randomBytes(600_000);
    const d = randomBytes(70_000);
    await c.app.inject({ method: 'PUT', url: '/cache/corrupt-a', payload: a, headers: { 'content-type': 'application/octet-stream' } });
    await c.app.inject({ method: 'PUT', url: '/cache/corrupt-b', payload: b, headers: { 'content-type': 'application/octet-stream' } });
    await c.app.inject({ method: 'PUT', url: '/cache/corrupt-d', payload: d, headers: { 'content-type': 'application/octet-stream' } });
    const flipped = Buffer.from(a);
    flipped[1234]! ^= 0x40;
    await client.send(new PutObjectCommand({ Bucket: 'build-cache', Key: objectKey(a), Body: flipped }));
    await client.send(new PutObjectCommand({ Bucket: 'build-cache', Key: objectKey(b), Body: b.subarray(0, 1000) }));
    const flippedD = Buffer.from(d);
    flippedD[0]! ^= 1;
    await client.send(new PutObjectCommand({ Bucket: 'build-cache', Key: objectKey(d), Body: flippedD }));

    expect((await c.app.inject({ method: 'GET', url: '/cache/corrupt-a' })).statusCode).toBe(404);
    expect((await c.app.inject({ method: 'GET', url: '/cache/corrupt-b' })).statusCode).toBe(404);
    const q = await client.send(new ListObjectsV2Command({ Bucket: 'build-cache', Prefix: 'ci/cache/quarantine/blobs/' }));
    expect(q.Contents?.map((o) => path.posix.basename(o.Key!).split('.').at(-1)).sort()).toEqual(['digest_mismatch', 'size_mismatch']);

    const scrub = await c.server.sentinel.scrub();
    expect(scrub.quarantined.map((x) => `${x.digest}:${x.reason}`)).toEqual([`${blake3Hex(d)}:digest_mismatch`]);
    expect((await c.app.inject({ method: 'GET', url: '/cache/corrupt-d' })).statusCode).toBe(404);
  });

  it('keeps its event journal in the bucket and sweeps dangling manifests', async () => {
    await c.server.sentinel.opts.sink.flush();
    const lines: string[] = [];
    for await (const l of c.server.sentinel.backend.readEvents('2000-01-01')) lines.push(l);
    const kinds = lines.map((l) => (JSON.parse(l) as { kind: string }).kind);
    expect(kinds.filter((k) => k === 'put').length).toBe(6);
    expect(kinds.filter((k) => k === 'quarantine').length).toBe(3);
    expect(kinds).toContain('hit');
    const sw = await c.server.sentinel.sweep();
    expect(sw.evicted.dangling).toBe(3);
    expect(sw.manifests).toBe(3);
  });
});
