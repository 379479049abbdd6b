// The cache inside the hub, on PGlite and on PostgreSQL: the protocols on the hub's server, events
// in cache_events, series on the shared /metrics (what seed 001's alerts read) and the stats API.
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachStore, type TestHub } from '../../../test/support/stores.js';
import { sql } from '../../core/db/index.js';
import { createToken } from '../../core/tokens.js';
import { blake3Hex } from './digest.js';
import type { CacheEventsTable } from './tables.js';
import { pruneCacheEvents } from './hub.js';
import { cachePillar } from './index.js';
import { blobPath } from './keys.js';
import { createApp } from '../../../test/support/assembled.js';

const CACHE_TOKEN = 'hub-cache-token-123456';

describeEachStore(
  'cache pillar in the hub',
  (get) => {
    let hub: TestHub;
    let app: FastifyInstance;
    let reader: string;
    beforeAll(async () => {
      hub = get();
      app = await createApp(hub, [cachePillar]);
      reader = (await createToken(hub.db, { repoPatterns: ['**'], scopes: ['read'], expiresAt: null })).token;
    });
    afterAll(async () => app?.close());

    const auth = { authorization: `Bearer ${CACHE_TOKEN}` };

    it('serves the protocols with the cache tokens (hub tokens are not cache tokens) and records cache_events', async () => {
      const body = randomBytes(4096);
      const put = await app.inject({
        method: 'PUT',
        url: '/v8/artifacts/f00d?slug=web',
        payload: body,
        headers: { ...auth, 'content-type': 'application/octet-stream', 'x-artifact-duration': '1200' },
      });
      expect(put.statusCode).toBe(202);
      expect((await app.inject({ method: 'GET', url: '/v8/artifacts/f00d?slug=web', headers: auth })).rawPayload.equals(body)).toBe(true);
      expect((await app.inject({ method: 'GET', url: '/v8/artifacts/beef?slug=web', headers: auth })).statusCode).toBe(404);
      expect((await app.inject({ method: 'GET', url: '/v8/artifacts/f00d?slug=web', headers: { authorization: `Bearer ${reader}` } })).statusCode).toBe(401);

      // Corrupt the blob: the next GET is a miss and a quarantine row appears.
      const file = path.join(hub.dataDir, 'cache', ...blobPath(blake3Hex(body)).split('/'));
      const fd = openSync(file, 'r+');
      writeSync(fd, Buffer.from([body[0]! ^ 0xff]), 0, 1, 0);
      closeSync(fd);
      expect((await app.inject({ method: 'GET', url: '/v8/artifacts/f00d?slug=web', headers: auth })).statusCode).toBe(404);

      await new Promise((r) => setTimeout(r, 1500)); // the sinks flush every second
      const rows = await hub.db
        .withTables<CacheEventsTable>()
        .selectFrom('cache_events')
        .select(['kind', 'protocol', 'namespace', 'key', 'bytes', 'reason', 'task_ms'])
        .orderBy('id')
        .execute();
      // The task's duration (x-artifact-duration) rides on the put (build time spent) and the hit (saved).
      expect(rows.map((r) => ({ ...r, bytes: Number(r.bytes), task_ms: r.task_ms === null ? null : Number(r.task_ms) }))).toEqual([
        { kind: 'put', protocol: 'turbo', namespace: 'web', key: 'f00d', bytes: 4096, reason: null, task_ms: 1200 },
        { kind: 'hit', protocol: 'turbo', namespace: 'web', key: 'f00d', bytes: 4096, reason: null, task_ms: 1200 },
        { kind: 'miss', protocol: 'turbo', namespace: 'web', key: 'beef', bytes: 0, reason: null, task_ms: null },
        { kind: 'quarantine', protocol: 'turbo', namespace: 'web', key: 'f00d', bytes: 4096, reason: 'digest_mismatch', task_ms: null },
        { kind: 'miss', protocol: 'turbo', namespace: 'web', key: 'f00d', bytes: 0, reason: null, task_ms: null },
      ]);
    });

    it('exposes hit ratio, bytes served and quarantines on the shared /metrics', async () => {
      const text = (await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${reader}` } })).body;
      expect(text).toContain('ci_intel_cache_requests_total{protocol="turbo",namespace="web",result="hit"} 1');
      expect(text).toContain('ci_intel_cache_requests_total{protocol="turbo",namespace="web",result="miss"} 2');
      expect(text).toMatch(/ci_intel_cache_hit_ratio\{protocol="turbo",namespace="web"\} 0\.333/);
      expect(text).toContain('ci_intel_cache_bytes_served_total{protocol="turbo",namespace="web"} 4096');
      expect(text).toContain('ci_intel_cache_quarantines_total{protocol="turbo",namespace="web"} 1');
    });

    it('does not let a turbo event with an absurd duration break /metrics', async () => {
      const events = [1e308, -5, 'x', 2_000].map((duration) => ({ sessionId: 's', source: 'REMOTE', event: 'HIT', hash: 'f00d', duration }));
      const r = await app.inject({
        method: 'POST',
        url: '/v8/artifacts/events?slug=web',
        payload: events,
        headers: { ...auth, 'content-type': 'application/json' },
      });
      expect(r.statusCode).toBe(200);
      const m = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${reader}` } });
      expect(m.statusCode).toBe(200);
      expect(m.body).toMatch(/ci_intel_cache_turbo_time_saved_ms_total 2000\n/);
    });

    it('answers the stats API from cache_events (read scope)', async () => {
      expect((await app.inject({ method: 'GET', url: '/api/v1/cache/stats' })).statusCode).toBe(401);
      const r = await app.inject({ method: 'GET', url: '/api/v1/cache/stats?days=1', headers: { authorization: `Bearer ${reader}` } });
      expect(r.statusCode).toBe(200);
      const s = r.json();
      expect(s.namespaces).toEqual([
        expect.objectContaining({
          protocol: 'turbo',
          namespace: 'web',
          hits: 1,
          misses: 2,
          hit_ratio: 0.3333,
          bytes_served: 4096,
          puts: 1,
          quarantines: 1,
          entries: 1,
          time_saved_ms: 1200,
          build_ms: 1200,
        }),
      ]);
      expect(s.total.hit_ratio).toBe(0.3333);
    });

    it('prunes cache_events past the retention for derived data', async () => {
      const db = hub.db.withTables<CacheEventsTable>();
      const old = new Date(hub.now().getTime() - (hub.config.retention.derivedDays + 1) * 86_400_000);
      await db
        .insertInto('cache_events')
        .values({ at: old, kind: 'hit', protocol: 'turbo', namespace: 'web', key: 'old', digest: null, bytes: 1, reason: null })
        .execute();
      const before = await db
        .selectFrom('cache_events')
        .select(sql<number>`count(*)::int8`.as('n'))
        .executeTakeFirstOrThrow();
      expect(await pruneCacheEvents(hub)).toBe(1);
      const after = await db
        .selectFrom('cache_events')
        .select(sql<number>`count(*)::int8`.as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(after.n)).toBe(Number(before.n) - 1);
    });
  },
  {
    config: (c) => {
      c.pillars.cache = { tokens: [CACHE_TOKEN] };
    },
    pillars: [cachePillar],
  },
);

