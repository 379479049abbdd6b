import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { runIdFor } from '../../../../core/identity.js';
import { describeEachStore, type TestHub } from '../../../../../test/support/stores.js';
import { sourcesPillar } from '../../index.js';
import type { Db } from '../../deliveries.js';
import { deliverGithub, deliveryId, githubExamples } from '../../../../../test/support/webhooks.js';
import { githubConclusion } from './status.js';
import { mapGithub } from './map.js';
import { unmappedSweep } from '../../subscriptions.js';
import { gzipSync } from 'node:zlib';
import { createApp } from '../../../../../test/support/assembled.js';

const SECRET = "It's a Secret to Everybody";
const EVENTS = ['workflow_run', 'workflow_job', 'check_run', 'deployment', 'deployment_status', 'pull_request', 'push'];

describeEachStore(
  'GitHub webhooks',
  (get) => {
    let app: FastifyInstance;
    let hub: TestHub;
    let db: Db;
    beforeAll(async () => {
      hub = get();
      db = hub.db as unknown as Db;
      app = await createApp(hub, [sourcesPillar]);
    });
    afterAll(async () => app?.close());

    const deliveries = async () =>
      Number(
        (
          await db
            .selectFrom('sources_deliveries')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    it('stores and maps every real example payload of the seven events exactly once', async () => {
      let sent = 0;
      for (const event of EVENTS) {
        for (const payload of githubExamples(event)) {
          const res = await deliverGithub(app, SECRET, event, payload);
          expect(res.statusCode, `${event} ${res.body}`).toBe(202);
          expect(res.json()).toMatchObject({ event, status: 'accepted' });
          sent++;
        }
      }
      await hub.bus.drain();
      const rows = await db.selectFrom('sources_deliveries').select(['event', 'state', 'note', 'map_count']).execute();
      expect(rows).toHaveLength(sent);
      const failed = rows.filter((r) => r.state !== 'mapped' && r.state !== 'ignored');
      expect(failed).toEqual([]);
      expect(rows.every((r) => r.map_count === 1)).toBe(true);
      // Only GitHub Actions' own check runs and tag pushes without commits are ignored, each with a reason.
      for (const r of rows.filter((x) => x.state === 'ignored')) expect(r.note).toMatch(/covered by workflow_job|without commits|inactive/);
    });

    it('makes a workflow run a run: identity, status, commit, branch, times; a late event never moves it back', async () => {
      const [, completed, , requested, olderVerdict] = githubExamples('workflow_run');
      const r = completed!.workflow_run;
      const id = runIdFor('github', completed!.repository.full_name, r.id, r.run_attempt);
      // The other two examples are the same run, reported earlier (one queued, one finished with
      // action_required); delivered after `completed`, neither may change its verdict.
      expect([requested!.workflow_run.id, olderVerdict!.workflow_run.id]).toEqual([r.id, r.id]);
      expect(Date.parse(olderVerdict!.workflow_run.updated_at)).toBeLessThan(Date.parse(r.updated_at));
      await deliverGithub(app, SECRET, 'workflow_run', completed);
      await deliverGithub(app, SECRET, 'workflow_run', requested);
      await deliverGithub(app, SECRET, 'workflow_run', olderVerdict);
      await hub.bus.drain();
      const run = await db.selectFrom('runs').selectAll().where('run_id', '=', id).executeTakeFirstOrThrow();
      expect(run).toMatchObject({
        repo: completed!.repository.full_name.toLowerCase(),
        status: githubConclusion(r.conclusion),
        commit_sha: r.head_sha,
        branch: r.head_branch,
        source: 'github',
        provider: 'github',
        provider_run_id: String(r.id),
        attempt: r.run_attempt,
      });
      expect(run.status).toBe('success');
      expect(new Date(run.started_at).toISOString()).toBe(new Date(r.run_started_at).toISOString());
      expect(run.ended_at && new Date(run.ended_at).toISOString()).toBe(new Date(r.updated_at).toISOString());
      expect(run.workflow).toBe(completed!.workflow.name);
    });

    it("records jobs with queue and run times, and derives the run's queue time from its first job", async () => {
      const failed = githubExamples('workflow_job').find((e) => e.action === 'completed' && e.workflow_job.conclusion === 'failure')!;
      const j = failed.workflow_job;
      const repo = 'queue-test/app';
      const res = await deliverGithub(app, SECRET, 'workflow_job', { ...failed, repository: { ...failed.repository, full_name: repo } });
      expect(res.statusCode).toBe(202);
      await hub.bus.drain();
      const runId = runIdFor('github', repo, j.run_id, j.run_attempt);
      const job = await db.selectFrom('jobs').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
      expect(job).toMatchObject({
        job_key: `gh:${j.id}`,
        name: j.name,
        status: 'failed',
        queue_ms: Date.parse(j.started_at) - Date.parse(j.created_at),
        duration_ms: Date.parse(j.completed_at) - Date.parse(j.started_at),
        machine_class: j.labels.join(','),
      });
      const run = await db.selectFrom('runs').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
      // A finished job does not finish its run: only workflow_run says how the run ended.
      expect(run.status).toBe('in_progress');
      expect(run.workflow).toBe(j.workflow_name);
      expect(run.queue_ms).toBe(Date.parse(j.started_at) - Date.parse(j.created_at));
      expect(run.runner_type).toBe('github-hosted');
    });

    it('turns deployments and their statuses into deployments rows (inactive is not an outcome)', async () => {
      const status = githubExamples('deployment_status')[0]!;
      const repo = 'deploy-test/app';
      const created = githubExamples('deployment')[0]!;
      await deliverGithub(app, SECRET, 'deployment', { ...created, repository: { ...created.repository, full_name: repo } });
      await deliverGithub(app, SECRET, 'deployment_status', { ...status, repository: { ...status.repository, full_name: repo } });
      await hub.bus.drain();
      const rows = await db.selectFrom('deployments').selectAll().where('repo', '=', repo).orderBy('event_key').execute();
      expect(rows.map((r) => [r.event_key, r.status, r.environment, r.deployment_id, r.commit_sha])).toEqual([
        [
          `github:${repo}:deployment:${created.deployment.id}`,
          'pending',
          created.deployment.environment,
          String(created.deployment.id),
          created.deployment.sha,
        ],
        [
          `github:${repo}:deployment_status:${status.deployment_status.id}`,
          'success',
          status.deployment_status.environment,
          String(status.deployment.id),
          status.deployment.sha,
        ],
      ]);
      expect(new Date(rows[1]!.finished_at!).toISOString()).toBe(new Date(status.deployment_status.created_at).toISOString());
      const inactive = mapGithub('deployment_status', { ...status, deployment_status: { ...status.deployment_status, state: 'inactive' } });
      expect(inactive.deployments).toEqual([]);
      expect(inactive.ignored).toMatch(/inactive/);
    });

    it('records pushed commits without overwriting known parents', async () => {
      const push = githubExamples('push').find((p) => p.commits.length > 0)!;
      const repo = 'push-test/app';
      const sha = push.commits[0].id as string;
      await hub.db
        .insertInto('commits')
        .values({ repo, sha, parents: ['a'.repeat(40)], authored_at: null, committed_at: null, source: 'git' })
        .execute();
      const other = { ...push, repository: { ...push.repository, full_name: 'push-test/other' } };
      await deliverGithub(app, SECRET, 'push', { ...push, repository: { ...push.repository, full_name: repo } });
      await deliverGithub(app, SECRET, 'push', other);
      await hub.bus.drain();
      const known = await hub.db.selectFrom('commits').selectAll().where('repo', '=', repo).execute();
      expect(known.map((c) => [c.sha, c.parents, c.source])).toEqual([[sha, ['a'.repeat(40)], 'git']]);
      const fresh = await hub.db.selectFrom('commits').selectAll().where('repo', '=', 'push-test/other').execute();
      expect(fresh.map((c) => [c.sha, c.parents, c.source])).toEqual([[sha, [], 'github-push']]);
      expect(new Date(fresh[0]!.authored_at!).toISOString()).toBe(new Date(push.commits[0].timestamp).toISOString());
    });

    it("keeps the latest state of a pull request and maps other CI systems' check runs to runs", async () => {
      const [opened] = githubExamples('pull_request');
      const closed = githubExamples('pull_request').find((p) => p.action === 'closed')!;
      const repo = 'pr-test/app';
      const at = (p: Record<string, any>) => ({ ...p, repository: { ...p.repository, full_name: repo } });
      await deliverGithub(app, SECRET, 'pull_request', at(closed));
      await deliverGithub(app, SECRET, 'pull_request', at(opened!)); // older: must not reopen it
      await hub.bus.drain();
      const pr = await db.selectFrom('sources_pull_requests').selectAll().where('repo', '=', repo).executeTakeFirstOrThrow();
      expect([pr.number, pr.state, pr.head_sha]).toEqual([closed.number, 'closed', closed.pull_request.head.sha]);

      const neutral = githubExamples('check_run').find((c) => c.check_run.conclusion === 'neutral')!;
      const c = neutral.check_run;
      const run = await db
        .selectFrom('runs')
        .selectAll()
        .where('run_id', '=', runIdFor('github', neutral.repository.full_name, `check-suite-${c.check_suite.id}`, 1))
        .executeTakeFirstOrThrow();
      expect(run.status).toBe('success'); // neutral counts as passing
      const job = await db.selectFrom('jobs').selectAll().where('run_id', '=', run.run_id).where('job_key', '=', `ghc:${c.id}`).executeTakeFirstOrThrow();
      expect(job.name).toBe(c.name);
    });

    it('refuses a missing or wrong signature with 401 and stores nothing', async () => {
      const before = await deliveries();
      const p = githubExamples('workflow_run')[1]!;
      const missing = await deliverGithub(app, SECRET, 'workflow_run', p, { signature: null });
      expect(missing.statusCode).toBe(401);
      expect(missing.json().error).toMatchObject({ code: 'E_WEBHOOK_SIGNATURE', where: 'X-Hub-Signature-256 header' });
      const wrong = await deliverGithub(app, 'another secret', 'workflow_run', p);
      expect(wrong.statusCode).toBe(401);
      const tampered = await deliverGithub(app, SECRET, 'workflow_run', p, {
        signature: await (await import('@octokit/webhooks-methods')).sign(SECRET, JSON.stringify(p)),
        raw: JSON.stringify(p).replace('"success"', '"failure"'),
      });
      expect(tampered.statusCode).toBe(401);
      const notUtf8 = await deliverGithub(app, SECRET, 'workflow_run', p, {
        raw: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
        signature: 'sha256=' + '0'.repeat(64),
      });
      expect(notUtf8.statusCode).toBe(401);
      expect(await deliveries()).toBe(before);
    });

    it('dedupes a replayed delivery: answered 200, stored and mapped once', async () => {
      const p = githubExamples('workflow_job')[0]!;
      const id = deliveryId();
      const first = await deliverGithub(app, SECRET, 'workflow_job', p, { delivery: id });
      const again = await deliverGithub(app, SECRET, 'workflow_job', p, { delivery: id });
      expect(first.statusCode).toBe(202);
      expect(again.statusCode).toBe(200);
      expect(again.json().status).toBe('duplicate');
      await hub.bus.drain();
      const rows = await db.selectFrom('sources_deliveries').select(['map_count']).where('delivery_id', '=', id).execute();
      expect(rows).toEqual([{ map_count: 1 }]);
    });

    it('answers 413 to a 30 MB payload and stores nothing', async () => {
      const before = await deliveries();
      const big = JSON.stringify({ action: 'completed', padding: 'x'.repeat(30 * 1024 * 1024) });
      const res = await deliverGithub(app, SECRET, 'workflow_run', null, { raw: big });
      expect(res.statusCode).toBe(413);
      expect(res.json().error.code).toBe('E_BODY_TOO_LARGE');
      expect(await deliveries()).toBe(before);
    });

    it('records an unknown event and answers 202', async () => {
      const id = deliveryId();
      const res = await deliverGithub(app, SECRET, 'sponsorship', { action: 'created', repository: { full_name: 'x/y' } }, { delivery: id });
      expect(res.statusCode).toBe(202);
      await hub.bus.drain();
      const row = await db.selectFrom('sources_deliveries').selectAll().where('delivery_id', '=', id).executeTakeFirstOrThrow();
      expect([row.event, row.state, row.note]).toEqual(['sponsorship', 'ignored', 'event sponsorship is not mapped (recorded only)']);
    });

    it('answers 400 to malformed JSON with a valid signature, naming the place, and keeps it as malformed', async () => {
      const id = deliveryId();
      const res = await deliverGithub(app, SECRET, 'workflow_run', null, { raw: '{"action": "completed",\n "workflow_run": {"id": 1,}}', delivery: id });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('E_JSON_MALFORMED');
      expect(res.json().error.message).toMatch(/line 2 column \d+/);
      await hub.bus.drain();
      const row = await db.selectFrom('sources_deliveries').selectAll().where('delivery_id', '=', id).executeTakeFirstOrThrow();
      expect(row.state).toBe('malformed');
      expect(row.map_count).toBe(0);
    });

    it('accepts the form-encoded content type GitHub can be set to', async () => {
      const p = githubExamples('deployment')[0]!;
      const form = 'payload=' + encodeURIComponent(JSON.stringify({ ...p, repository: { ...p.repository, full_name: 'form-test/app' } }));
      const { sign } = await import('@octokit/webhooks-methods');
      const res = await app.inject({
        method: 'POST',
        url: '/webhooks/github',
        payload: form,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-github-event': 'deployment',
          'x-github-delivery': deliveryId(),
          'x-hub-signature-256': await sign(SECRET, form),
        },
      });
      expect(res.statusCode).toBe(202);
      await hub.bus.drain();
      expect(await hub.db.selectFrom('deployments').select('event_key').where('repo', '=', 'form-test/app').execute()).toHaveLength(1);
    });

    it('maps a delivery the bus never delivered (the sweep under serve)', async () => {
      const p = githubExamples('deployment')[0]!;
      const id = deliveryId();
      const body = gzipSync(JSON.stringify({ ...p, repository: { ...p.repository, full_name: 'sweep-test/app' } }));
      await db
        .insertInto('sources_deliveries')
        .values({
          provider: 'github',
          delivery_id: id,
          event: 'deployment',
          action: 'created',
          repo: 'sweep-test/app',
          body,
          bytes: body.length,
          state: 'received',
          note: null,
          mapped_at: null,
          mapped_by: null,
          received_at: new Date(Date.now() - 600_000),
        })
        .execute();
      const stop = unmappedSweep(hub, 50);
      try {
        for (let i = 0; i < 400; i++) {
          const r = await db.selectFrom('sources_deliveries').select(['state', 'map_count']).where('delivery_id', '=', id).executeTakeFirstOrThrow();
          if (r.state === 'mapped') break;
          await new Promise((res) => setTimeout(res, 25));
        }
      } finally {
        await stop();
      }
      const r = await db.selectFrom('sources_deliveries').select(['state', 'map_count']).where('delivery_id', '=', id).executeTakeFirstOrThrow();
      expect(r).toEqual({ state: 'mapped', map_count: 1 });
      expect(await hub.db.selectFrom('deployments').select('event_key').where('repo', '=', 'sweep-test/app').execute()).toHaveLength(1);
    });

    it('redacts secrets in a payload before storing it', async () => {
      const p = githubExamples('push').find((x) => x.commits.length > 0)!;
      const leaked = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
      const id = deliveryId();
      const withSecret = { ...p, head_commit: { ...p.head_commit, message: `oops ${leaked}` } };
      expect((await deliverGithub(app, SECRET, 'push', withSecret, { delivery: id })).statusCode).toBe(202);
      const row = await db.selectFrom('sources_deliveries').select('body').where('delivery_id', '=', id).executeTakeFirstOrThrow();
      const { gunzipSync } = await import('node:zlib');
      const stored = gunzipSync(Buffer.from(row.body)).toString('utf8');
      expect(stored).not.toContain(leaked);
      expect(stored).toContain('[REDACTED:');
    });
  },
  { pillars: [sourcesPillar], config: (c) => (c.webhooks.githubSecret = SECRET) },
);

describeEachStore(
  'GitHub webhooks without a secret',
  (get) => {
    it('answers 503 and stores nothing', async () => {
      const app = await createApp(get(), [sourcesPillar]);
      const res = await deliverGithub(app, SECRET, 'workflow_run', githubExamples('workflow_run')[1]);
      expect(res.statusCode).toBe(503);
      expect(res.json().error).toMatchObject({ code: 'E_WEBHOOK_NOT_CONFIGURED', where: 'GITHUB_WEBHOOK_SECRET' });
      const n = await (get().db as unknown as Db).selectFrom('sources_deliveries').select('delivery_id').execute();
      expect(n).toHaveLength(0);
      await app.close();
    });
  },
  { pillars: [sourcesPillar] },
);
