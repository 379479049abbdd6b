// Verification, quarantine, scrub, signatures, eviction and safety of the filesystem store
// (issue 7 "Verify on get", "Storage", "Safety"; seed 000 "Cache integrity").
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync, truncateSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { blake3Hex } from './digest.js';
import { openTestCache, storeDir, type TestCache } from './fixtures/harness.js';
import { blobPath, manifestPath, type EntryRef } from './keys.js';

const opened: TestCache[] = [];
async function cache(flags: Record<string, unknown> = {}, opts: { now?: () => Date; dir?: string } = {}) {
  const c = await openTestCache(flags, opts);
  opened.push(c);
  return c;
}
afterEach(async () => {
  while (opened.length) await opened.pop()!.close();
});

const put = (c: TestCache, url: string, body: Buffer | string, headers: Record<string, string> = {}) =>
  c.app.inject({ method: 'PUT', url, payload: body, headers: { 'content-type': 'application/octet-stream', ...headers } });
const get = (c: TestCache, url: string) => c.app.inject({ method: 'GET', url });
const blobFile = (c: TestCache, body: Buffer) => path.join(storeDir(c), ...blobPath(blake3Hex(body)).split('/'));
const flipBit = (file: string, at: number) => {
  const fd = openSync(file, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  b[0]! ^= 0x01;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
};
async function journal(c: TestCache) {
  await c.server.sentinel.opts.sink.flush();
  const dir = path.join(storeDir(c), 'events');
  return readdirSync(dir).flatMap((f) =>
    readFileSync(path.join(dir, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  );
}

describe('content addressing', () => {
  it('stores a blob once whoever sends it: two keys, two protocols, one file named by its BLAKE3 digest', async () => {
    const c = await cache();
    const body = randomBytes(5000);
    expect((await put(c, '/cache/k1', body)).statusCode).toBe(200);
    expect((await put(c, '/ccache/ab/cdef', body)).statusCode).toBe(200);
    const blobs = readdirSync(path.join(storeDir(c), 'blobs'), { recursive: true }).filter((f) => String(f).includes('/'));
    expect(blobs).toEqual([blobPath(blake3Hex(body)).slice('blobs/'.length)]);
    const m = JSON.parse(readFileSync(path.join(storeDir(c), ...manifestPath({ protocol: 'gradle', namespace: 'default', key: 'k1' }).split('/')), 'utf8'));
    expect(m).toMatchObject({ v: 1, protocol: 'gradle', namespace: 'default', key: 'k1', digest: blake3Hex(body), size: 5000 });
    expect(Date.parse(m.created)).toBeGreaterThan(0);
  });

  it('accepts a zero-byte artifact', async () => {
    const c = await cache();
    expect((await put(c, '/cache/empty', Buffer.alloc(0))).statusCode).toBe(200);
    const r = await get(c, '/cache/empty');
    expect(r.statusCode).toBe(200);
    expect(r.rawPayload.length).toBe(0);
  });
});

describe('verify on get', () => {
  for (const [label, size, flags] of [
    ['a small blob (read into one buffer)', 4096, {}],
    ['a large blob (hashed from disk, then streamed)', 3 * 1024 * 1024, { verifyBufferMax: '1MiB' }],
  ] as const) {
    it(`${label}: a flipped bit is a miss, never the bytes; the blob is quarantined and the event recorded`, async () => {
      const c = await cache(flags);
      const body = randomBytes(size);
      await put(c, '/cache/bit', body);
      expect((await get(c, '/cache/bit')).rawPayload.equals(body)).toBe(true);
      flipBit(blobFile(c, body), Math.floor(size / 2));
      const r = await get(c, '/cache/bit');
      expect(r.statusCode).toBe(404);
      expect(r.rawPayload.includes(body.subarray(0, 64))).toBe(false);
      const q = readdirSync(path.join(storeDir(c), 'quarantine/blobs'));
      expect(q).toHaveLength(1);
      expect(q[0]).toMatch(new RegExp(`^${blake3Hex(body)}\\..*\\.digest_mismatch$`));
      expect((await journal(c)).filter((e) => e.kind === 'quarantine')).toEqual([
        expect.objectContaining({ protocol: 'gradle', namespace: 'default', key: 'bit', digest: blake3Hex(body), reason: 'digest_mismatch' }),
      ]);
      // Still a miss afterwards (the manifest's blob is gone), until the client uploads again.
      expect((await get(c, '/cache/bit')).statusCode).toBe(404);
      await put(c, '/cache/bit', body);
      expect((await get(c, '/cache/bit')).rawPayload.equals(body)).toBe(true);
    });

    it(`${label}: a truncated blob is a miss (size_mismatch)`, async () => {
      const c = await cache(flags);
      const body = randomBytes(size);
      await put(c, '/cache/short', body);
      truncateSync(blobFile(c, body), size - 1);
      expect((await get(c, '/cache/short')).statusCode).toBe(404);
      expect((await journal(c)).filter((e) => e.kind === 'quarantine').map((e) => e.reason)).toEqual(['size_mismatch']);
    });
  }

  it('above --trust-verified-above a blob is re-hashed only when its file changed since the last full hash', async () => {
    const c = await cache({ verifyBufferMax: '64KiB', trustVerifiedAbove: '1MiB' });
    const body = randomBytes(2 * 1024 * 1024);
    await put(c, '/cache/big', body);
    const file = blobFile(c, body);
    expect((await get(c, '/cache/big')).rawPayload.equals(body)).toBe(true); // hashed in full
    // Same-size overwrite with the original mtime restored: ctime still moves, so it is re-hashed.
    const st = statSync(file);
    flipBit(file, 10);
    utimesSync(file, st.atime, st.mtime);
    expect((await get(c, '/cache/big')).statusCode).toBe(404);
  });

  it('HEAD verifies too and never sends a body', async () => {
    const c = await cache();
    const body = randomBytes(1000);
    await put(c, '/ccache/ab/headkey', body);
    const ok = await c.app.inject({ method: 'HEAD', url: '/ccache/ab/headkey' });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-length']).toBe('1000');
    expect(ok.rawPayload.length).toBe(0);
    flipBit(blobFile(c, body), 0);
    expect((await c.app.inject({ method: 'HEAD', url: '/ccache/ab/headkey' })).statusCode).toBe(404);
  });

  it('a manifest that is not JSON, or that names another key, is quarantined and the lookup is a miss', async () => {
    const c = await cache();
    await put(c, '/cache/one', 'first');
    await put(c, '/cache/two', 'second');
    const p = (k: string) => path.join(storeDir(c), ...manifestPath({ protocol: 'gradle', namespace: 'default', key: k }).split('/'));
    // Poisoning by copying: key "two" now carries key "one"'s manifest.
    writeFileSync(p('two'), readFileSync(p('one')));
    const c2 = await cache({}, { dir: c.dir }); // a fresh process: nothing cached in memory
    expect((await get(c2, '/cache/two')).statusCode).toBe(404);
    writeFileSync(p('one'), '{not json');
    expect((await get(c2, '/cache/one')).statusCode).toBe(404);
    expect((await journal(c2)).filter((e) => e.kind === 'quarantine').map((e) => e.reason)).toEqual(['manifest_corrupt', 'manifest_corrupt']);
    expect(readdirSync(path.join(storeDir(c), 'quarantine/manifests'))).toHaveLength(2);
  });
});

describe('signed manifests (ed25519)', () => {
  const keys = () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    return { priv: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, pub: publicKey.export({ type: 'spki', format: 'pem' }) as string };
  };

  it('signs new manifests; a tampered or unsigned manifest is never served and is quarantined', async () => {
    const base = await cache();
    const k = keys();
    const keyFile = path.join(base.dir, 'signing.pem');
    writeFileSync(keyFile, k.priv);
    const unsignedDir = base.dir;
    await put(base, '/cache/unsigned', 'written before signing was on');
    await base.server.sentinel.opts.sink.flush();

    const c = await cache({ signingKey: keyFile }, { dir: unsignedDir });
    await put(c, '/cache/signed', 'signed content');
    await put(c, '/cache/other', 'other content');
    const mp = (key: string) => path.join(storeDir(c), ...manifestPath({ protocol: 'gradle', namespace: 'default', key }).split('/'));
    const m = JSON.parse(readFileSync(mp('signed'), 'utf8'));
    expect(m.sig).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect((await get(c, '/cache/signed')).body).toBe('signed content');

    // Point "signed" at "other"'s blob (a valid blob: only the signature can catch this).
    const other = JSON.parse(readFileSync(mp('other'), 'utf8'));
    writeFileSync(mp('signed'), JSON.stringify({ ...m, digest: other.digest, size: other.size }));
    const fresh = await cache({ signingKey: keyFile }, { dir: unsignedDir });
    expect((await get(fresh, '/cache/signed')).statusCode).toBe(404);
    expect((await get(fresh, '/cache/unsigned')).statusCode).toBe(404);
    expect((await get(fresh, '/cache/other')).body).toBe('other content');
    const reasons = (await journal(fresh))
      .filter((e) => e.kind === 'quarantine')
      .map((e) => `${e.key}:${e.reason}`)
      .sort();
    expect(reasons).toEqual(['signed:signature_invalid', 'unsigned:signature_invalid']);

    // A public key alone verifies (read-only replicas) but signs nothing.
    const pubFile = path.join(base.dir, 'signing.pub.pem');
    writeFileSync(pubFile, k.pub);
    const verifier = await cache({ signingKey: pubFile }, { dir: unsignedDir });
    expect((await get(verifier, '/cache/other')).body).toBe('other content');
  });
});

describe('scrub', () => {
  it('re-verifies everything and quarantines a flipped bit, a truncation and a corrupt manifest', async () => {
    const c = await cache();
    const bodies = [randomBytes(2000), randomBytes(3000), randomBytes(4000)];
    for (const [i, b] of bodies.entries()) await put(c, `/v8/artifacts/hash${i}?slug=team`, b);
    flipBit(blobFile(c, bodies[0]!), 7);
    truncateSync(blobFile(c, bodies[1]!), 100);
    const near: EntryRef = { protocol: 'turbo', namespace: 'team', key: 'hash2' };
    writeFileSync(path.join(storeDir(c), ...manifestPath(near).split('/').slice(0, -1), 'f'.repeat(64) + '.json'), 'garbage');
    const r = await c.server.sentinel.scrub();
    expect(r.checked).toBe(3 + 1 + 3); // 4 manifests, 3 blobs
    expect(r.quarantined.map((q) => `${q.kind}:${q.reason}`).sort()).toEqual(['blob:digest_mismatch', 'blob:size_mismatch', 'manifest:manifest_corrupt']);
    expect(r.ok).toBe(4);
    const q0 = r.quarantined.find((q) => q.digest === blake3Hex(bodies[0]!))!;
    expect(q0.refs).toEqual(['turbo/team/hash0']);
    expect((await get(c, '/v8/artifacts/hash2?slug=team')).rawPayload.equals(bodies[2]!)).toBe(true);
    const again = await c.server.sentinel.scrub();
    expect(again.quarantined).toEqual([]);
    expect(again.dangling).toBe(2);
  });
});

describe('size cap (LRU) and TTL', () => {
  it('evicts the least recently hit entries until the unique bytes fit, and entries past the TTL', async () => {
    let now = new Date('2026-03-01T00:00:00Z').getTime();
    const clock = () => new Date(now);
    const c = await cache({}, { now: clock });
    const b = (i: number) => Buffer.alloc(10 * 1024, i);
    for (let i = 1; i <= 4; i++) {
      await put(c, `/cache/e${i}`, b(i));
      now += 60 * 60_000;
    }
    // e1 is hit recently, so e2 and e3 are the least recently used.
    expect((await get(c, '/cache/e1')).statusCode).toBe(200);
    now += 60 * 60_000;
    await new Promise((r) => setTimeout(r, 50)); // the last-hit time is written in the background
    // Another process (like `ci-intel cache sweep`) sees the hit through the stored last-hit time.
    const capped = await cache({ maxSize: '25KiB', ttl: '7d' }, { now: clock, dir: c.dir });
    const r = await capped.server.sentinel.sweep();
    expect(r.evicted.lru).toBe(2);
    expect(r.uniqueBytes).toBe(20 * 1024);
    expect((await get(capped, '/cache/e2')).statusCode).toBe(404);
    expect((await get(capped, '/cache/e3')).statusCode).toBe(404);
    expect((await get(capped, '/cache/e1')).statusCode).toBe(200);
    expect((await get(capped, '/cache/e4')).statusCode).toBe(200);
    const ev = (await journal(capped)).filter((e) => e.kind === 'evict').map((e) => `${e.key}:${e.reason}`);
    expect(ev).toEqual(['e2:lru', 'e3:lru']);

    now += 8 * 86_400_000;
    await put(capped, '/cache/fresh', 'fresh');
    const t = await capped.server.sentinel.sweep();
    expect(t.evicted.ttl).toBe(2);
    expect((await get(capped, '/cache/e1')).statusCode).toBe(404);
    expect((await get(capped, '/cache/fresh')).statusCode).toBe(200);
  });

  it('a PUT that takes the store over the cap starts a sweep by itself', async () => {
    const c = await cache({ maxSize: '25KiB' });
    for (let i = 1; i <= 6; i++) await put(c, `/cache/p${i}`, Buffer.alloc(10 * 1024, i));
    await c.server.sentinel.sweep();
    const inv = c.server.counters.stored;
    expect(inv.uniqueBytes).toBeLessThanOrEqual(25 * 1024);
    expect((await get(c, '/cache/p6')).statusCode).toBe(200);
    expect((await journal(c)).filter((e) => e.kind === 'evict').length).toBeGreaterThanOrEqual(4);
  });
});

describe('concurrency', () => {
  it('concurrent PUTs of one key never leave a torn file: every read is one whole upload', async () => {
    const c = await cache();
    const url = await c.listen();
    const bodies = Array.from({ length: 16 }, () => randomBytes(256 * 1024 + Math.floor(Math.random() * 1024)));
    const reads: Buffer[] = [];
    await Promise.all([
      ...bodies.map((b) => fetch(`${url}/cache/race`, { method: 'PUT', body: b }).then((r) => expect(r.status).toBe(200))),
      ...Array.from({ length: 16 }, async () => {
        const r = await fetch(`${url}/cache/race`);
        if (r.status === 200) reads.push(Buffer.from(await r.arrayBuffer()));
      }),
    ]);
    const final = Buffer.from(await (await fetch(`${url}/cache/race`)).arrayBuffer());
    for (const r of [...reads, final]) expect(bodies.some((b) => b.equals(r))).toBe(true);
    expect(readdirSync(path.join(storeDir(c), 'tmp')).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
    expect((await c.server.sentinel.scrub()).quarantined).toEqual([]);
  });
});

describe('slow clients', () => {
  it('drops an upload below the minimum rate after the grace period, and closes an idle connection', async () => {
    const c = await cache({ minUploadRate: '1MiB', uploadGrace: '300ms', idleTimeout: '800ms' });
    const url = new URL(await c.listen());
    const trickle = await new Promise<string>((resolve) => {
      const s = net.connect(Number(url.port), url.hostname, () => {
        s.write('PUT /cache/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\nContent-Type: application/octet-stream\r\n\r\n');
        const t = setInterval(() => s.write('x'), 100);
        let got = '';
        s.on('data', (d) => (got += d));
        s.on('close', () => {
          clearInterval(t);
          resolve(got);
        });
      });
    });
    expect(trickle).toMatch(/^HTTP\/1\.1 408/);
    expect(trickle).toContain('E_REQUEST_TIMEOUT');
    const started = Date.now();
    const idle = await new Promise<number>((resolve) => {
      const s = net.connect(Number(url.port), url.hostname, () => s.write('PUT /cache/idle HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc'));
      s.on('close', () => resolve(Date.now() - started));
      s.resume();
    });
    expect(idle).toBeLessThan(10_000);
    expect((await get(c, '/cache/slow')).statusCode).toBe(404);
    expect((await get(c, '/cache/idle')).statusCode).toBe(404);
  });
});
