// The hub on a small disk (a real tmpfs): below the free space it keeps, writes answer 503 and
// reads go on; once space is freed it takes writes again, and nothing it acknowledged is lost.
// Mounting needs root (CI runs as root); elsewhere the test says so and skips.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../src/server/app.js';
import { synthesize } from '../src/core/synth/generate.js';
import { createToken } from '../src/core/tokens.js';
import { pillars } from '../src/pillars/index.js';
import { describeEachStore, type TestHub } from './support/stores.js';

const MiB = 1024 * 1024;
const mountpoint = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-tmpfs-'));
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=320m', 'tmpfs', mountpoint], { stdio: 'ignore' });
  mounted = true;
} catch (e) {
  if (process.env.CI === 'true') throw new Error(`cannot mount a tmpfs for the disk-full test (CI runs as root): ${(e as Error).message}`);
}
afterAll(() => {
  if (mounted) execFileSync('umount', ['-l', mountpoint]);
  rmSync(mountpoint, { recursive: true, force: true });
});

const records = synthesize({ repos: 1, days: 2, runsPerDay: 10, seed: 31, end: new Date('2026-06-01T00:00:00Z') }).records;
const ndjson = (rs: unknown[]) => rs.map((r) => JSON.stringify(r)).join('\n') + '\n';
const freeBytes = () => {
  const s = statfsSync(mountpoint);
  return Number(s.bavail) * Number(s.bsize);
};

describeEachStore(
  'a full disk',
  (get) => {
    let hub: TestHub;
    let app: FastifyInstance;
    let token: string;
    beforeAll(async () => {
      if (!mounted) return;
      hub = get();
      app = await createApp(hub, pillars);
      token = (await createToken(hub.db, { repoPatterns: ['**'], scopes: ['read', 'ingest'], expiresAt: null })).token;
    });
    afterAll(async () => app?.close());
    const post = (rs: unknown[]) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/runs',
        payload: ndjson(rs),
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      });
    const log = (runId: string) =>
      app.inject({
        method: 'POST',
        url: `/api/v1/runs/${runId}/jobs/build/logs`,
        payload: 'npm ERR! code E404\n'.repeat(1000),
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      });

    it('refuses writes with 503 before the disk fills, keeps reading, and takes writes again when space is back', async (t) => {
      if (!mounted) return t.skip();
      expect((await post(records.slice(0, 10))).statusCode).toBe(200);
      // Fill the disk to just under the minimum the hub keeps free.
      const filler = path.join(mountpoint, `filler-${hub.store.kind}`);
      writeFileSync(filler, Buffer.alloc(Math.max(0, freeBytes() - 40 * MiB)));
      // The guard keeps its free-space answer a second: the first upload's may still be fresh (a
      // fast machine fills 280 MB of tmpfs in well under a second).
      await new Promise((r) => setTimeout(r, 1100));
      try {
        expect(freeBytes()).toBeLessThan(hub.config.server.minFreeBytes);
        const ingest = await post(records.slice(10, 20));
        expect(ingest.statusCode).toBe(503);
        expect(ingest.json().error.code).toBe('E_DISK_FULL');
        expect(ingest.headers['retry-after']).toBe('60');
        expect((await log(records[0]!.run_id)).statusCode).toBe(503);
        // Reads go on.
        expect((await app.inject({ url: '/api/v1/runs?limit=100', headers: { authorization: `Bearer ${token}` } })).json().items.length).toBe(10);
      } finally {
        rmSync(filler, { force: true });
      }
      await new Promise((r) => setTimeout(r, 1100)); // the free-space answer is kept a second
      expect((await post(records.slice(10, 20))).statusCode).toBe(200);
      expect((await log(records[0]!.run_id)).statusCode).toBe(200);
      const items = (await app.inject({ url: '/api/v1/runs?limit=100', headers: { authorization: `Bearer ${token}` } })).json().items as Array<{
        run_id: string;
      }>;
      expect(new Set(items.map((i) => i.run_id))).toEqual(new Set(records.slice(0, 20).map((r) => r.run_id)));
      await hub.bus.drain();
    });
  },
  {
    pillars,
    config: (c) => {
      // The data folder (the embedded store and the blobs) lives on the small disk.
      const own = mkdtempSync(path.join(mounted ? mountpoint : os.tmpdir(), 'hub-'));
      if (!/^postgres/.test(c.db)) c.db = path.join(own, 'db');
      c.dataDir = own;
      c.server.minFreeBytes = 64 * MiB;
    },
  },
);
