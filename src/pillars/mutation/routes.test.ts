import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { calculateMetrics } from 'mutation-testing-metrics';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createToken } from '../../core/tokens.js';
import { describeEachStore, type TestHub } from '../../../test/support/stores.js';
import { mutationPillar } from './index.js';
import { ENVELOPE_KEY } from './ingest.js';
import { createApp } from '../../../test/support/assembled.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const report = (f: string) => readFileSync(path.join(here, 'fixtures', 'reports', f), 'utf8');
const seed = readFileSync(path.join(here, '..', '..', 'core', 'contract', 'fixtures', 'seed-example.fixed.v1.2.ndjson'), 'utf8').trim();
const scoreOf = (f: string) => calculateMetrics(JSON.parse(report(f)).files).metrics.mutationScore / 100;

const REPO = 'acme/shop';
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const NOW = new Date('2026-03-01T12:00:00Z');

/** A pipeline_run record (the seed's example) with its own id, branch, time and mutation counts. */
function record(
  n: number,
  branch: string,
  day: number,
  res: { mutants_total: number; killed: number; equiv: number; timeout?: number; score?: number },
  repo = REPO,
): string {
  const r = JSON.parse(seed);
  r.run_id = uuid(n);
  r.repo = repo;
  r.branch = branch;
  r.pr = branch === 'main' ? null : 7;
  delete r.environment;
  delete r.deployment_id;
  delete r.rollout_step;
  delete r.strategy;
  delete r.canary_metrics;
  r.started_at = new Date(Date.UTC(2026, 1, day, 10)).toISOString();
  r.ended_at = new Date(Date.UTC(2026, 1, day, 10, 5)).toISOString();
  r.tests.resilience = { timeout: 0, score: res.killed / Math.max(1, res.mutants_total - res.equiv), ...res };
  return JSON.stringify(r);
}

