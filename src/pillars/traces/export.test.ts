// Runs as traces, end to end on the hub (PGlite and PostgreSQL): a run stored through each source
// (NDJSON upload, signed GitHub webhooks, GitLab webhooks) reaches a local OTLP/HTTP receiver —
// protobuf decoded with the official proto definitions, or OTLP JSON — as one trace with the
// expected span tree and attributes; re-ingest sends nothing twice; an outage (503s, then
// connection refused) loses no span.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { runIdFor } from '../../core/identity.js';
import { createToken } from '../../core/tokens.js';
import type { Config } from '../../core/config.js';
import { createApp, pillars } from '../../../test/support/assembled.js';
import { startOtlpReceiver, spanTree, type OtlpReceiver, type ReceivedSpan } from '../../../test/support/otlp-receiver.js';
import { describeEachStore, type TestHub } from '../../../test/support/stores.js';
import { deliverGithub, deliverGitlab, githubExamples, gitlabFixture } from '../../../test/support/webhooks.js';
import { tracesPillar } from './index.js';

const sourcesPillar = pillars.find((p) => p.id === 'sources')!;
import { traceIdOf, spanIdOf } from './ids.js';
import { tdb } from './tables.js';
import { queueLength } from './store.js';
import { startExportLoop, TraceExporter, type PassResult } from './worker.js';
import { tracesConfig } from './config.js';

const SECRET = 'traces-test-secret';
const GL_TOKEN = 'traces-test-gitlab-token';
const seed = readFileSync(new URL('../../core/contract/fixtures/seed-example.fixed.v1.2.ndjson', import.meta.url), 'utf8').split('\n')[0]!;
const record = JSON.parse(seed) as Record<string, any>;

let receiver: OtlpReceiver;
const setEndpoint = (c: Config) => {
  c.webhooks.githubSecret = SECRET;
  c.webhooks.gitlabToken = GL_TOKEN;
  // The receiver's port is only known once it listens: the section is filled in beforeAll.
  c.pillars = {
    ...c.pillars,
    traces: {
      endpoint: 'http://127.0.0.1:9/v1/traces',
      traceUrl: 'http://jaeger.test/trace/{traceId}',
      settleMs: 0,
      retryMinMs: 20,
      retryMaxMs: 200,
      timeoutMs: 2000,
    },
  };
};

/** Drains the queue with the hub's configuration (the background loop's passes, run inline). */
async function drain(hub: TestHub, protocol: 'http/protobuf' | 'http/json' = 'http/protobuf'): Promise<PassResult> {
  await hub.bus.drain();
  const w = new TraceExporter(tdb(hub), { ...tracesConfig(hub.config), endpoint: receiver.url, protocol }, hub.now);
  const total: PassResult = { sent: 0, spans: 0, changes: 0, unchanged: 0, unfinished: 0, settling: 0, error: null };
  try {
    for (;;) {
      const r = await w.pass();
      if (r.error) throw r.error;
      total.sent += r.sent;
      total.spans += r.spans;
      total.unchanged += r.unchanged;
      total.unfinished += r.unfinished;
      total.changes += r.changes;
      if (r.sent + r.changes + r.unchanged + r.unfinished === 0) return total;
    }
  } finally {
    await w.shutdown();
  }
}

const byName = (spans: ReceivedSpan[], name: string) => spans.find((s) => s.name === name)!;

