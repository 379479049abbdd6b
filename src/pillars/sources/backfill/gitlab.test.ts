import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runIdFor } from '../../../core/identity.js';
import { describeEachStore, type TestHub } from '../../../../test/support/stores.js';
import { sourcesPillar } from '../index.js';
import { cli, deliverGitlab, gitlabFixture } from '../../../../test/support/webhooks.js';
import { nextPage } from './api.js';
import { backfillGitlab, gitlabApiRoot, pipelineMapping } from './gitlab.js';
import { createApp } from '../../../../test/support/assembled.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'gitlab-api');
const fixture = (name: string) => JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8'));
const listed: any[] = fixture('list-project-pipelines');
const single: any = fixture('get-single-pipeline');
const jobs: any[] = fixture('list-pipeline-jobs');

// Nested groups kept whole: the path is one URL-encoded segment of the API URL.
const PROJECT = 'test-group/sub-group/test-project';
const HOOKED = 'test-group/sub-group/hooked';
const HOOK_TOKEN = 'gitlab-hook-token-for-backfill-tests';
const enc = encodeURIComponent;

/**
 * A local GitLab REST API v4 serving GitLab's documented responses (fixtures/gitlab-api/README.md)
 * and recording what it was asked. Pipelines: the documented list (47, 48) on page 1, announced by
 * Link and X-Next-Page, then the documented single pipeline (287) on page 2; the jobs of 287 come
 * as two pages announced by X-Next-Page only (no Link), as GitLab does for large result sets.
 */
async function fakeGitlab() {
  const seen: Array<{ url: string; token: string | undefined; at: number }> = [];
  let throttle = 0;
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url!, token: req.headers['private-token'] as string | undefined, at: performance.now() });
    const u = new URL(req.url!, 'http://x');
    const page = u.searchParams.get('page') ?? '1';
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (throttle > 0) {
      throttle--;
      // Longer than the client's own 1 s fallback, so a client ignoring Retry-After is seen.
      return json(429, { message: 'Retry later' }, { 'retry-after': '2' });
    }
    if (req.headers['private-token'] !== 'good-token') return json(401, { message: '401 Unauthorized' });
    const m = /^\/api\/v4\/projects\/([^/]+)\/pipelines(?:\/(\d+)(\/jobs)?)?$/.exec(u.pathname);
    const project = m && decodeURIComponent(m[1]!);
    if (project === 'test-group/forbidden') return json(403, { message: '403 Forbidden' });
    if (!m || (project !== PROJECT && project !== HOOKED)) return json(404, { message: '404 Project Not Found' });
    const [, , id, isJobs] = m;
    if (!id) {
      if (page === '1') {
        const next = `http://127.0.0.1:${(server.address() as AddressInfo).port}${u.pathname}?${new URLSearchParams({ ...Object.fromEntries(u.searchParams), page: '2' })}`;
        return json(200, listed, { link: `<${next}>; rel="next"`, 'x-next-page': '2', 'x-page': '1' });
      }
      return json(200, [single], { 'x-next-page': '', 'x-page': '2' });
    }
    if (isJobs) {
      if (id !== String(single.id)) return json(200, [], { 'x-next-page': '' });
      return json(200, [jobs[Number(page) - 1]], { 'x-next-page': page === '1' ? '2' : '', 'x-page': page });
    }
    if (id === String(single.id)) return json(200, single);
    // GitLab publishes no detail response for 47 and 48: their list entries stand in (pending
    // pipelines, so the detail's timings would be null anyway).
    const entry = listed.find((p) => String(p.id) === id);
    return entry ? json(200, entry) : json(404, { message: '404 Not found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    throttleNext: (n: number) => (throttle = n),
    close: () => server.close(),
  };
}