describeEachStore(
  'mutation pillar on the hub',
  (getHub) => {
    let hub: TestHub;
    let app: FastifyInstance;
    let token: string;
    let otherRepo: string;
    beforeAll(async () => {
      hub = getHub();
      app = await createApp(hub, [mutationPillar]);
      token = (await createToken(hub.db, { repoPatterns: ['acme/*'], scopes: ['ingest', 'read'], expiresAt: null })).token;
      otherRepo = (await createToken(hub.db, { repoPatterns: ['other/*'], scopes: ['ingest', 'read'], expiresAt: null })).token;
    });
    afterAll(async () => app?.close());

    const ingest = async (lines: string[]) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/runs',
        payload: lines.join('\n') + '\n',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      });
      expect(res.statusCode, res.body).toBe(200);
      await hub.bus.drain(60_000);
    };
    const upload = (id: string, body: string | Buffer, headers: Record<string, string> = {}, tok = token, query = '') =>
      app.inject({
        method: 'POST',
        url: `/api/v1/runs/${id}/mutation${query}`,
        payload: body,
        headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json', 'x-ci-intel-repo': REPO, ...headers },
      });
    const get = (url: string, tok = token) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tok}` } });

    it("derives tests.resilience from a record's counts by the dictionary (the seed example's 0.9 is 0.931)", async () => {
      await ingest([record(1, 'feature/x', 1, { mutants_total: 900, killed: 810, equiv: 30, timeout: 12, score: 0.9 }, 'acme/seed')]);
      const res = await get(`/api/v1/runs/${uuid(1)}`);
      expect(res.statusCode).toBe(200);
      const a = res.json().analyses.mutation;
      expect(a.tests.resilience).toEqual({
        mutants_total: 900,
        killed: 810,
        equiv: 30,
        timeout: 12,
        score: 810 / 870,
        delta_vs_main: null,
        equivalent_mutants_dropped: true,
      });
      expect(a).toMatchObject({ source: 'record', declared_score: 0.9, label: 'high-confidence' });
    });

    it('a record with mutants_total 0 is no data: no mutation analysis, never a score of 0', async () => {
      await ingest([record(2, 'main', 2, { mutants_total: 0, killed: 0, equiv: 0, score: 0 }, 'acme/empty')]);
      const res = await get(`/api/v1/runs/${uuid(2)}`);
      expect(res.json().analyses.mutation).toBeUndefined();
      expect((await get(`/api/v1/runs/${uuid(2)}/mutation`)).statusCode).toBe(404);
    });

    it('a run re-ingested without counts loses the score it had from its earlier record', async () => {
      await ingest([
        record(3, 'feature/y', 3, { mutants_total: 200, killed: 150, equiv: 0 }, 'acme/again'),
        record(4, 'feature/z', 3, { mutants_total: 100, killed: 50, equiv: 0 }, 'acme/again'),
      ]);
      expect((await get(`/api/v1/runs/${uuid(3)}/mutation`)).statusCode).toBe(200);
      await ingest([record(3, 'feature/y', 3, { mutants_total: 0, killed: 0, equiv: 0, score: 0 }, 'acme/again')]);
      expect((await get(`/api/v1/runs/${uuid(3)}/mutation`)).statusCode).toBe(404);
      // The other run of the first batch keeps its score.
      expect((await get(`/api/v1/runs/${uuid(4)}`)).json().analyses.mutation.tests.resilience.score).toBe(0.5);
    });

    it('uploads a real StrykerJS report for a main-branch run: score equals mutation-testing-metrics', async () => {
      const res = await upload(uuid(10), report('stryker-mocha-js.json'), { 'x-ci-intel-branch': 'main' });
      expect(res.statusCode, res.body).toBe(200);
      const b = res.json();
      expect(b.created).toBe(true);
      expect(b.score).toBeCloseTo(scoreOf('stryker-mocha-js.json'), 12);
      expect(b).toMatchObject({ mutants_total: 79, killed: 41, timeout: 1, equiv: 0, delta_vs_main: null, label: 'weak-tests', level: 'fail' });
      const run = (await get(`/api/v1/runs/${uuid(10)}`)).json();
      expect(run.run).toMatchObject({ repo: REPO, branch: 'main', source: 'agent' });
      expect(run.analyses.mutation.tests.resilience.score).toBeCloseTo(b.score, 12);
      expect(run.analyses.mutation.files.map((f: { file: string }) => f.file)).toEqual(['src/parse.js', 'src/retry.js', 'src/slug.js']);
    });

    it('a PR report gets delta_vs_main against the latest main run, per file too (gzip body)', async () => {
      const res = await upload(uuid(11), gzipSync(report('stryker-mocha-js-v2.json')), { 'x-ci-intel-branch': 'feature/jitter', 'content-encoding': 'gzip' });
      expect(res.statusCode, res.body).toBe(200);
      const b = res.json();
      const expected = scoreOf('stryker-mocha-js-v2.json') - scoreOf('stryker-mocha-js.json');
      expect(b.delta_vs_main).toBeCloseTo(expected, 12);
      expect(b.baseline.source).toBe(`main@${uuid(10)}`);
      const parse = b.files.find((f: { file: string }) => f.file === 'src/parse.js');
      expect(parse.delta_vs_main).toBeCloseTo(17 / 28, 12);
      const a = (await get(`/api/v1/runs/${uuid(11)}/mutation`)).json();
      expect(a.tests.resilience.delta_vs_main).toBeCloseTo(expected, 12);
      expect(a.baseline_run_id).toBe(uuid(10));
      expect(a.is_main).toBe(false);
    });

    it("the agent's envelope carries churn and suppressions: marks count as equiv, churn weights hotspots", async () => {
      const plain = (await upload(uuid(12), report('stryker-mocha-js-v2.json'), { 'x-ci-intel-branch': 'feature/b' })).json();
      const survivors = plain.survivors.filter((s: { status: string }) => s.status === 'survived').slice(0, 2);
      const env = {
        [ENVELOPE_KEY]: 1,
        report: report('stryker-mocha-js-v2.json'),
        churn: { 'src/slug.js': 9 },
        suppressions: survivors.map((s: { fingerprint: string }) => ({ fingerprint: s.fingerprint, reason: 'equivalent', by: 'alice', expires: '2026-12-31' })),
      };
      const res = await upload(uuid(12), JSON.stringify(env), { 'x-ci-intel-branch': 'feature/b' });
      expect(res.statusCode, res.body).toBe(200);
      const b = res.json();
      expect(b.equiv).toBe(2);
      expect(b.score).toBeCloseTo(57 / (81 - 3 - 2), 12);
      expect(b.hotspots[0]).toMatchObject({ file: 'src/slug.js', churn: 9, weight: 7 * 10 });
      expect(b.equivalents.from_suppressions).toBe(2);
    });

    it('refuses a bad report with the pointer and stores nothing; refuses other repos and missing tokens', async () => {
      const doc = JSON.parse(report('stryker-mocha-js.json'));
      doc.files['src/slug.js'].mutants[0].location = { start: { line: 1 } };
      const bad = await upload(uuid(13), JSON.stringify(doc), { 'x-ci-intel-branch': 'main' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('E_MUTATION_REPORT_INVALID');
      expect(bad.json().error.where).toContain('/files/src~1slug.js/mutants/0/location');
      expect((await get(`/api/v1/runs/${uuid(13)}/mutation`)).statusCode).toBe(404);
      expect((await upload(uuid(14), report('pit-mutations.xml'), {}, otherRepo)).statusCode).toBe(403);
      const anon = await app.inject({ method: 'POST', url: `/api/v1/runs/${uuid(14)}/mutation`, payload: 'x', headers: { 'content-type': 'text/plain' } });
      expect(anon.statusCode).toBe(401);
      // Another tenant's run answers as a missing one: no repository named, no hint it exists.
      const foreign = await get(`/api/v1/runs/${uuid(10)}/mutation`, otherRepo);
      expect(foreign.statusCode).toBe(404);
      expect(foreign.body).not.toContain('acme');
    });

    it('accepts the other formats (PIT XML) with ?format', async () => {
      const res = await upload(
        uuid(15),
        report('pit-mutations.xml'),
        { 'content-type': 'application/xml', 'x-ci-intel-branch': 'feature/java' },
        token,
        '?format=pit',
      );
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ format: 'pit', mutants_total: 7, killed: 3 });
      expect((await upload(uuid(15), 'x', {}, token, '?format=cobol')).statusCode).toBe(400);
    });

    it('keeps an EWMA chart over the main series and flags a sustained drop; PRs are judged against it', async () => {
      const scores = [0.85, 0.86, 0.84, 0.85, 0.86, 0.85, 0.84, 0.86, 0.85, 0.85, 0.8, 0.79, 0.8, 0.79];
      await ingest(scores.map((s, i) => record(100 + i, 'main', 1 + i, { mutants_total: 1000, killed: Math.round(s * 1000), equiv: 0 }, 'acme/trend')));
      await ingest([record(200, 'feature/ok', 20, { mutants_total: 1000, killed: 790, equiv: 0 }, 'acme/trend')]);
      const t = (await get('/api/v1/mutation/trends?repo=acme/trend')).json();
      expect(t).toMatchObject({ lambda: 0.2, L: 3 });
      expect(t.points).toHaveLength(14);
      expect(t.points.slice(0, 5).every((p: { lcl: number | null }) => p.lcl === null)).toBe(true);
      expect(t.points.slice(5, 10).some((p: { out_of_control: boolean }) => p.out_of_control)).toBe(false);
      expect(t.points.at(-1).out_of_control).toBe(true);
      const all = (await get('/api/v1/mutation/trends')).json().repos;
      expect(all.find((r: { repo: string }) => r.repo === 'acme/trend')).toMatchObject({ run_id: uuid(113), points: 14, out_of_control: true });
      expect((await get('/api/v1/mutation/trends', otherRepo)).json().repos).toEqual([]);
      const pr = (await get(`/api/v1/runs/${uuid(200)}`)).json().analyses.mutation;
      expect(pr.tests.resilience.delta_vs_main).toBeCloseTo(0.79 - 0.79, 12);
      expect(pr.control.out_of_control).toBe(true);
      const main = (await get(`/api/v1/runs/${uuid(113)}`)).json().analyses.mutation;
      expect(main.tests.resilience.delta_vs_main).toBeCloseTo(0.79 - 0.8, 12);
      expect(main.control).toMatchObject({ out_of_control: true, lambda: 0.2, L: 3 });
    });

    it('rebases later deltas when an older main run arrives late', async () => {
      await ingest([record(300, 'feature/late', 10, { mutants_total: 100, killed: 70, equiv: 0 }, 'acme/late')]);
      expect((await get(`/api/v1/runs/${uuid(300)}`)).json().analyses.mutation.tests.resilience.delta_vs_main).toBeNull();
      await ingest([record(301, 'main', 5, { mutants_total: 100, killed: 80, equiv: 0 }, 'acme/late')]);
      expect((await get(`/api/v1/runs/${uuid(300)}`)).json().analyses.mutation.tests.resilience.delta_vs_main).toBeCloseTo(-0.1, 12);
    });

    it('lists runs, per-file resilience vs coverage, the baseline, and exports Prometheus series', async () => {
      const runs = (await get('/api/v1/mutation/runs?repo=acme/shop')).json().items;
      expect(runs.map((r: { run_id: string }) => r.run_id)).toContain(uuid(10));
      const files = (await get('/api/v1/mutation/files?repo=acme/shop')).json();
      expect(files.run_id).toBe(uuid(10));
      expect(files.files.find((f: { file: string }) => f.file === 'src/parse.js')).toMatchObject({ score: 0, mutation_coverage: 0 });
      const base = (await get('/api/v1/mutation/baseline?repo=acme/shop')).json();
      expect(base).toMatchObject({ run_id: uuid(10) });
      expect(base.report.mutants.length).toBe(82);
      const metrics = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } });
      expect(metrics.body).toMatch(/ci_intel_mutation_resilience\{repo="acme\/trend"\} 0\.79/);
      expect(metrics.body).toMatch(/ci_intel_mutation_out_of_control\{repo="acme\/trend"\} 1/);
    });
  },
  { pillars: [mutationPillar], now: () => NOW },
);