// The hub must be reachable for webhooks, so its build cache is off unless it has cache tokens
// or the operator opened it on purpose (cache.open).
describeEachStore(
  'cache pillar in a hub without cache tokens',
  (get) => {
    it('does not serve the cache protocols: nothing can be written or read', async () => {
      const app = await createApp(get(), [cachePillar]);
      try {
        const put = await app.inject({
          method: 'PUT',
          url: '/v8/artifacts/f00d?slug=web',
          payload: randomBytes(64),
          headers: { 'content-type': 'application/octet-stream' },
        });
        expect(put.statusCode).toBe(404);
        expect((await app.inject({ method: 'GET', url: '/v8/artifacts/f00d?slug=web' })).statusCode).toBe(404);
        expect((await app.inject({ method: 'PUT', url: '/ccache/ab/cdef', payload: randomBytes(16) })).statusCode).toBe(404);
      } finally {
        await app.close();
      }
    });
  },
  { pillars: [cachePillar] },
);

describeEachStore(
  'cache pillar in a hub opened on purpose',
  (get) => {
    it('serves the cache without tokens when cache.open is true', async () => {
      const app = await createApp(get(), [cachePillar]);
      try {
        const put = await app.inject({
          method: 'PUT',
          url: '/v8/artifacts/f00d?slug=web',
          payload: randomBytes(64),
          headers: { 'content-type': 'application/octet-stream' },
        });
        expect(put.statusCode).toBe(202);
      } finally {
        await app.close();
      }
    });
  },
  {
    config: (c) => {
      c.pillars.cache = { open: true };
    },
    pillars: [cachePillar],
  },
);