describeEachStore(
  'backfill gitlab',
  (get) => {
    let hub: TestHub;
    let api: Awaited<ReturnType<typeof fakeGitlab>>;
    let app: FastifyInstance;
    beforeAll(async () => {
      hub = get();
      api = await fakeGitlab();
      app = await createApp(hub, [sourcesPillar]);
    });
    afterAll(async () => {
      api?.close();
      await app?.close();
    });

    const opts = (over: Partial<Parameters<typeof backfillGitlab>[1]> = {}) => ({ project: PROJECT, token: 'good-token', url: api.url, ...over });
    const runsOf = (repo: string) => hub.db.selectFrom('runs').selectAll().where('repo', '=', repo).orderBy('provider_run_id').execute();
    const jobsOf = (runId: string) => hub.db.selectFrom('jobs').selectAll().where('run_id', '=', runId).orderBy('job_key').execute();

    it('follows pagination, sends the token, asks for pipelines updated after --since, and maps them like the webhooks', async () => {
      api.seen.length = 0;
      const res = await backfillGitlab(hub, opts({ since: '2016-01-01' }));
      // 2 list pages + 3 pipeline details + jobs (one empty page for 47 and 48, two pages for 287).
      expect(res).toEqual({ repo: PROJECT, runs: 3, jobs: 2, runs_inserted: 3, runs_updated: 0, jobs_inserted: 2, jobs_updated: 0, requests: 9 });
      expect(api.seen[0]!.url).toBe(
        `/api/v4/projects/${enc(PROJECT)}/pipelines?per_page=100&order_by=updated_at&sort=asc&updated_after=2016-01-01T00%3A00%3A00.000Z`,
      );
      expect(api.seen.map((s) => s.url)).toContain(`/api/v4/projects/${enc(PROJECT)}/pipelines/287/jobs?per_page=100&include_retried=true&page=2`);
      expect(api.seen.every((s) => s.token === 'good-token')).toBe(true);

      const runs = await runsOf(PROJECT);
      expect(runs.map((r) => [r.provider_run_id, r.status])).toEqual([
        ['287', 'success'],
        ['47', 'queued'],
        ['48', 'queued'],
      ]);
      const run = runs[0]!;
      expect(run.run_id).toBe(runIdFor('gitlab', PROJECT, single.id, 1));
      expect(run).toMatchObject({
        source: 'gitlab',
        workflow: single.name,
        commit_sha: single.sha,
        branch: single.ref,
        started_at: new Date(single.created_at),
        ended_at: new Date(single.finished_at),
        duration_ms: Date.parse(single.finished_at) - Date.parse(single.created_at),
        queue_ms: single.queued_duration * 1000,
        runner_type: 'gitlab-shared', // job 6 ran on an instance_type runner
      });
      expect(runs[1]!.ended_at).toBeNull();
      const stored = await jobsOf(run.run_id);
      expect(stored.map((j) => [j.job_key, j.name, j.status, j.attempt, Number(j.duration_ms), Number(j.queue_ms), j.machine_class])).toEqual(
        [...jobs]
          .sort((a, b) => a.id - b.id)
          .map((j) => [`gl:${j.id}`, j.name, 'failed', 1, Math.round(j.duration * 1000), Math.round(j.queued_duration * 1000), j.tag_list.join(',')]),
      );
    });

    it('is idempotent: a second backfill adds and changes nothing', async () => {
      const before = await runsOf(PROJECT);
      const res = await backfillGitlab(hub, opts());
      expect(res).toMatchObject({ runs: 3, jobs: 2, runs_inserted: 0, runs_updated: 0, jobs_inserted: 0, jobs_updated: 0 });
      expect(await runsOf(PROJECT)).toEqual(before);
    });

    it('a pipeline a webhook delivered and the backfill fetched is one run: the backfill fills what the deliveries missed', async () => {
      // GitLab's documented Pipeline Hook, as the hook would have sent it for pipeline 287 of this
      // project while it ran; the hub then missed the delivery that said it finished.
      const hook = gitlabFixture('pipeline');
      hook.project.path_with_namespace = HOOKED;
      Object.assign(hook.object_attributes, { id: single.id, status: 'running', finished_at: null, duration: null });
      expect((await deliverGitlab(app, HOOK_TOKEN, 'Pipeline Hook', hook)).statusCode).toBe(202);
      await hub.bus.drain();
      const runId = runIdFor('gitlab', HOOKED, single.id, 1);
      const delivered = await hub.db.selectFrom('runs').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
      expect([delivered.status, delivered.ended_at]).toEqual(['in_progress', null]);

      const res = await backfillGitlab(hub, opts({ project: HOOKED }));
      expect(res).toMatchObject({ runs: 3, runs_inserted: 2, runs_updated: 1, jobs_inserted: 2, jobs_updated: 0 });
      const rows = (await runsOf(HOOKED)).filter((r) => r.provider_run_id === String(single.id));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        run_id: runId,
        status: 'success',
        ended_at: new Date(single.finished_at),
        queue_ms: single.queued_duration * 1000,
        pr: hook.merge_request.iid, // only the hook knew it: kept
      });
      expect((await jobsOf(runId)).map((j) => j.job_key)).toEqual([...hook.builds.map((b: any) => `gl:${b.id}`), ...jobs.map((j) => `gl:${j.id}`)].sort());
    });

    it('waits as a 429 says (Retry-After) and carries on', async () => {
      api.seen.length = 0;
      api.throttleNext(1);
      const res = await backfillGitlab(hub, opts({ limit: 1 }));
      expect(res).toMatchObject({ runs: 1, runs_inserted: 0 });
      expect(api.seen[0]!.url).toBe(api.seen[1]!.url); // the throttled request, asked again...
      expect(api.seen[1]!.at - api.seen[0]!.at).toBeGreaterThanOrEqual(1900); // ...no sooner than told
    });

    it('says what to do when GitLab refuses: 401, 403, 404 name the project', async () => {
      const e401 = await backfillGitlab(hub, opts({ token: 'wrong' })).catch((e) => e);
      expect([e401.code, e401.message]).toEqual(['E_PROVIDER_API', `GitLab answered 401 for ${PROJECT}: 401 Unauthorized`]);
      expect(e401.hint).toMatch(/GITLAB_TOKEN.*read_api/);
      const e403 = await backfillGitlab(hub, opts({ project: 'test-group/forbidden' })).catch((e) => e);
      expect([e403.code, e403.message]).toEqual(['E_PROVIDER_API', 'GitLab answered 403 for test-group/forbidden: 403 Forbidden']);
      expect(e403.hint).toMatch(/Reporter/);
      const e404 = await backfillGitlab(hub, opts({ project: 'test-group/missing' })).catch((e) => e);
      expect([e404.code, e404.message, e404.where]).toEqual([
        'E_PROVIDER_API',
        'GitLab answered 404 for test-group/missing: 404 Project Not Found',
        `${api.url}/api/v4/projects/${enc('test-group/missing')}/pipelines`,
      ]);
      expect(e404.hint).toMatch(/--project.*--url/);
      const bad = await backfillGitlab(hub, opts({ project: '1234' })).catch((e) => e);
      expect([bad.code, bad.where]).toEqual(['E_USAGE', '--project']);
    });

    it('the CLI needs a token and reports counts (one JSON object with --json)', async () => {
      const noToken = await cli(['backfill', 'gitlab', '--project', PROJECT], [sourcesPillar]);
      expect([noToken.code, noToken.err]).toEqual([2, expect.stringMatching(/E_USAGE: GITLAB_TOKEN: no GitLab token/)]);
      const help = await cli(['backfill', 'gitlab', '--help'], [sourcesPillar]);
      expect(help.out).toMatch(/ci-intel backfill gitlab --project my-group\/platform\/api --since 2026-01-01/);
      if (hub.store.kind === 'pglite') return; // the CLI opens the store itself: one process per PGlite folder
      const args = ['backfill', 'gitlab', '--project', PROJECT, '--url', `${api.url}/api/v4/`, '--db', hub.config.db, '--data-dir', hub.dataDir];
      const env = { env: { GITLAB_TOKEN: 'good-token' } };
      const j = await cli([...args, '--json'], [sourcesPillar], env);
      expect(j.code).toBe(0);
      expect(JSON.parse(j.out)).toEqual({ repo: PROJECT, runs: 3, jobs: 2, runs_inserted: 0, runs_updated: 0, jobs_inserted: 0, jobs_updated: 0, requests: 9 });
      const text = await cli(args, [sourcesPillar], env);
      expect(text.out).toBe(`backfill gitlab: 3 pipelines (0 new, 0 updated), 2 jobs (0 new, 0 updated) for ${PROJECT} (9 API requests)\n`);
    });
  },
  { pillars: [sourcesPillar], config: (c) => (c.webhooks.gitlabToken = HOOK_TOKEN) },
);

