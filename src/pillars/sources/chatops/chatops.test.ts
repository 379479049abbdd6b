// ChatOps end to end: a real `issue_comment` / GitLab note delivery, signed, through the webhook
// route, the mapper and the bus, to the consumer that checks the commenter's permission and acts
// through the host's REST API — a local server recording every call and answering with GitHub's
// and GitLab's documented response bodies (fixtures/*/README.md). GitHub runs in App mode: the
// app's JWT is verified with its public key, and installation tokens are cached.
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachStore, type TestHub } from '../../../../test/support/stores.js';
import { createApp, pillars } from '../../../../test/support/assembled.js';
import { RecordingApi, type ApiAnswer, type ApiCall } from '../../../../test/support/api-server.js';
import { deliverGithub, deliverGitlab, githubExamples, gitlabFixture } from '../../../../test/support/webhooks.js';
import type { Db } from '../deliveries.js';
import { createToken } from '../../../core/tokens.js';

const SECRET = 'chatops-webhook-secret';
const GL_SECRET = 'gitlab-webhook-token';
const GL_TOKEN = 'glpat-chatops-test-token-0123';
const APP_ID = '4242';
const fixtures = path.join(import.meta.dirname, '..', 'fixtures');
const doc = (f: string) => JSON.parse(readFileSync(path.join(fixtures, f), 'utf8')) as Record<string, any>;
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

/** Who has which permission on the test repository (GitHub) / project (GitLab user ids). */
const GITHUB_PERMISSION: Record<string, string> = { Codertocat: 'admin', reader: 'read' };
const GITLAB_LEVEL: Record<number, number> = { 1: 30, 7: 20 };
let tokensIssued = 0;

function jwtValid(auth: string | undefined): boolean {
  const [head, body, sig] = String(auth)
    .replace(/^Bearer /, '')
    .split('.');
  if (!head || !body || !sig) return false;
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
  const now = Date.now() / 1000;
  return (
    claims.iss === APP_ID &&
    claims.exp > now &&
    claims.iat <= now &&
    verify('RSA-SHA256', Buffer.from(`${head}.${body}`), createPublicKey(publicKey.export({ type: 'spki', format: 'pem' })), Buffer.from(sig, 'base64url'))
  );
}

function github(c: ApiCall): ApiAnswer {
  // GitHub matches owner and repository names case-insensitively; the hub sends them lower-cased.
  const repo = '/repos/codertocat/hello-world';
  if (c.path.startsWith('/app/') || c.path === `${repo}/installation`) {
    if (!jwtValid(c.headers.authorization as string)) return [401, { message: 'A JSON web token could not be decoded' }];
    if (c.path === `${repo}/installation`) return [200, doc('github-api/installation.json')];
    if (c.method === 'POST' && c.path === '/app/installations/1/access_tokens') {
      tokensIssued++;
      return [201, { ...doc('github-api/installation-token.json'), expires_at: new Date(Date.now() + 3600_000).toISOString() }];
    }
  }
  // Everything else needs the installation token.
  if (c.headers.authorization !== `Bearer ${doc('github-api/installation-token.json').token}`) return [401, { message: 'Bad credentials' }];
  const perm = new RegExp(`^${repo}/collaborators/([^/]+)/permission$`).exec(c.path);
  if (perm) {
    const level = GITHUB_PERMISSION[perm[1]!];
    if (!level) return [404, { message: 'Not Found' }];
    return [200, { ...doc('github-api/collaborator-permission.json'), permission: level, role_name: level }];
  }
  if (c.method === 'GET' && c.path === `${repo}/pulls/1`) return [200, doc('github-api/pull-request.json')];
  if (c.method === 'GET' && c.path === `${repo}/actions/runs`) return [200, doc('github-api/list-workflow-runs.json')];
  if (c.method === 'POST' && /\/actions\/runs\/\d+\/rerun-failed-jobs$/.test(c.path)) return [201, {}];
  if (c.method === 'POST' && c.path === `${repo}/actions/workflows/deploy.yml/dispatches`) return [204];
  if (c.method === 'POST' && c.path === `${repo}/issues/1/comments`) return [201, { ...doc('github-api/issue-comment.json'), body: c.body?.body }];
  return [404, { message: 'Not Found' }];
}

