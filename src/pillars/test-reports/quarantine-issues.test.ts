// Quarantine issues against a local server answering with GitHub's documented response bodies: a
// newly quarantined test gets an issue (label, kind, owner mentioned), a test with an open issue gets
// none, the issue of a released test is commented on and closed; GitHub's refusal is a clear error.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CiError } from '../../core/errors.js';
import { FIXTURES } from './fixtures/paths.js';
import type { QuarantineEntry } from './quarantine.js';
import { QUARANTINE_LABEL, quarantineMarker, syncQuarantineIssues, syncQuarantineIssuesGitlab } from './quarantine-issues.js';
import { RecordingApi } from '../../../test/support/api-server.js';

const doc = (f: string) => JSON.parse(readFileSync(path.join(FIXTURES, 'github', f), 'utf8')) as Record<string, unknown>;

const entry = (id: string, kind: 'flaky' | 'broken', owner: string | null): QuarantineEntry => ({
  id,
  kind,
  owner,
  reason: kind === 'broken' ? 'broken: failed in 2 of the last 2 runs' : 'flaky: failed in 3 of the last 7 runs',
  quarantined_at: '2026-06-01T00:00:00.000Z',
  expires_at: '2026-07-01T00:00:00.000Z',
  proof_runs: ['r1', 'r2'],
  flaky_failures: kind === 'flaky' ? 2 : 0,
});

describe('quarantine issues (GitHub)', () => {
  const calls: Array<{ method: string; path: string; body: Record<string, unknown> | null }> = [];
  let server: Server;
  let url = '';
  let refuse = false;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += String(c)));
      req.on('end', () => {
        const u = new URL(req.url!, 'http://x');
        const body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
        calls.push({ method: req.method!, path: u.pathname + u.search, body });
        const send = (status: number, b: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(b));
        if (refuse)
          return send(403, {
            message: 'Resource not accessible by integration',
            documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue',
          });
        if (req.method === 'GET' && u.pathname === '/repos/org/app/issues')
          return send(200, [
            { ...doc('issue.json'), number: 7, html_url: 'https://github.com/org/app/issues/7', body: `old\n${quarantineMarker('pkg.Old::released')}\n` },
            { ...doc('issue.json'), number: 8, html_url: 'https://github.com/org/app/issues/8', body: `kept\n${quarantineMarker('pkg.Db::connects')}\n` },
            // A pull request with a marker is not an issue of ours.
            { ...doc('issue.json'), number: 9, pull_request: { url: 'x' }, body: quarantineMarker('pkg.Pr::x') },
          ]);
        if (req.method === 'POST' && u.pathname === '/repos/org/app/issues')
          return send(201, { ...doc('issue.json'), number: 12, html_url: 'https://github.com/org/app/issues/12', title: body!.title });
        if (req.method === 'POST' && u.pathname.endsWith('/comments')) return send(201, doc('issue-comment.json'));
        if (req.method === 'PATCH') return send(200, { ...doc('issue.json'), state: 'closed' });
        return send(404, { message: 'Not Found' });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('opens one issue per newly quarantined test and closes the issue of a released one', async () => {
    const r = await syncQuarantineIssues({ apiUrl: url, token: 't', repo: 'org/app' }, [
      entry('pkg.Db::connects', 'broken', '@org/db'),
      entry('web/login.test.ts::logs in', 'flaky', '@alice'),
    ]);
    expect(r).toEqual({
      opened: [{ id: 'web/login.test.ts::logs in', number: 12, url: 'https://github.com/org/app/issues/12' }],
      closed: [{ number: 7, url: 'https://github.com/org/app/issues/7' }],
    });
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `GET /repos/org/app/issues?state=open&labels=${QUARANTINE_LABEL}&per_page=100&page=1`,
      'POST /repos/org/app/issues',
      'POST /repos/org/app/issues/7/comments',
      'PATCH /repos/org/app/issues/7',
    ]);
    const created = calls[1]!.body!;
    expect(created.title).toBe('Quarantined (flaky): web/login.test.ts::logs in');
    expect(created.labels).toEqual([QUARANTINE_LABEL, 'flaky']);
    expect(created.body).toContain('**owner**: @alice');
    expect(created.body).toContain(quarantineMarker('web/login.test.ts::logs in'));
    expect(calls[3]!.body).toEqual({ state: 'closed', state_reason: 'completed' });
  });

  it("GitHub's refusal is an E_GITHUB_FAILED error with its message and what to fix", async () => {
    refuse = true;
    const err = await syncQuarantineIssues({ apiUrl: url, token: 't', repo: 'org/app' }, []).catch((e: unknown) => e);
    refuse = false;
    expect(err).toBeInstanceOf(CiError);
    expect((err as CiError).code).toBe('E_GITHUB_FAILED');
    expect((err as CiError).message).toContain('Resource not accessible by integration');
    expect((err as CiError).hint).toContain('issues: write');
  });
});