it('reads the next page from Link, else from X-Next-Page; takes --url with or without /api/v4', () => {
  const h = (o: Record<string, string>) => new Headers(o);
  expect(nextPage('https://g.example/api/v4/x?per_page=100', h({ link: '<https://g.example/api/v4/x?page=2>; rel="next"' }))).toBe(
    'https://g.example/api/v4/x?page=2',
  );
  expect(nextPage('https://g.example/api/v4/x?per_page=100', h({ 'x-next-page': '3' }))).toBe('https://g.example/api/v4/x?per_page=100&page=3');
  expect(nextPage('https://g.example/api/v4/x?per_page=100&page=3', h({ 'x-next-page': '' }))).toBeNull();
  expect(gitlabApiRoot('https://gitlab.example.com')).toBe('https://gitlab.example.com/api/v4');
  expect(gitlabApiRoot('https://example.com/gitlab/api/v4/')).toBe('https://example.com/gitlab/api/v4');
});

it('numbers the attempts of a retried job: same name, new id, rank by id (a Job Hook says retries_count + 1)', () => {
  // GitLab keeps a retried job as a job with a new id and the same name; here the retry of the
  // documented "rspec:other" (6) is that job under id 9.
  const retry = { ...jobs[0], id: 9, status: 'success' };
  const m = pipelineMapping(PROJECT, single, [retry, ...jobs]);
  expect(m.runs.map((r) => r.run_id)).toEqual([runIdFor('gitlab', PROJECT, single.id, 1)]);
  expect(m.jobs.map((j) => [j.job_key, j.name, j.attempt, j.status]).sort()).toEqual([
    ['gl:6', 'rspec:other', 1, 'failed'],
    ['gl:7', 'teaspoon', 1, 'failed'],
    ['gl:9', 'rspec:other', 2, 'success'],
  ]);
});
