import { expect, it } from 'vitest';
import { sql } from 'kysely';
import { synthesize } from '../synth/generate.js';
import { ingestNdjson } from '../runs/ingest.js';
import { describeEachStore } from '../../../test/support/stores.js';
import { analyzeIfStale } from './analyze.js';

async function ingest(hub: Parameters<typeof ingestNdjson>[0], seed: number, runsPerDay: number) {
  const { records } = synthesize({ repos: 2, days: 3, runsPerDay, seed, end: new Date('2026-06-01T00:00:00Z') });
  async function* lines() {
    for (const r of records) yield Buffer.from(JSON.stringify(r) + '\n');
  }
  await ingestNdjson(hub, lines(), { source: 'test' });
  return records.length;
}

const estimate = async (db: Parameters<typeof analyzeIfStale>[0]) =>
  Number((await sql<{ est: number }>`select reltuples::float8 as est from pg_class where oid = to_regclass('runs')`.execute(db)).rows[0]!.est);

describeEachStore('analyzeIfStale (the embedded store has no autovacuum)', (get) => {
  it('runs ANALYZE when runs drifted past 50 rows + 10% of the estimate, and only then', async () => {
    const hub = get();
    const n = await ingest(hub, 1, 40);
    expect(n).toBeGreaterThan(200);
    // Never analyzed (or an estimate far from the table): analyze, and the estimate follows.
    expect(await analyzeIfStale(hub.db)).toBe(true);
    expect(await estimate(hub.db)).toBe(n);
    expect(await analyzeIfStale(hub.db)).toBe(false);
    // Many more runs than the threshold: analyze again.
    const more = await ingest(hub, 2, 40);
    expect(more).toBeGreaterThan(50 + 0.1 * n);
    expect(await analyzeIfStale(hub.db)).toBe(true);
    expect(await estimate(hub.db)).toBe(n + more);
  });
});
