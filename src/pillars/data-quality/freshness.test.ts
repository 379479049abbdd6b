// Ingest freshness on a real store (PGlite and PostgreSQL): records sent to the real ingest route
// (source `upload`) and a file loaded straight into the store (source `ndjson`) fill
// dq_ingest_latency (stored − completed, once per run and source), and the P50/P95 of each source
// on /metrics and the Data quality page's API equal the percentiles of its rows, judged against the
// configured goal. Runs ended 10 minutes before they were sent, so the P95 is
// past a 5-minute goal whatever the machine's speed.
import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { ingestNdjson } from '../../core/runs/ingest.js';
import { synthesize } from '../../core/synth/generate.js';
import { describeEachStore } from '../../../test/support/stores.js';
import { ingestingApp } from '../../../test/support/hub-app.js';
import { dataQualityPillar } from './index.js';
import { dqdb } from './tables.js';

const base = synthesize({ repos: 1, days: 1, runsPerDay: 1, seed: 7, end: new Date('2026-06-01T00:00:00Z') }).records[0]!;
const UUID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
/** A run that ended `minutesAgo` before now (the store stamps the stored time itself). */
const run = (n: number, minutesAgo: number) => {
  const end = new Date(Date.now() - minutesAgo * 60_000);
  return { ...base, run_id: UUID(n), started_at: new Date(end.getTime() - 60_000).toISOString(), ended_at: end.toISOString() };
};
/** percentile_cont: linear interpolation between the closest ranks. */
function percentile(sorted: number[], p: number): number {
  const i = (sorted.length - 1) * p;
  const lo = Math.floor(i);
  return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (i - lo);
}

describeEachStore(
  'ingest freshness',
  (get) => {
    const t = ingestingApp(get, [dataQualityPillar]);

    it('fills dq_ingest_latency on ingest and shows P50/P95 per source on /metrics and the page, against the goal', async () => {
      const first = run(1, 10);
      expect((await t.post([first, run(2, 12), run(3, 20)])).statusCode).toBe(200);
      // A run loaded again (a retry) is measured once, when it was first stored.
      expect((await t.post([first])).statusCode).toBe(200);
      // A file loaded into the store (`ci-intel ingest FILE`) is the other record path.
      await ingestNdjson(t.hub, Readable.from([JSON.stringify(run(4, 15)) + '\n']), { source: 'cli' });
      await t.hub.bus.drain();
      const db = dqdb(t.hub);
      const rows = await db.selectFrom('dq_ingest_latency').selectAll().orderBy('run_id').execute();
      expect(rows.map((r) => [r.run_id, r.source])).toEqual([
        [UUID(1), 'upload'],
        [UUID(2), 'upload'],
        [UUID(3), 'upload'],
        [UUID(4), 'ndjson'],
      ]);
      const runs = await db.selectFrom('runs').select(['run_id', 'ended_at', 'updated_at']).orderBy('run_id').execute();
      for (const [i, r] of rows.entries()) {
        expect(new Date(r.completed_at).getTime()).toBe(new Date(runs[i]!.ended_at!).getTime());
        expect(Number(r.latency_ms)).toBe(new Date(r.stored_at).getTime() - new Date(r.completed_at).getTime());
        expect(Number(r.latency_ms)).toBeGreaterThanOrEqual(10 * 60_000);
      }
      const ms = rows
        .filter((r) => r.source === 'upload')
        .map((r) => Number(r.latency_ms))
        .sort((a, b) => a - b);
      const p50 = percentile(ms, 0.5) / 1000;
      const p95 = percentile(ms, 0.95) / 1000;

      const page = (await t.app.inject({ url: '/api/v1/data-quality/freshness', headers: t.auth() })).json();
      expect(page).toMatchObject({ goal_p95_seconds: 300, sources_missing_goal: 2 });
      expect(page.sources.map((x: { source: string; runs: number }) => [x.source, x.runs])).toEqual([
        ['ndjson', 1],
        ['upload', 3],
      ]);
      expect(page.sources[1]).toMatchObject({ source: 'upload', runs: 3, goal_seconds: 300, meets_goal: false });
      expect(page.sources[1].p50_seconds).toBeCloseTo(p50, 3);
      expect(page.sources[1].p95_seconds).toBeCloseTo(p95, 3);
      expect(page.sources[0].p95_seconds).toBeCloseTo(Number(rows[3]!.latency_ms) / 1000, 3);

      const metrics = (await t.app.inject({ url: '/metrics', headers: t.auth() })).body;
      const value = (q: string) => Number(new RegExp(`^ci_intel_ingest_latency_seconds\\{source="upload",quantile="${q}"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
      expect(value('0.5')).toBeCloseTo(p50, 3);
      expect(value('0.95')).toBeCloseTo(p95, 3);
      expect(metrics).toMatch(/^ci_intel_ingest_latency_goal_seconds 300$/m);
    });
  },
  { pillars: [dataQualityPillar] },
);

describeEachStore(
  'ingest freshness with a configured goal',
  (get) => {
    const t = ingestingApp(get, [dataQualityPillar]);
    it('a P95 within the goal meets it', async () => {
      expect((await t.post([run(11, 10), run(12, 12)])).statusCode).toBe(200);
      await t.hub.bus.drain();
      const page = (await t.app.inject({ url: '/api/v1/data-quality/freshness', headers: t.auth() })).json();
      expect(page).toMatchObject({ goal_p95_seconds: 7200, sources_missing_goal: 0, sources: [{ source: 'upload', runs: 2, meets_goal: true }] });
    });
  },
  { pillars: [dataQualityPillar], config: (c) => void (c.pillars = { ...c.pillars, dataQuality: { freshnessGoalSeconds: 7200 } }) },
);