function gitlab(c: ApiCall): ApiAnswer {
  if (c.headers['private-token'] !== GL_TOKEN) return [401, { message: '401 Unauthorized' }];
  const member = /^\/api\/v4\/projects\/5\/members\/all\/(\d+)$/.exec(c.path);
  if (member) {
    const level = GITLAB_LEVEL[Number(member[1])];
    return level === undefined
      ? [404, { message: '404 Not found' }]
      : [200, { ...doc('gitlab-api/get-member-all.json'), id: Number(member[1]), access_level: level }];
  }
  const pipeline = doc('gitlab-api/get-single-pipeline.json');
  if (c.method === 'GET' && c.path === '/api/v4/projects/5/merge_requests/1')
    return [200, { iid: 1, project_id: 5, head_pipeline: { ...pipeline, status: 'failed' } }];
  if (c.method === 'POST' && c.path === `/api/v4/projects/5/pipelines/${pipeline.id}/retry`) return [201, { ...pipeline, status: 'pending' }];
  if (c.method === 'POST' && c.path === '/api/v4/projects/5/pipeline') return [201, { ...pipeline, status: 'created' }];
  if (c.method === 'POST' && c.path === '/api/v4/projects/5/merge_requests/1/notes')
    return [201, { ...doc('gitlab-api/merge-request-note.json'), body: c.body?.body }];
  return [404, { message: '404 Not found' }];
}

const api = new RecordingApi((c) => (c.path.startsWith('/api/v4/') ? gitlab(c) : github(c)));
await api.start();

