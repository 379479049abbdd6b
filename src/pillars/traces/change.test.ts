// Commit → production deploy as one trace, on the demo's synthetic history (PGlite and
// PostgreSQL): the API's lead-time segments are checked against the stored records' own times
// (commits, runs, deployment reports — read here with plain SQL, not through the pillar's
// queries); the DORA lead time is the metrics pillar's; the change reaches a local OTLP/HTTP
// receiver (protobuf, the official proto definitions) as one trace with the expected span tree,
// and a second pass sends nothing.
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createToken } from '../../core/tokens.js';
import { createApp, pillars, seedDemo } from '../../../test/support/assembled.js';
import { startOtlpReceiver, spanTree, type OtlpReceiver } from '../../../test/support/otlp-receiver.js';
import { describeEachStore, type TestHub } from '../../../test/support/stores.js';
import { tracesConfig } from './config.js';
import { changeSpanIdOf, changeTraceIdOf } from './ids.js';
import { tracesPillar } from './index.js';
import { tdb } from './tables.js';
import { TraceExporter } from './worker.js';

const metricsPillar = pillars.find((p) => p.id === 'metrics')!;
const END = new Date('2026-03-28T00:00:00Z');
const SIZE = { repos: 2, days: 5, runsPerDay: 12 };
const ms = (t: Date | string | null) => (t === null ? null : new Date(t).getTime());

interface Seg {
  id: string;
  seconds: number;
  start: string;
  end: string;
}

/** The change's times straight from the records: its commit, its runs, the merge, the build, the deployment. */
async function recordTimes(hub: TestHub, repo: string, sha: string, deploymentId: string, environment: string) {
  const q = async <T>(text: ReturnType<typeof sql>) => (await text.execute(hub.db)).rows as T[];
  const [commit] = await q<{ authored_at: Date; committed_at: Date }>(sql`select authored_at, committed_at from commits where repo = ${repo} and sha = ${sha}`);
  const deployRuns = (
    await q<{ run_id: string }>(sql`select distinct run_id::text as run_id from deployments where repo = ${repo} and deployment_id = ${deploymentId}`)
  ).map((r) => r.run_id);
  const reports = await q<{ started_at: Date; finished_at: Date; status: string; commit_sha: string }>(
    sql`select started_at, finished_at, status, commit_sha from deployments where repo = ${repo} and environment = ${environment} and deployment_id = ${deploymentId}`,
  );
  const deployStart = Math.min(...reports.map((r) => ms(r.started_at)!));
  const deployEnd = Math.max(...reports.map((r) => ms(r.finished_at)!));
  const deployedSha = reports[0]!.commit_sha;
  const own = (
    await q<{ run_id: string; started_at: Date }>(sql`select run_id::text as run_id, started_at from runs where repo = ${repo} and commit_sha = ${sha}`)
  )
    .filter((r) => !deployRuns.includes(r.run_id))
    .map((r) => ms(r.started_at)!);
  const [merge] = await q<{ committed_at: Date }>(sql`select committed_at from commits where repo = ${repo} and parents[2] = ${sha}`);
  const builds = (
    await q<{ run_id: string; ended_at: Date }>(
      sql`select run_id::text as run_id, ended_at from runs where repo = ${repo} and commit_sha = ${deployedSha} and status = 'success' and environment is null`,
    )
  )
    .map((r) => ms(r.ended_at)!)
    .filter((e) => e <= deployStart);
  return {
    authored: ms(commit!.authored_at)!,
    committed: ms(commit!.committed_at)!,
    firstRun: Math.min(...own),
    merged: merge ? ms(merge.committed_at) : null,
    buildEnd: Math.max(...builds),
    deployStart,
    deployEnd,
    deployedSha,
  };
}

