import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { runIdFor } from '../../../../core/identity.js';
import { describeEachStore, type TestHub } from '../../../../../test/support/stores.js';
import { sourcesPillar } from '../../index.js';
import type { Db } from '../../deliveries.js';
import { deliverGitlab, deliveryId, gitlabFixture } from '../../../../../test/support/webhooks.js';
import { createApp } from '../../../../../test/support/assembled.js';

const TOKEN = 'gitlab-hook-token-for-tests';
const utc = (s: string) => new Date(s.replace(' UTC', 'Z').replace(' ', 'T')).getTime();

describeEachStore(
  'GitLab webhooks',
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

    it('maps a pipeline event (GitLab docs payload) to a run with its jobs', async () => {
      const p = gitlabFixture('pipeline');
      const res = await deliverGitlab(app, TOKEN, 'Pipeline Hook', p);
      expect(res.statusCode).toBe(202);
      await hub.bus.drain();
      const a = p.object_attributes;
      const runId = runIdFor('gitlab', p.project.path_with_namespace, a.id, 1);
      const run = await db.selectFrom('runs').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
      expect(run).toMatchObject({
        repo: 'gitlab-org/gitlab-test',
        workflow: a.name,
        commit_sha: a.sha,
        branch: a.ref,
        status: 'success',
        pr: p.merge_request.iid,
        source: 'gitlab',
        provider_run_id: String(a.id),
        duration_ms: utc(a.finished_at) - utc(a.created_at),
        runner_type: 'gitlab-shared',
      });
      // No queued_duration in this payload: the wait until the first job started.
      const firstStart = Math.min(...p.builds.filter((b: any) => b.started_at).map((b: any) => utc(b.started_at)));
      expect(run.queue_ms).toBe(firstStart - utc(a.created_at));
      const jobs = await db.selectFrom('jobs').selectAll().where('run_id', '=', runId).orderBy('job_key').execute();
      expect(jobs.map((j) => [j.job_key, j.name, j.status, j.queue_ms, j.duration_ms])).toEqual(
        [...p.builds]
          .sort((x: any, y: any) => (`gl:${x.id}` < `gl:${y.id}` ? -1 : 1))
          .map((b: any) => [
            `gl:${b.id}`,
            b.name,
            { success: 'success', failed: 'failed', skipped: 'skipped', created: 'queued' }[b.status as string],
            b.queued_duration === null ? null : b.queued_duration * 1000,
            b.duration === null ? null : b.duration * 1000,
          ]),
      );
    });

    it('maps a job event to a job and a stub run; a deployment event to a deployment with its full SHA', async () => {
      const j = gitlabFixture('job');
      expect((await deliverGitlab(app, TOKEN, 'Job Hook', j)).statusCode).toBe(202);
      const d = gitlabFixture('deployment');
      expect((await deliverGitlab(app, TOKEN, 'Deployment Hook', d)).statusCode).toBe(202);
      await hub.bus.drain();
      const runId = runIdFor('gitlab', j.project.path_with_namespace, j.pipeline_id, 1);
      const job = await db.selectFrom('jobs').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
      expect([job.job_key, job.name, job.status, job.attempt, job.queue_ms]).toEqual([
        `gl:${j.build_id}`,
        j.build_name,
        'queued',
        j.retries_count + 1,
        Math.round(j.build_queued_duration * 1000),
      ]);
      const run = await db.selectFrom('runs').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
      expect([run.status, run.workflow, run.commit_sha]).toEqual(['queued', j.commit.name, j.sha]);
      const dep = await db.selectFrom('deployments').selectAll().where('repo', '=', d.project.path_with_namespace).executeTakeFirstOrThrow();
      expect([dep.environment, dep.deployment_id, dep.status, dep.commit_sha]).toEqual([
        d.environment,
        String(d.deployment_id),
        'success',
        d.commit_url.split('/').pop(),
      ]);
      expect(new Date(dep.finished_at!).toISOString()).toBe('2021-04-28T19:50:00.000Z'); // 21:50 +0200
    });

    it('keeps nested group paths whole, records merge requests and pushed commits', async () => {
      const push = gitlabFixture('push');
      push.project.path_with_namespace = 'Group/Sub/Project';
      expect((await deliverGitlab(app, TOKEN, 'Push Hook', push)).statusCode).toBe(202);
      const mr = gitlabFixture('merge_request');
      expect((await deliverGitlab(app, TOKEN, 'Merge Request Hook', mr)).statusCode).toBe(202);
      await hub.bus.drain();
      const commits = await db
        .selectFrom('commits')
        .select(['repo', 'sha', 'parents', 'source'])
        .where('repo', '=', 'group/sub/project')
        .orderBy('sha')
        .execute();
      expect(commits).toEqual(
        push.commits
          .map((c: any) => ({ repo: 'group/sub/project', sha: c.id, parents: [], source: 'gitlab-push' }))
          .sort((a: any, b: any) => (a.sha < b.sha ? -1 : 1)),
      );
      const pr = await db.selectFrom('sources_pull_requests').selectAll().where('provider', '=', 'gitlab').executeTakeFirstOrThrow();
      expect([pr.repo, pr.number, pr.state, pr.head_sha, pr.base_ref]).toEqual([
        'gitlabhq/gitlab-test',
        1,
        'open',
        mr.object_attributes.last_commit.id,
        'master',
      ]);
    });

    it('refuses a wrong or missing token with 401 and stores nothing; dedupes a retried delivery', async () => {
      const count = async () => (await db.selectFrom('sources_deliveries').select('delivery_id').execute()).length;
      const before = await count();
      expect((await deliverGitlab(app, 'wrong', 'Pipeline Hook', gitlabFixture('pipeline'))).statusCode).toBe(401);
      const missing = await deliverGitlab(app, null, 'Pipeline Hook', gitlabFixture('pipeline'));
      expect(missing.statusCode).toBe(401);
      expect(missing.json().error.where).toBe('X-Gitlab-Token header');
      expect(await count()).toBe(before);
      const uuid = deliveryId();
      expect((await deliverGitlab(app, TOKEN, 'Pipeline Hook', gitlabFixture('pipeline'), { uuid })).statusCode).toBe(202);
      const again = await deliverGitlab(app, TOKEN, 'Pipeline Hook', gitlabFixture('pipeline'), { uuid });
      expect([again.statusCode, again.json().status]).toEqual([200, 'duplicate']);
    });

    it('answers 2xx to malformed JSON and unknown events from an authenticated hook, recording them', async () => {
      const bad = deliveryId();
      const res = await deliverGitlab(app, TOKEN, 'Pipeline Hook', null, { raw: '{"object_kind": "pipeline",', uuid: bad });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toMatchObject({ status: 'malformed', reason: expect.stringMatching(/line 1 column 28/) });
      const wiki = deliveryId();
      expect(
        (await deliverGitlab(app, TOKEN, 'Wiki Page Hook', { object_kind: 'wiki_page', project: { path_with_namespace: 'a/b' } }, { uuid: wiki })).statusCode,
      ).toBe(202);
      await hub.bus.drain();
      const rows = await db
        .selectFrom('sources_deliveries')
        .select(['delivery_id', 'event', 'state'])
        .where('delivery_id', 'in', [bad, wiki])
        .orderBy('delivery_id')
        .execute();
      expect(rows).toEqual([
        { delivery_id: bad, event: 'pipeline', state: 'malformed' },
        { delivery_id: wiki, event: 'wiki_page', state: 'ignored' },
      ]);
    });

    it('answers 413 to a 30 MB payload', async () => {
      const res = await deliverGitlab(app, TOKEN, 'Push Hook', null, { raw: JSON.stringify({ x: 'y'.repeat(30 * 1024 * 1024) }) });
      expect(res.statusCode).toBe(413);
    });
  },
  { pillars: [sourcesPillar], config: (c) => (c.webhooks.gitlabToken = TOKEN) },
);

describeEachStore(
  'GitLab webhooks without a token',
  (get) => {
    it('answers 503', async () => {
      const app = await createApp(get(), [sourcesPillar]);
      const res = await deliverGitlab(app, TOKEN, 'Pipeline Hook', gitlabFixture('pipeline'));
      expect(res.statusCode).toBe(503);
      expect(res.json().error.where).toBe('GITLAB_WEBHOOK_TOKEN');
      await app.close();
    });
  },
  { pillars: [sourcesPillar] },
);