describe('quarantine issues (GitLab)', () => {
  // GitLab's issue object (Issues API, "New issue" response): the fields the sync reads.
  const issue = (iid: number, description: string) => ({
    id: 80 + iid,
    iid,
    project_id: 5,
    title: 'Quarantined',
    description,
    state: 'opened',
    labels: [QUARANTINE_LABEL],
    web_url: `http://gitlab.example.com/org/app/-/issues/${iid}`,
  });
  const api = new RecordingApi((c) => {
    if (c.headers['private-token'] !== 'glpat-quarantine-000000') return [401, { message: '401 Unauthorized' }];
    const base = '/api/v4/projects/5/issues';
    if (c.method === 'GET' && c.path === base)
      return [200, [issue(7, `old\n${quarantineMarker('pkg.Old::released')}\n`), issue(8, `kept\n${quarantineMarker('pkg.Db::connects')}\n`)]];
    if (c.method === 'POST' && c.path === base) return [201, issue(12, c.body!.description)];
    if (c.method === 'POST' && c.path === `${base}/7/notes`) return [201, { id: 301, body: c.body!.body }];
    if (c.method === 'PUT' && c.path === `${base}/7`) return [200, { ...issue(7, ''), state: 'closed' }];
    return [404, { message: '404 Not found' }];
  });
  beforeAll(async () => void (await api.start()));
  afterAll(() => api.stop());

  it('opens an issue per new entry, keeps the open one, comments on and closes the released one', async () => {
    const r = await syncQuarantineIssuesGitlab({ url: api.url, token: 'glpat-quarantine-000000', project: '5' }, [
      entry('pkg.Db::connects', 'flaky', '@org/db'),
      entry('pkg.Cart::adds', 'broken', null),
    ]);
    expect(r).toEqual({
      opened: [{ id: 'pkg.Cart::adds', number: 12, url: 'http://gitlab.example.com/org/app/-/issues/12' }],
      closed: [{ number: 7, url: 'http://gitlab.example.com/org/app/-/issues/7' }],
    });
    expect(api.lines()).toEqual([
      'GET /api/v4/projects/5/issues',
      'POST /api/v4/projects/5/issues',
      'POST /api/v4/projects/5/issues/7/notes',
      'PUT /api/v4/projects/5/issues/7',
    ]);
    expect(api.calls[0]!.query.get('labels')).toBe(QUARANTINE_LABEL);
    expect(api.calls[0]!.query.get('state')).toBe('opened');
    const created = api.calls[1]!.body!;
    expect(created.labels).toBe(`${QUARANTINE_LABEL},broken`);
    expect(created.description).toContain(quarantineMarker('pkg.Cart::adds'));
    expect(api.calls[3]!.body).toEqual({ state_event: 'close' });
  });

  it('a refused token is one clear error naming the scope', async () => {
    const err = await syncQuarantineIssuesGitlab({ url: api.url, token: 'wrong', project: '5' }, []).catch((e: CiError) => e);
    expect(err).toBeInstanceOf(CiError);
    expect((err as CiError).message).toBe('GitLab answered 401: 401 Unauthorized');
    expect((err as CiError).hint).toBe('the token needs the api scope and the Reporter role on the project');
  });
});