describeEachStore(
  'ChatOps',
  (get) => {
    let app: FastifyInstance;
    let hub: TestHub;
    let db: Db;
    beforeAll(async () => {
      hub = get();
      db = hub.db as unknown as Db;
      app = await createApp(hub, pillars);
      api.calls = [];
      tokensIssued = 0;
    });
    afterAll(async () => app?.close());

    const comment = async (body: string, patch: (p: Record<string, any>) => void = () => {}) => {
      const p = structuredClone(githubExamples('issue_comment')[0]!);
      p.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1' };
      p.comment.body = body;
      patch(p);
      const res = await deliverGithub(app, SECRET, 'issue_comment', p);
      expect(res.statusCode, res.body).toBe(202);
      await hub.bus.drain();
    };
    const note = async (body: string, user: { id: number; username: string }) => {
      const p = gitlabFixture('note_merge_request');
      p.object_attributes.note = body;
      p.user = { ...p.user, ...user };
      const res = await deliverGitlab(app, GL_SECRET, 'Note Hook', p);
      expect(res.statusCode, res.body).toBe(202);
      await hub.bus.drain();
    };
    const audit = () => db.selectFrom('sources_chatops').selectAll().orderBy('requested_at').orderBy('id').execute();
    const replies = () => api.calls.filter((c) => c.method === 'POST' && /\/(comments|notes)$/.test(c.path)).map((c) => String(c.body!.body));

    it('refuses /ci-intel rerun from a user without write access, with a reply, and re-runs nothing', async () => {
      await comment('/ci-intel rerun', (p) => (p.comment.user.login = 'reader'));
      expect(replies()).toEqual(['@reader `/ci-intel rerun` needs write access to codertocat/hello-world, and you have read. Ask a maintainer to run it.']);
      expect(api.lines().filter((l) => l.includes('rerun'))).toEqual([]);
      const [row] = await audit();
      expect(row).toMatchObject({ provider: 'github', repo: 'codertocat/hello-world', number: 1, user_login: 'reader', command: 'rerun', state: 'refused' });
      expect(row!.reply).toContain('needs write access');
      expect(row!.finished_at).not.toBeNull();
      // App mode: the installation was looked up and one token bought, with a verified JWT.
      expect(api.lines().slice(0, 2)).toEqual(['GET /repos/codertocat/hello-world/installation', 'POST /app/installations/1/access_tokens']);
    });

    it('a user who is not a collaborator at all is refused too', async () => {
      api.calls = [];
      await comment('/ci-intel promote production', (p) => (p.comment.user.login = 'stranger'));
      expect(replies()).toEqual([expect.stringContaining('you have none')]);
      expect(api.lines().some((l) => l.includes('dispatches'))).toBe(false);
    });

    it('re-runs the failed jobs of the pull request for a writer, replies, and reuses the installation token', async () => {
      api.calls = [];
      await comment('Thanks!\n/ci-intel rerun');
      const sha = doc('github-api/pull-request.json').head.sha as string;
      const list = api.calls.find((c) => c.path.endsWith('/actions/runs'))!;
      expect(list.query.get('head_sha')).toBe(sha);
      expect(list.query.get('status')).toBe('failure');
      const runId = doc('github-api/list-workflow-runs.json').workflow_runs[0].id;
      expect(api.lines()).toContain(`POST /repos/codertocat/hello-world/actions/runs/${runId}/rerun-failed-jobs`);
      expect(replies()[0]).toMatch(new RegExp(`^@Codertocat Re-running the failed jobs of 1 workflow run on ${sha.slice(0, 7)}`));
      expect(tokensIssued).toBe(1);
      expect((await audit()).at(-1)).toMatchObject({ command: 'rerun', state: 'done', user_login: 'Codertocat' });
    });

    it('promote dispatches the deployment workflow with the environment; an unknown environment is refused', async () => {
      api.calls = [];
      await comment('/ci-intel promote staging\n/ci-intel rollback qa');
      const dispatch = api.calls.filter((c) => c.path.endsWith('/dispatches'));
      expect(dispatch).toHaveLength(1);
      expect(dispatch[0]!.body).toEqual({ ref: 'master', inputs: { action: 'promote', environment: 'staging' } });
      expect(replies()).toEqual([
        '@Codertocat Started `deploy.yml` on master to promote **staging**.',
        '@Codertocat qa is not an environment of this hub; the environments are staging, production.',
      ]);
    });

    it('chaos on sets the repository switch that GET /api/v1/repos/:owner/:repo/switches serves', async () => {
      await comment('/ci-intel chaos on');
      const read = async (pattern: string) => {
        const { token } = await createToken(hub.db, { repoPatterns: [pattern], scopes: ['read'], expiresAt: null });
        return app.inject({ method: 'GET', url: '/api/v1/repos/codertocat/hello-world/switches', headers: { authorization: `Bearer ${token}` } });
      };
      expect((await read('other/*')).statusCode).toBe(403);
      const res = await read('codertocat/*');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().switches).toEqual([expect.objectContaining({ name: 'chaos', value: 'on', set_by: 'Codertocat' })]);
    });

    it('quarantine reaches the tests pillar: the named test is quarantined with who asked', async () => {
      const tdb = hub.db as any;
      await tdb
        .insertInto('tests_ids')
        .values({ repo: 'codertocat/hello-world', test_id: 'src/cart.test.ts::cart adds items', name: 'cart adds items', suite_type: 'unit' })
        .execute();
      await comment('/ci-intel quarantine cart adds items');
      const q = await tdb.selectFrom('tests_quarantine').selectAll().where('repo', '=', 'codertocat/hello-world').execute();
      expect(q).toEqual([
        expect.objectContaining({ test_id: 'src/cart.test.ts::cart adds items', source: 'chatops', reason: 'quarantined by @Codertocat from a comment' }),
      ]);
    });

    it('override-budget: a writer lets the pull request through the budget gate (stored by the delivery pillar, audited); a reader is refused', async () => {
      const overrides = () => (hub.db as any).selectFrom('delivery_budget_overrides').selectAll().where('repo', '=', 'codertocat/hello-world').execute();
      api.calls = [];
      await comment('/ci-intel override-budget 3d release load tests', (p) => (p.comment.user.login = 'reader'));
      expect(replies()).toEqual([expect.stringContaining('@reader `/ci-intel override-budget` needs write access')]);
      expect(await overrides()).toEqual([]);
      api.calls = [];
      await comment('/ci-intel override-budget 3d release load tests\n/ci-intel override-budget 90d too long');
      const rows = await overrides();
      expect(rows).toEqual([expect.objectContaining({ pr: 1, reason: 'release load tests', created_by: 'Codertocat', source: 'chatops' })]);
      expect(new Date(rows[0].expires_at).getTime() - new Date(rows[0].created_at).getTime()).toBe(3 * 86_400_000);
      const until = new Date(rows[0].expires_at).toISOString().slice(0, 16).replace('T', ' ');
      expect(replies()).toEqual([
        `@Codertocat budget override for #1 recorded until ${until} UTC (release load tests): the budget gate lets this pull request through while it is over its cost or carbon budget (\`ci-intel budget overrides\` lists who allowed what).`,
        expect.stringMatching(
          /^@Codertocat `override-budget` lasts at most 30d \(90d asked\); a longer exception belongs in the budgets of ci-intel.yml\. The commands are:/,
        ),
      ]);
      const { token } = await createToken(hub.db, { repoPatterns: ['codertocat/*'], scopes: ['read'], expiresAt: null });
      const listed = await app.inject({ url: '/api/v1/delivery/budget/overrides?repo=codertocat/hello-world', headers: { authorization: `Bearer ${token}` } });
      expect(listed.json().overrides).toEqual([expect.objectContaining({ pr: 1, created_by: 'Codertocat', source: 'chatops', active: true, uses: [] })]);
    });

    it('bad commands get the usage; edits, bots and quoted commands are not acted on; a redelivery acts once', async () => {
      api.calls = [];
      await comment('/ci-intel deploy everything');
      expect(replies()[0]).toMatch(/`deploy` is not a command\. The commands are:\n\n`\/ci-intel rerun`/);
      api.calls = [];
      await comment('/ci-intel rerun', (p) => (p.action = 'edited'));
      await comment('/ci-intel rerun', (p) => (p.comment.user.type = 'Bot'));
      await comment('> /ci-intel rerun\n```\n/ci-intel rerun\n```');
      expect(api.calls).toEqual([]);
      const before = (await audit()).length;
      const p = structuredClone(githubExamples('issue_comment')[0]!);
      p.issue.pull_request = {};
      p.comment.body = '/ci-intel help';
      await deliverGithub(app, SECRET, 'issue_comment', p, { delivery: 'chatops-replayed-delivery' });
      await deliverGithub(app, SECRET, 'issue_comment', p, { delivery: 'chatops-replayed-delivery' });
      await hub.bus.drain();
      // The same bus event handled again (a redelivery after a crash) finds the command claimed.
      const sub = pillars.find((x) => x.id === 'sources')!.subscriptions!(hub as any).find((s) => s.consumer === 'sources.chatops')!;
      await sub.handle({ id: 'again', type: 'chatops.command', object_key: 'github:chatops-replayed-delivery:1' });
      expect((await audit()).length).toBe(before + 1);
      expect(replies()).toHaveLength(1);
    });

    it('GitLab: a reporter is refused in a merge-request note; a developer retries the failed pipeline and starts a deployment pipeline', async () => {
      api.calls = [];
      await note('/ci-intel rerun', { id: 7, username: 'rita' });
      expect(replies()).toEqual(['@rita `/ci-intel rerun` needs write access to gitlab-org/gitlab-test, and you have reporter. Ask a maintainer to run it.']);
      expect(api.lines().some((l) => l.endsWith('/retry'))).toBe(false);
      api.calls = [];
      await note('/ci-intel rerun\n/ci-intel rollback production', { id: 1, username: 'root' });
      const pipeline = doc('gitlab-api/get-single-pipeline.json');
      expect(api.lines()).toContain(`POST /api/v4/projects/5/pipelines/${pipeline.id}/retry`);
      const started = api.calls.find((c) => c.path === '/api/v4/projects/5/pipeline')!;
      expect(started.body).toEqual({
        ref: 'master',
        variables: [
          { key: 'CI_INTEL_ACTION', value: 'rollback' },
          { key: 'CI_INTEL_ENVIRONMENT', value: 'production' },
        ],
      });
      expect(replies()).toHaveLength(2);
      expect(replies()[0]).toContain(`Retrying the failed jobs of pipeline [#${pipeline.id}]`);
      const rows = (await audit()).filter((r) => r.provider === 'gitlab');
      expect(rows.map((r) => [r.user_login, r.command, r.state])).toEqual([
        ['rita', 'rerun', 'refused'],
        ['root', 'rerun', 'done'],
        ['root', 'rollback', 'done'],
      ]);
      // The token went in its header only, never into a reply or the audit trail.
      expect(JSON.stringify(rows)).not.toContain(GL_TOKEN);
    });
  },
  {
    pillars,
    config: (c) => {
      c.webhooks.githubSecret = SECRET;
      c.webhooks.gitlabToken = GL_SECRET;
      c.github.apiUrl = api.url;
      c.github.appId = APP_ID;
      c.github.appPrivateKey = PEM;
      c.gitlab.url = api.url;
      c.gitlab.token = GL_TOKEN;
      c.pillars = {
        ...c.pillars,
        chatops: { enabled: true, githubDeployWorkflow: 'deploy.yml', gitlabDeployPipeline: true, environments: ['staging', 'production'] },
      };
    },
  },
);

afterAll(() => api.stop());