describeEachStore(
  'runs as traces',
  (get) => {
    let hub: TestHub;
    let app: FastifyInstance;
    let token: string;
    beforeAll(async () => {
      hub = get();
      receiver = await startOtlpReceiver();
      app = await createApp(hub, [sourcesPillar, tracesPillar]);
      token = (await createToken(hub.db, { repoPatterns: ['**'], scopes: ['ingest', 'read'], expiresAt: null })).token;
    });
    afterAll(async () => {
      await app?.close();
      await receiver?.close();
    });
    beforeEach(() => {
      receiver.spans.length = 0;
      receiver.requests = 0;
    });
    const upload = (body: string) =>
      app.inject({ method: 'POST', url: '/api/v1/runs', payload: body, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' } });

    it('exports an NDJSON run as one trace (protobuf): pipeline, jobs with their queue, tests, deploy, with CI/CD attributes; re-ingest sends nothing', async () => {
      expect((await upload(`${seed}\n`)).statusCode).toBe(200);
      const r = await drain(hub);
      expect(r).toMatchObject({ sent: 1, unchanged: 0 });
      const traceId = traceIdOf(record.run_id);
      expect(new Set(receiver.spans.map((s) => s.traceId))).toEqual(new Set([traceId]));
      expect(receiver.spans.every((s) => s.encoding === 'protobuf')).toBe(true);
      expect(spanTree(receiver.spans, traceId)).toEqual([{ 'RUN default': [{ build: ['queue'] }, 'deploy staging', { pytest: ['queue'] }, 'tests'] }]);
      const root = byName(receiver.spans, 'RUN default');
      expect(root.spanId).toBe(spanIdOf(record.run_id, ''));
      expect(root.parentSpanId).toBe('');
      expect(root.resource['service.name']).toBe('ci-intel');
      expect(root.status.code).toBe(1); // OK
      expect(root.startMs).toBe(Date.parse(record.started_at));
      expect(root.endMs).toBe(Date.parse(record.ended_at));
      expect(root.attributes).toMatchObject({
        'cicd.pipeline.name': 'default',
        'cicd.pipeline.run.id': record.run_id,
        'cicd.pipeline.result': 'success',
        'vcs.repository.name': record.repo,
        'vcs.ref.head.name': record.branch,
        'vcs.ref.head.revision': record.commit_sha,
        'vcs.change.id': String(record.pr),
        'ci_intel.co2e.grams': record.carbon_g_co2e,
        'ci_intel.cost.usd': record.cost.usd,
        'ci_intel.energy.kwh': record.energy.kwh,
      });
      // The run's API answer names its trace and links to the viewer.
      const detail = (await app.inject({ method: 'GET', url: `/api/v1/runs/${record.run_id}`, headers: { authorization: `Bearer ${token}` } })).json() as {
        analyses: { traces: Record<string, unknown> };
      };
      expect(detail.analyses.traces).toMatchObject({ trace_id: traceId, trace_url: `http://jaeger.test/trace/${traceId}`, spans: 7 });
      const build = byName(receiver.spans, 'build');
      expect(build.attributes).toMatchObject({
        'cicd.pipeline.task.name': 'build',
        'cicd.pipeline.task.run.id': 'build',
        'cicd.pipeline.task.run.result': 'success',
        'ci_intel.cache.hit': true,
        'ci_intel.queue.ms': 2000,
      });
      expect(build.events).toEqual([{ name: 'queued', timeMs: build.startMs - 2000, attributes: { 'ci_intel.queue.ms': 2000 } }]);
      expect(byName(receiver.spans, 'pytest').attributes['ci_intel.cache.hit']).toBe(false);
      expect(byName(receiver.spans, 'deploy staging').attributes).toMatchObject({
        'cicd.pipeline.task.type': 'deploy',
        'deployment.environment.name': 'staging',
        'deployment.id': record.deployment_id,
        'ci_intel.deploy.strategy': 'canary',
        'ci_intel.deploy.rollout_step': 2,
      });
      expect(byName(receiver.spans, 'tests').attributes).toMatchObject({ 'cicd.pipeline.task.type': 'test', 'ci_intel.tests.total': record.tests.total });

      // The same record again: stored again, mapped to the same spans, sent nothing.
      const before = receiver.requests;
      expect((await upload(`${seed}\n`)).statusCode).toBe(200);
      expect(await drain(hub)).toMatchObject({ sent: 0, unchanged: 1 });
      expect(receiver.requests).toBe(before);
      // A changed record is sent again, under the same ids: the backend overwrites, never doubles.
      const changed = {
        ...record,
        status: 'failed',
        jobs: record.jobs.map((j: Record<string, unknown>, i: number) => (i === 0 ? { ...j, status: 'failed' } : j)),
      };
      expect((await upload(`${JSON.stringify(changed)}\n`)).statusCode).toBe(200);
      expect(await drain(hub)).toMatchObject({ sent: 1 });
      const again = receiver.spans.filter((s) => s.name === 'RUN default');
      expect(again.map((s) => [s.spanId, s.status.code, s.attributes['cicd.pipeline.result']])).toEqual([
        [root.spanId, 1, 'success'],
        [root.spanId, 2, 'failure'],
      ]);
    });

    it('exports a GitHub run from signed webhooks (workflow_run + workflow_job) as one trace', async () => {
      const run = structuredClone(githubExamples('workflow_run').find((e) => e.action === 'completed' && e.workflow_run.conclusion === 'success')!);
      const jobs = githubExamples('workflow_job').filter((e) => e.action === 'completed');
      const repo = 'trace-test/gh-app';
      const created = Date.parse(jobs[0]!.workflow_job.created_at);
      run.repository = { ...run.repository, full_name: repo };
      run.workflow_run.run_started_at = new Date(created - 10_000).toISOString();
      run.workflow_run.updated_at = new Date(created + 600_000).toISOString();
      for (const [i, j] of jobs.entries()) {
        const job = structuredClone(j);
        job.repository = { ...job.repository, full_name: repo };
        job.workflow_job = { ...job.workflow_job, id: 7000 + i, name: `${job.workflow_job.name}-${i}`, run_id: run.workflow_run.id, run_attempt: 1 };
        expect((await deliverGithub(app, SECRET, 'workflow_job', job)).statusCode).toBe(202);
      }
      expect((await deliverGithub(app, SECRET, 'workflow_run', run)).statusCode).toBe(202);
      const r = await drain(hub);
      expect(r.sent).toBe(1);
      const runId = runIdFor('github', repo, run.workflow_run.id, 1);
      const traceId = traceIdOf(runId);
      // The steps GitHub sent with each job, under the job's span, at their own times.
      const stepNames = (i: number) => ['queue', ...jobs[i]!.workflow_job.steps.map((st: { name: string }) => st.name)].sort((a, b) => a.localeCompare(b));
      expect(spanTree(receiver.spans, traceId)).toEqual([{ [`RUN ${run.workflow.name}`]: [{ 'linters-0': stepNames(0) }, { 'linters-1': stepNames(1) }] }]);
      for (const [i, j] of jobs.entries()) {
        const jobSpan = byName(receiver.spans, `linters-${i}`);
        const got = receiver.spans
          .filter((s) => s.parentSpanId === jobSpan.spanId && s.name !== 'queue')
          .sort((a, b) => Number(a.attributes['ci_intel.step.number']) - Number(b.attributes['ci_intel.step.number']));
        expect(got.map((s) => [s.name, s.startMs, s.endMs, s.attributes['ci_intel.step.conclusion']])).toEqual(
          j.workflow_job.steps.map((st: Record<string, string>) => [st.name, Date.parse(st.started_at!), Date.parse(st.completed_at!), st.conclusion]),
        );
      }
      const root = byName(receiver.spans, `RUN ${run.workflow.name}`);
      expect(root.attributes).toMatchObject({
        'cicd.pipeline.name': run.workflow.name,
        'cicd.pipeline.run.id': String(run.workflow_run.id),
        'cicd.pipeline.result': 'success',
        'vcs.provider.name': 'github',
        'vcs.repository.name': repo,
        'vcs.ref.head.revision': run.workflow_run.head_sha,
        'vcs.ref.head.name': run.workflow_run.head_branch,
        'ci_intel.run.source': 'github',
      });
      const failed = byName(receiver.spans, 'linters-0');
      expect(failed.status.code).toBe(2); // ERROR
      expect(failed.attributes).toMatchObject({ 'cicd.pipeline.task.run.id': '7000', 'cicd.pipeline.task.run.result': 'failure' });
      expect(failed.startMs).toBe(Date.parse(jobs[0]!.workflow_job.started_at));
      expect(failed.endMs).toBe(Date.parse(jobs[0]!.workflow_job.completed_at));
      expect(byName(receiver.spans, 'linters-1').attributes['cicd.pipeline.task.run.result']).toBe('success');
      // The same deliveries again (new delivery ids): nothing new is sent.
      const before = receiver.requests;
      expect((await deliverGithub(app, SECRET, 'workflow_run', run)).statusCode).toBe(202);
      expect(await drain(hub)).toMatchObject({ sent: 0 });
      expect(receiver.requests).toBe(before);
    });

    it('exports a GitLab pipeline from its webhook as one trace, in OTLP JSON', async () => {
      const p = gitlabFixture('pipeline');
      expect((await deliverGitlab(app, GL_TOKEN, 'Pipeline Hook', p)).statusCode).toBe(202);
      const r = await drain(hub, 'http/json');
      expect(r.sent).toBe(1);
      const runId = runIdFor('gitlab', p.project.path_with_namespace, p.object_attributes.id, 1);
      const traceId = traceIdOf(runId);
      expect(receiver.spans.every((s) => s.encoding === 'json' && s.traceId === traceId)).toBe(true);
      const root = receiver.spans.find((s) => !s.parentSpanId)!;
      expect(root.attributes).toMatchObject({
        'cicd.pipeline.run.id': String(p.object_attributes.id),
        'cicd.pipeline.result': 'success',
        'vcs.provider.name': 'gitlab',
        'vcs.repository.name': p.project.path_with_namespace,
        'vcs.ref.head.revision': p.object_attributes.sha,
      });
      const jobs = receiver.spans.filter((s) => s.parentSpanId === root.spanId).map((s) => [s.name, s.attributes['cicd.pipeline.task.run.result'] ?? null]);
      expect(jobs.sort()).toEqual(
        (p.builds as Array<{ name: string; status: string }>)
          .map((b) => [b.name, { success: 'success', failed: 'failure', skipped: 'skip' }[b.status] ?? null])
          .sort(),
      );
    });

    it('keeps spans queued through an outage (503s, then connection refused) and loses none when the collector is back', async () => {
      const loopHub = {
        ...hub,
        config: { ...hub.config, pillars: { ...hub.config.pillars, traces: { ...tracesConfig(hub.config), endpoint: receiver.url } } },
      };
      const loop = startExportLoop(loopHub, tdb(hub))!;
      try {
        receiver.failing = true;
        const ids: string[] = [];
        for (let i = 0; i < 20; i++) {
          const id = `00000000-0000-4000-8000-0000000001${String(i).padStart(2, '0')}`;
          ids.push(id);
          expect((await upload(`${JSON.stringify({ ...record, run_id: id, repo: 'outage/app' })}\n`)).statusCode).toBe(200);
          if (i === 9) {
            await hub.bus.drain();
            await until(() => receiver.refused > 0);
            await receiver.stop(); // connection refused from here on
          }
        }
        await hub.bus.drain();
        for (const _ of ids) loop.kick();
        expect(await queueLength(tdb(hub))).toBe(20);
        expect(receiver.spans).toEqual([]);
        receiver.failing = false;
        await receiver.start();
        await until(async () => (await queueLength(tdb(hub))) === 0);
        const perRun = ids.map((id) => receiver.spans.filter((s) => s.traceId === traceIdOf(id)).length);
        // Seven spans per run (pipeline, 2 jobs, 2 queues, tests, deploy), each sent once.
        expect(perRun).toEqual(ids.map(() => 7));
        expect(new Set(receiver.spans.map((s) => `${s.traceId}/${s.spanId}`)).size).toBe(receiver.spans.length);
      } finally {
        await loop.stop();
      }
    });
  },
  { pillars: [sourcesPillar, tracesPillar], config: setEndpoint },
);

/** Waits (no time assertion: only a generous cap so a broken loop fails instead of hanging). */
async function until(cond: () => boolean | Promise<boolean>, capMs = 60_000): Promise<void> {
  const end = Date.now() + capMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 25));
  }
}
