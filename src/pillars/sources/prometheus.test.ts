import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { synthesize } from '../../core/synth/generate.js';
import { ingestNdjson } from '../../core/runs/ingest.js';
import { createToken } from '../../core/tokens.js';
import { describeEachStore, type TestHub } from '../../../test/support/stores.js';
import { sourcesPillar } from './index.js';
import { DURATION_BUCKETS, QUEUE_BUCKETS, pipelineSeries } from './prometheus.js';
import { createApp } from '../../../test/support/assembled.js';

const END = new Date('2026-06-01T00:00:00Z');
const records = synthesize({ repos: 3, days: 3, runsPerDay: 20, seed: 7, end: END }).records;

/** Prometheus text exposition -> Map of `name{sorted labels}` -> value. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = (m[2] ?? '')
      .split(/,(?=[a-z_]+=)/)
      .filter(Boolean)
      .sort()
      .join(',');
    out.set(`${m[1]}{${labels}}`, Number(m[3]));
  }
  return out;
}
const key = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',')}}`;

describeEachStore(
  '/metrics pipeline series',
  (get) => {
    let app: FastifyInstance;
    let hub: TestHub;
    let reader: string;
    beforeAll(async () => {
      hub = get();
      app = await createApp(hub, [sourcesPillar]);
      const res = await ingestNdjson(hub, Readable.from([records.map((r) => JSON.stringify(r)).join('\n')]), { source: 'test' });
      expect(res.accepted).toBe(records.length);
      reader = (await createToken(hub.db, { repoPatterns: ['**'], scopes: ['read'], expiresAt: null })).token;
    });
    afterAll(async () => app?.close());

    it("exposes the four series with the seed's names and values computed from the runs", async () => {
      const res = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${reader}` } });
      expect(res.statusCode).toBe(200);
      const m = parse(res.body);
      for (const name of ['cicd_pipeline_runs_total', 'cicd_pipeline_duration_seconds', 'cicd_pipeline_queue_time_seconds', 'cicd_pipeline_success_rate']) {
        expect(res.body).toContain(`# TYPE ${name} `);
      }
      expect(res.body).toContain('# TYPE cicd_pipeline_duration_seconds histogram');
      // Expected values, computed here from the records themselves.
      const byRepoStatus = new Map<string, number>();
      for (const r of records) byRepoStatus.set(`${r.repo}\u0000${r.status}`, (byRepoStatus.get(`${r.repo}\u0000${r.status}`) ?? 0) + 1);
      for (const [k, n] of byRepoStatus) {
        const [service, status] = k.split('\u0000') as [string, string];
        expect(m.get(key('cicd_pipeline_runs_total', { service, status }))).toBe(n);
        const durations = records.filter((r) => r.repo === service && r.status === status).map((r) => Date.parse(r.ended_at) - Date.parse(r.started_at));
        for (const b of DURATION_BUCKETS) {
          expect(m.get(key('cicd_pipeline_duration_seconds_bucket', { service, status, stage: 'pipeline', le: String(b) }))).toBe(
            durations.filter((d) => d <= b * 1000).length,
          );
        }
        expect(m.get(key('cicd_pipeline_duration_seconds_count', { service, status, stage: 'pipeline' }))).toBe(durations.length);
        expect(m.get(key('cicd_pipeline_duration_seconds_sum', { service, status, stage: 'pipeline' }))).toBeCloseTo(
          durations.reduce((s, d) => s + d, 0) / 1000,
          3,
        );
      }
      const withQueue = records.filter((r) => typeof r.queue_ms === 'number');
      for (const service of new Set(records.map((r) => r.repo))) {
        for (const runner_type of new Set(withQueue.map((r) => r.runner_type ?? 'unknown'))) {
          const qs = withQueue.filter((r) => r.repo === service && (r.runner_type ?? 'unknown') === runner_type).map((r) => r.queue_ms!);
          if (!qs.length) continue;
          for (const b of QUEUE_BUCKETS)
            expect(m.get(key('cicd_pipeline_queue_time_seconds_bucket', { service, runner_type, le: String(b) }))).toBe(qs.filter((q) => q <= b * 1000).length);
        }
        const day = records.filter((r) => r.repo === service && Date.parse(r.ended_at) > END.getTime() - 86_400_000 && Date.parse(r.ended_at) <= END.getTime());
        const ok = day.filter((r) => r.status === 'success').length;
        const bad = day.filter((r) => r.status === 'failed').length;
        expect(ok + bad).toBeGreaterThan(0);
        expect(m.get(key('cicd_pipeline_success_rate', { service }))).toBeCloseTo(ok / (ok + bad), 10);
      }
    });

    it('counts a webhook run only once it has finished', async () => {
      const base = {
        repo: 'metrics/queued',
        workflow: 'ci',
        commit_sha: null,
        branch: null,
        pr: null,
        started_at: new Date(END.getTime() - 1000),
        source: 'github',
      };
      await hub.db
        .insertInto('runs')
        .values({ ...base, run_id: '00000000-0000-4000-8000-00000000aaa1', status: 'in_progress' } as never)
        .execute();
      const s = await pipelineSeries(hub.db, END);
      const all = [...s.runs, ...s.duration, ...s.queue, ...s.successRate];
      expect(all.length).toBeGreaterThan(0);
      expect(all.some((v) => v.labels.service === 'metrics/queued')).toBe(false);
    });

    it("needs a read token, and a repo-limited token sees only its repositories' series", async () => {
      expect((await app.inject({ url: '/metrics' })).statusCode).toBe(401);
      const one = records[0]!.repo;
      const limited = (await createToken(hub.db, { repoPatterns: [one], scopes: ['read'], expiresAt: null })).token;
      const res = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${limited}` } });
      expect(res.statusCode).toBe(200);
      const services = new Set([...res.body.matchAll(/service="([^"]+)"/g)].map((m) => m[1]));
      expect([...services]).toEqual([one]);
      for (const r of records) if (r.repo !== one) expect(res.body).not.toContain(r.repo);
    });
  },
  { pillars: [sourcesPillar], now: () => END },
);
