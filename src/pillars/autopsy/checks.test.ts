// The hub's own check run: a GitHub run arrives by webhook, a failed job's log is uploaded, and the
// hub — as a GitHub App — puts the root causes on the run's commit as the check run
// "ci-intel autopsy" (after a second log, a new one with both jobs' causes: GitHub shows the
// latest), against a local server answering with GitHub's documented bodies.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runIdFor } from '../../core/identity.js';
import { createToken } from '../../core/tokens.js';
import { RecordingApi } from '../../../test/support/api-server.js';
import { createApp, pillars } from '../../../test/support/assembled.js';
import { describeEachStore, type TestHub } from '../../../test/support/stores.js';
import { deliverGithub, githubExamples } from '../../../test/support/webhooks.js';
import { HELDOUT_DIR } from './corpus.js';

const SECRET = 'checks-webhook-secret';
const gh = (f: string) => JSON.parse(readFileSync(path.join(import.meta.dirname, '../sources/fixtures/github-api', f), 'utf8')) as Record<string, any>;
const log = (id: string) => readFileSync(path.join(HELDOUT_DIR, 'logs', `${id}.log`));
const PEM = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const checkRuns: Array<{ id: number; name: string; head_sha: string }> = [];

const api = new RecordingApi((c) => {
  const repo = '/repos/codertocat/hello-world';
  if (c.path === `${repo}/installation`) return [200, gh('installation.json')];
  if (c.path === '/app/installations/1/access_tokens')
    return [201, { ...gh('installation-token.json'), expires_at: new Date(Date.now() + 3600_000).toISOString() }];
  if (c.method === 'POST' && c.path === `${repo}/check-runs`) {
    const r = { id: 4 + checkRuns.length, name: c.body!.name, head_sha: c.body!.head_sha };
    checkRuns.push(r);
    return [201, r];
  }
  if (c.method === 'PATCH' && /\/check-runs\/\d+$/.test(c.path)) return [200, {}];
  return [404, { message: 'Not Found' }];
});
await api.start();
afterAll(() => api.stop());

describeEachStore(
  'the hub posts its check run',
  (get) => {
    let app: FastifyInstance;
    let hub: TestHub;
    beforeAll(async () => {
      hub = get();
      app = await createApp(hub, pillars);
      api.calls = [];
      checkRuns.length = 0;
    });
    afterAll(async () => app?.close());

    it('creates "ci-intel autopsy" on the commit with the root causes, and a fresh one with every cause after the next log', async () => {
      const completed = githubExamples('workflow_run')[0]!;
      completed.workflow_run.status = 'completed';
      completed.workflow_run.conclusion = 'failure';
      expect((await deliverGithub(app, SECRET, 'workflow_run', completed)).statusCode).toBe(202);
      await hub.bus.drain();
      const runId = runIdFor('github', completed.repository.full_name, String(completed.workflow_run.id), completed.workflow_run.run_attempt);
      const { token } = await createToken(hub.db, { repoPatterns: ['codertocat/*'], scopes: ['ingest', 'read'], expiresAt: null });
      const upload = (job: string, body: Buffer) =>
        app.inject({
          method: 'POST',
          url: `/api/v1/runs/${runId}/jobs/${job}/logs?failed=true`,
          payload: gzipSync(body),
          headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain', 'content-encoding': 'gzip' },
        });
      const first = await upload('test', log('ho-jest-toequal'));
      expect(first.statusCode, first.body).toBe(200);
      await hub.bus.drain();
      const sha = completed.workflow_run.head_sha;
      const created = api.calls.find((c) => c.method === 'POST' && c.path.endsWith('/check-runs'))!;
      expect(created.body).toMatchObject({ name: 'ci-intel autopsy', head_sha: sha, status: 'in_progress' });
      const causes = first.json().root_causes as Array<{ file: string | null; line: number | null; category: string }>;
      const onFile = causes.filter((c) => c.file && c.line);
      expect(onFile.length).toBeGreaterThan(0);
      expect(created.body!.output.annotations.map((a: any) => `${a.path}:${a.start_line}`)).toEqual(onFile.map((c) => `${c.file}:${c.line}`));
      expect(created.body!.output.summary).toContain(causes[0]!.category);
      const done = api.calls.filter((c) => c.method === 'PATCH').at(-1)!;
      expect(done.body).toMatchObject({ status: 'completed', conclusion: 'failure' });
      // Installation token, never the JWT, on the repository calls.
      expect(created.headers.authorization).toBe(`Bearer ${gh('installation-token.json').token}`);

      api.calls = [];
      const second = await upload('lint', log('ho-eslint-errors'));
      expect(second.statusCode).toBe(200);
      await hub.bus.drain();
      expect(checkRuns.map((r) => r.head_sha)).toEqual([sha, sha]);
      const again = api.calls.find((c) => c.method === 'POST' && c.path.endsWith('/check-runs'))!;
      const all = [...causes, ...(second.json().root_causes as typeof causes)].filter((c) => c.file && c.line);
      expect(again.body!.output.annotations.map((a: any) => `${a.path}:${a.start_line}`).sort()).toEqual(all.map((c) => `${c.file}:${c.line}`).sort());
    });
  },
  {
    pillars,
    config: (c) => {
      c.webhooks.githubSecret = SECRET;
      c.github.apiUrl = api.url;
      c.github.appId = '4242';
      c.github.appPrivateKey = PEM;
      c.pillars = { ...c.pillars, autopsy: { rules: [], checkRuns: true } };
    },
  },
);
