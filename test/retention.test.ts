import { utimesSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../src/server/app.js';
import { synthesize } from '../src/core/synth/generate.js';
import { createToken } from '../src/core/tokens.js';
import { ingestNdjson } from '../src/core/runs/ingest.js';
import { describeEachStore, type TestHub } from './support/stores.js';
import { sourcesPillar } from '../src/pillars/sources/index.js';
import { prune } from '../src/core/retention.js';
import { cli } from './support/webhooks.js';

const DAY = 86_400_000;
const NOW = new Date('2026-06-01T00:00:00Z');
let clock = NOW;
const at = (daysAgo: number) => new Date(NOW.getTime() - daysAgo * DAY);
// Runs from 3 ages: recent (kept whole), 200 days (record past 180 d), 500 days (past 400 d).
const recent = synthesize({ repos: 1, days: 1, runsPerDay: 4, seed: 1, end: at(1) }).records;
const middle = synthesize({ repos: 1, days: 1, runsPerDay: 4, seed: 2, end: at(200) }).records;
const ancient = synthesize({ repos: 1, days: 1, runsPerDay: 4, seed: 3, end: at(500) }).records;

async function ingestAt(hub: TestHub, daysAgo: number, rs: unknown[]) {
  clock = at(daysAgo); // blob batch keys carry the ingest day
  try {
    await ingestNdjson(hub, Readable.from([rs.map((r) => JSON.stringify(r)).join('\n')]), { source: 'test' });
  } finally {
    clock = NOW;
  }
}

describeEachStore(
  'retention',
  (get) => {
    let hub: TestHub;
    let app: FastifyInstance;
    let token: string;
    beforeAll(async () => {
      hub = get();
      app = await createApp(hub, [sourcesPillar]);
      token = (await createToken(hub.db, { repoPatterns: ['**'], scopes: ['read'], expiresAt: null })).token;
      await ingestAt(hub, 1, recent);
      await ingestAt(hub, 200, middle);
      await ingestAt(hub, 500, ancient);
      await hub.blob.put('logs/2026/old.log.gz', Buffer.from('old'));
      await hub.blob.put('logs/2026/new.log.gz', Buffer.from('new'));
      const old = at(40);
      utimesSync(path.join(hub.dataDir, 'blobs', 'logs', '2026', 'old.log.gz'), old, old);
    });
    afterAll(async () => app?.close());

    const runIds = async () => new Set((await hub.db.selectFrom('runs').select('run_id').execute()).map((r) => r.run_id));

    it('--dry-run counts and deletes nothing', async () => {
      const before = await runIds();
      const res = await prune(hub, { dryRun: true, now: NOW });
      expect(res.counts).toMatchObject({ raw_log_blobs: 1, record_blobs: 2, runs_record_unlinked: middle.length + ancient.length, runs: ancient.length });
      expect(await runIds()).toEqual(before);
      // The sources pillar's own tables come through its retention hook; kinds are sorted.
      expect(Object.keys(res.counts)).toEqual(expect.arrayContaining(['webhook_deliveries', 'pull_requests']));
      expect(Object.keys(res.counts)).toEqual([...Object.keys(res.counts)].sort());
      expect(await hub.blob.head('logs/2026/old.log.gz')).not.toBeNull();
    });

    it('deletes raw logs, records as sent and derived rows by age; derived rows outlive the raw record', async () => {
      const res = await prune(hub, { now: NOW });
      expect(res.counts).toMatchObject({ raw_log_blobs: 1, record_blobs: 2, runs_record_unlinked: middle.length + ancient.length, runs: ancient.length });
      expect(await hub.blob.head('logs/2026/old.log.gz')).toBeNull();
      expect(await hub.blob.head('logs/2026/new.log.gz')).not.toBeNull();
      const ids = await runIds();
      for (const r of ancient) expect(ids.has(r.run_id)).toBe(false);
      for (const r of [...recent, ...middle]) expect(ids.has(r.run_id)).toBe(true);
      // A 200-day-old run lost its record as sent but still opens and lists.
      const res200 = await app.inject({ url: `/api/v1/runs/${middle[0]!.run_id}`, headers: { authorization: `Bearer ${token}` } });
      expect(res200.statusCode).toBe(200);
      expect(res200.json().record).toBeNull();
      expect(res200.json().run.jobs.length).toBe(middle[0]!.jobs.length);
      const fresh = await app.inject({ url: `/api/v1/runs/${recent[0]!.run_id}`, headers: { authorization: `Bearer ${token}` } });
      expect(fresh.json().record).toEqual(recent[0]);
      // Child rows went with their runs.
      const orphans = await hub.db
        .selectFrom('jobs')
        .select('run_id')
        .where(
          'run_id',
          'in',
          ancient.map((r) => r.run_id),
        )
        .execute();
      expect(orphans).toEqual([]);
      // Running it again finds nothing more.
      const again = await prune(hub, { now: NOW });
      expect(Object.values(again.counts).every((n) => n === 0)).toBe(true);
    });
  },
  { pillars: [sourcesPillar], now: () => clock },
);

describeEachStore(
  'ci-intel prune',
  (get) => {
    it('prints what it would delete, sorted, and --json one object (PGlite: refuses a folder a hub holds)', async () => {
      const hub = get();
      await ingestAt(hub, 500, ancient);
      if (hub.store.kind === 'pglite') {
        // One process per PGlite folder: while a hub holds it, prune says so and what to do.
        const locked = await cli(['prune', '--dry-run', '--data-dir', hub.dataDir], [sourcesPillar], { now: () => NOW });
        expect(locked.code).toBe(2);
        expect(locked.err).toMatch(/E_DB_LOCKED/);
        return;
      }
      const flags = ['--db', hub.config.db];
      const text = await cli(['prune', '--dry-run', ...flags, '--data-dir', hub.dataDir], [sourcesPillar], { now: () => NOW });
      expect(text.code).toBe(0);
      const lines = text.out.trim().split('\n');
      expect(lines[0]).toMatch(
        /^retention: raw logs before 2026-05-02T00:00:00.000Z, records before 2025-12-03T00:00:00.000Z, derived rows before 2025-04-27T00:00:00.000Z$/,
      );
      expect(lines.slice(1)).toEqual([...lines.slice(1)].sort());
      expect(lines).toContain(`would delete\truns\t${ancient.length}`);
      const json = await cli(['prune', '--json', '--derived-days', '1000', ...flags, '--data-dir', hub.dataDir], [sourcesPillar], { now: () => NOW });
      const res = JSON.parse(json.out);
      expect(res.counts.runs).toBe(0); // 500 days < 1000
      expect(res.dry_run).toBe(false);
      const bad = await cli(['prune', '--records-days', '0', ...flags], [sourcesPillar], { now: () => NOW });
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/--records-days/);
    });
  },
  { pillars: [sourcesPillar], now: () => clock },
);
