import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runIdFor } from '../../../core/identity.js';
import { describeEachStore, type TestHub } from '../../../../test/support/stores.js';
import { sourcesPillar } from '../index.js';
import { cli, githubExamples } from '../../../../test/support/webhooks.js';
import { backfillGithub } from './github.js';
import { nextLink } from './api.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'github-api');
const runsPage = JSON.parse(readFileSync(path.join(dir, 'list-workflow-runs.json'), 'utf8'));
const jobsPage = JSON.parse(readFileSync(path.join(dir, 'list-jobs-for-run-attempt.json'), 'utf8'));
const page2Runs = githubExamples('workflow_run')
  .slice(0, 2)
  .map((e) => e.workflow_run);
const REPO = 'octocat/hello-world';

/** A local GitHub API serving the recorded responses; it records what it was asked. */
async function fakeGithub() {
  const seen: Array<{ url: string; auth: string | undefined }> = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url!, auth: req.headers.authorization });
    const u = new URL(req.url!, 'http://x');
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== 'Bearer good-token') return json(401, { message: 'Bad credentials' });
    if (u.pathname === `/repos/${REPO}/actions/runs`) {
      if (u.searchParams.get('page') === '2') return json(200, { total_count: 1 + page2Runs.length, workflow_runs: page2Runs });
      const next = `http://127.0.0.1:${(server.address() as AddressInfo).port}/repos/${REPO}/actions/runs?per_page=100&page=2`;
      return json(200, runsPage, { link: `<${next}>; rel="next", <${next}>; rel="last"` });
    }
    if (u.pathname === `/repos/${REPO}/actions/runs/${runsPage.workflow_runs[0].id}/attempts/1/jobs`) return json(200, jobsPage);
    if (/\/actions\/runs\/\d+\/attempts\/\d+\/jobs$/.test(u.pathname)) return json(200, { total_count: 0, jobs: [] });
    return json(404, { message: 'Not Found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => server.close() };
}

describeEachStore(
  'backfill github',
  (get) => {
    let hub: TestHub;
    let api: Awaited<ReturnType<typeof fakeGithub>>;
    beforeAll(async () => {
      hub = get();
      api = await fakeGithub();
    });
    afterAll(() => api?.close());

    const count = async (t: 'runs' | 'jobs') => (await hub.db.selectFrom(t).select('run_id').execute()).length;

    it('follows pagination, fetches the jobs of each run attempt, and maps them like webhooks', async () => {
      const res = await backfillGithub(hub, { repo: REPO, since: '2020-01-01', token: 'good-token', api: api.url });
      // Inserted: the listed runs, and the run the documented job names (another run than the listed one).
      expect(res).toEqual({
        repo: REPO,
        runs: 1 + page2Runs.length,
        jobs: 1,
        runs_inserted: 1 + page2Runs.length + 1,
        runs_updated: 0,
        jobs_inserted: 1,
        jobs_updated: 0,
        requests: 2 + 1 + page2Runs.length,
      });
      expect(api.seen[0]!.url).toBe(`/repos/${REPO}/actions/runs?per_page=100&created=%3E%3D2020-01-01`);
      expect(api.seen.every((s) => s.auth === 'Bearer good-token')).toBe(true);
      const documented = runsPage.workflow_runs[0];
      const run = await hub.db
        .selectFrom('runs')
        .selectAll()
        .where('run_id', '=', runIdFor('github', REPO, documented.id, documented.run_attempt))
        .executeTakeFirstOrThrow();
      expect([run.status, run.workflow, run.commit_sha, run.branch]).toEqual(['queued', documented.name, documented.head_sha, documented.head_branch]);
      const done = page2Runs.find((r) => r.status === 'completed')!;
      const finished = await hub.db
        .selectFrom('runs')
        .select(['status'])
        .where('run_id', '=', runIdFor('github', REPO, done.id, done.run_attempt))
        .executeTakeFirstOrThrow();
      expect(finished.status).toBe('success');
      const j = jobsPage.jobs[0];
      // The job belongs to the run its own run_id names (GitHub's example names another run).
      const job = await hub.db.selectFrom('jobs').selectAll().where('job_key', '=', `gh:${j.id}`).executeTakeFirstOrThrow();
      expect([job.run_id, job.name, job.status, job.duration_ms, job.machine_class]).toEqual([
        runIdFor('github', REPO, j.run_id, 1),
        j.name,
        'success',
        Date.parse(j.completed_at) - Date.parse(j.started_at),
        'self-hosted,foo,bar',
      ]);
    });

    it('is idempotent', async () => {
      const [runs, jobs] = [await count('runs'), await count('jobs')];
      const res = await backfillGithub(hub, { repo: REPO, token: 'good-token', api: api.url });
      expect(res).toMatchObject({ runs: 3, runs_inserted: 0, runs_updated: 0, jobs_inserted: 0, jobs_updated: 0 });
      expect([await count('runs'), await count('jobs')]).toEqual([runs, jobs]);
    });

    it('says what to do when the API refuses the token', async () => {
      const err = await backfillGithub(hub, { repo: REPO, token: 'wrong', api: api.url }).catch((e) => e);
      expect(err.code).toBe('E_PROVIDER_API');
      expect(err.message).toBe(`GitHub answered 401 for ${REPO}: Bad credentials`);
      expect(err.hint).toMatch(/GITHUB_TOKEN/);
    });

    it('the CLI needs a token, and reports counts (one JSON object with --json)', async () => {
      const noToken = await cli(['backfill', 'github', '--repo', REPO], [sourcesPillar]);
      expect([noToken.code, noToken.err]).toEqual([2, expect.stringMatching(/E_USAGE: GITHUB_TOKEN: no GitHub token/)]);
      if (hub.store.kind === 'pglite') return; // the CLI opens the store itself: one process per PGlite folder
      const r = await cli(
        ['backfill', 'github', '--repo', REPO, '--api', api.url, '--json', '--db', hub.config.db, '--data-dir', hub.dataDir],
        [sourcesPillar],
        {
          env: { GITHUB_TOKEN: 'good-token' },
        },
      );
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toEqual({ repo: REPO, runs: 3, jobs: 1, runs_inserted: 0, runs_updated: 0, jobs_inserted: 0, jobs_updated: 0, requests: 5 });
    });

    it('reads Link headers', () => {
      expect(nextLink('<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=9>; rel="last"')).toBe('https://api.github.com/x?page=2');
      expect(nextLink('<https://api.github.com/x?page=1>; rel="prev"')).toBeNull();
      expect(nextLink(null)).toBeNull();
    });
  },
  { pillars: [sourcesPillar] },
);