describeEachStore(
  'commit to production deploy as a trace',
  (get) => {
    let hub: TestHub;
    let app: FastifyInstance;
    let token: string;
    let receiver: OtlpReceiver;
    let changes: { repo: string; sha: string; environment: string; deployment_id: string; lead_time_s: number; deployed_at: string }[];
    const getJson = async (url: string) => {
      const r = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      return { status: r.statusCode, body: r.json() };
    };
    beforeAll(async () => {
      hub = get();
      await seedDemo(hub, [metricsPillar, tracesPillar], { err: () => {}, now: () => END }, SIZE);
      receiver = await startOtlpReceiver();
      app = await createApp(hub, [metricsPillar, tracesPillar]);
      token = (await createToken(hub.db, { repoPatterns: ['**'], scopes: ['read'], expiresAt: null })).token;
      // The metrics pillar materializes the lead times when asked (its background refresh under serve).
      expect((await getJson('/api/v1/metrics/dora')).status).toBe(200);
      changes = (await getJson('/api/v1/changes?limit=500')).body.changes;
    }, 600_000);
    afterAll(async () => {
      await app?.close();
      await receiver?.close();
    });

    it('lists the changes in production with the DORA lead times of the metrics pillar', async () => {
      const lead = (
        await sql<{ repo: string; commit_sha: string; lead_time_s: number }>`select repo, commit_sha, lead_time_s from metrics_lead_times
          where environment in ('prod', 'production') order by deployed_at desc, repo, commit_sha`.execute(hub.db)
      ).rows;
      expect(lead.length).toBeGreaterThan(10);
      expect(changes.map((c) => [c.repo, c.sha, c.lead_time_s])).toEqual(lead.map((l) => [l.repo, l.commit_sha, Number(l.lead_time_s)]));
    });

    it("each segment's length equals the records' times, the segments tile author → deploy, cost sums the runs", async () => {
      let merged = 0;
      let direct = 0;
      for (const c of changes.slice(0, 40)) {
        const { status, body } = await getJson(`/api/v1/repos/${c.repo}/changes/${c.sha}/trace`);
        expect(status).toBe(200);
        const t = await recordTimes(hub, c.repo, c.sha, c.deployment_id, c.environment);
        const seg = new Map<string, Seg>(body.segments.map((s: Seg) => [s.id, s]));
        // The demo's clocks agree, so no boundary is clamped: each segment is the plain difference.
        expect(seg.get('coding')!.seconds).toBe((t.firstRun - t.authored) / 1000);
        if (t.merged !== null) {
          merged++;
          expect(body.segments.map((s: Seg) => s.id)).toEqual(['coding', 'review', 'build', 'deploy_wait', 'deploy']);
          expect(seg.get('review')!.seconds).toBe((t.merged - t.firstRun) / 1000);
          expect(seg.get('build')!.seconds).toBe((t.buildEnd - t.merged) / 1000);
        } else {
          direct += t.deployedSha === c.sha ? 1 : 0;
          expect(seg.has('review')).toBe(false);
          expect(seg.get('build')!.seconds).toBe((t.buildEnd - t.firstRun) / 1000);
        }
        expect(seg.get('deploy_wait')!.seconds).toBe((t.deployStart - t.buildEnd) / 1000);
        expect(seg.get('deploy')!.seconds).toBe((t.deployEnd - t.deployStart) / 1000);
        const sum = body.segments.reduce((a: number, s: Seg) => a + s.seconds, 0);
        expect(sum).toBeCloseTo((t.deployEnd - t.authored) / 1000, 6);
        expect(body.total_s).toBe((t.deployEnd - t.authored) / 1000);
        expect(body.lead_time_s).toBe(c.lead_time_s);
        expect(body.lead_time_s).toBe((t.deployEnd - t.committed) / 1000);
        const usd = body.runs.reduce((a: number, r: { usd: number | null }) => a + (r.usd ?? 0), 0);
        expect(body.cost.usd).toBeCloseTo(usd, 6);
        expect(body.cost.runs).toBe(body.runs.length);
        expect(body.runs.filter((r: { role: string }) => r.role === 'deploy').length).toBeGreaterThan(0);
      }
      // Both shapes occur in the sample: changes merged from a branch, and commits made on main.
      expect(merged).toBeGreaterThan(0);
      expect(direct).toBeGreaterThan(0);
    });

    it('answers 404 naming the commit for a change not in production, 400 for a bad SHA', async () => {
      const r = await getJson(`/api/v1/repos/${changes[0]!.repo}/changes/${'0'.repeat(40)}/trace`);
      expect(r.status).toBe(404);
      expect(JSON.stringify(r.body)).toContain('000000000000');
      expect((await getJson(`/api/v1/repos/${changes[0]!.repo}/changes/nope/trace`)).status).toBe(400);
    });

    it('exports each change once as a trace: CHANGE → coding, review, build, deploy wait, deploy; a second pass sends nothing', async () => {
      const w = new TraceExporter(tdb(hub), { ...tracesConfig(hub.config), endpoint: receiver.url, settleMs: 0 }, hub.now);
      try {
        let sent = 0;
        for (;;) {
          const r = await w.pass();
          if (r.error) throw r.error;
          sent += r.changes;
          if (r.sent + r.changes + r.unchanged + r.unfinished === 0) break;
        }
        expect(sent).toBe(changes.length);
        const c = (await getJson(`/api/v1/repos/${changes[0]!.repo}/changes/${changes[0]!.sha}/trace`)).body;
        const traceId = changeTraceIdOf(c.repo, c.sha);
        expect(c.trace_id).toBe(traceId);
        expect(c.exported_at).not.toBeNull();
        expect(spanTree(receiver.spans, traceId)).toEqual([{ [`CHANGE ${c.sha.slice(0, 7)}`]: c.segments.map((s: { label: string }) => s.label).sort() }]);
        const root = receiver.spans.find((s) => s.spanId === changeSpanIdOf(c.repo, c.sha, ''))!;
        expect(root.startMs).toBe(Date.parse(c.started_at));
        expect(root.endMs).toBe(Date.parse(c.deployed_at));
        expect(root.attributes).toMatchObject({
          'vcs.repository.name': c.repo,
          'vcs.ref.head.revision': c.sha,
          'deployment.environment.name': c.environment,
          'deployment.id': c.deployment_id,
          'ci_intel.lead_time.s': c.lead_time_s,
          'ci_intel.cost.usd': c.cost.usd,
          'ci_intel.co2e.grams': c.cost.co2e_g,
        });
        for (const s of c.segments) {
          const span = receiver.spans.find((x) => x.spanId === changeSpanIdOf(c.repo, c.sha, s.id))!;
          expect([span.startMs, span.endMs]).toEqual([Date.parse(s.start), Date.parse(s.end)]);
        }
        const before = receiver.spans.length;
        const again = await w.pass();
        expect(again).toMatchObject({ changes: 0, error: null });
        expect(receiver.spans.length).toBe(before);
      } finally {
        await w.shutdown();
      }
    });
  },
  { pillars: [metricsPillar, tracesPillar] },
);
