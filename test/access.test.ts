// Sign-in and teams against a real OpenID Connect provider on loopback (oidc-provider): a sign-in
// without a browser (redirects followed, the provider's login and consent forms posted), the
// session cookie's attributes, sign-out; then every read route of the assembled hub — enumerated
// from its OpenAPI document, so a new route is covered the day it is added — asked with team B's
// session and with a read token limited to team B's repositories: nothing of team A's comes back.
// Team A's session sees its own data on the same routes (the check can fail).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { createToken } from '../src/core/tokens.js';
import { openTestHub, type TestHub } from './support/stores.js';
import { createApp, pillars, seedDemo } from './support/assembled.js';
import { browse, startProvider, type TestProvider } from './support/oidc.js';

let hub: TestHub;
let app: FastifyInstance;
let base: string;
let provider: TestProvider;
let admin: string;
const A = ['acme/', 'globex/'];
let aRuns: string[] = [];
/** The start of a stored log of team A (a log names no repository: its text is what must not leak). */
let aLog = '';

/** Signs `login` in through the provider; the hub's session cookie value. */
async function signIn(login: string, ret = '/?page=overview'): Promise<{ cookie: string; landed: string; setCookie: string[] }> {
  const r = await browse(`${base}/auth/login?return=${encodeURIComponent(ret)}`, login);
  const cookie = r.jar.get(base, 'ci_intel_session');
  if (!cookie) throw new Error(`no session after signing in ${login}: ${r.res.status} ${r.url} ${r.body.slice(0, 300)}`);
  return { cookie: `ci_intel_session=${cookie}`, landed: r.url, setCookie: [] };
}

const get = (path: string, headers: Record<string, string>) => fetch(base + path, { headers, redirect: 'manual' });

beforeAll(async () => {
  hub = await openTestHub('pglite', { pillars, start: true });
  await seedDemo(hub, pillars, { err: () => {}, now: () => new Date() }, { repos: 4, days: 6, runsPerDay: 6 });
  app = await createApp(hub, pillars);
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  hub.config.server.publicUrl = base;
  provider = await startProvider({
    redirectUri: `${base}/auth/callback`,
    accounts: {
      alice: { email: 'alice@example.com', name: 'Alice', groups: ['eng-a'] },
      bob: { email: 'bob@example.com', name: 'Bob', groups: ['eng-b'] },
      carol: { email: 'carol@example.com', name: 'Carol', groups: [] },
    },
  });
  Object.assign(hub.config.auth.oidc, {
    issuer: provider.issuer,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    scopes: 'openid email profile groups',
  });
  // Team A from ci-intel.yml's section (by group); team B through the admin API (by member e-mail).
  hub.config.auth.teams = [{ name: 'team-a', repos: ['acme/**', 'globex/*'], members: [], groups: ['eng-a'] }];
  admin = (await createToken(hub.db, { repoPatterns: ['**'], scopes: ['admin', 'read'], expiresAt: null })).token;
  const put = await fetch(`${base}/api/v1/teams/team-b`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ repos: ['initech/*', 'umbrella/*'], members: ['bob@example.com'] }),
  });
  expect(put.status, await put.clone().text()).toBe(200);
  const runs = (await (await get('/api/v1/runs?limit=1000', { authorization: `Bearer ${admin}` })).json()) as {
    items: Array<{ run_id: string; repo: string }>;
  };
  aRuns = runs.items.filter((r) => A.some((a) => r.repo.startsWith(a))).map((r) => r.run_id);
  expect(aRuns.length).toBeGreaterThan(0);
  expect(runs.items.length).toBeGreaterThan(aRuns.length);
}, 600_000);

afterAll(async () => {
  await app?.close();
  await provider?.close();
  await hub?.close();
});

describe('sign-in through a real OpenID Connect provider', () => {
  it('signs in with code + PKCE, lands where it started, with an HttpOnly SameSite session cookie', async () => {
    const r = await browse(`${base}/auth/login?return=${encodeURIComponent('/?page=dora')}`, 'alice');
    expect(r.url).toBe(`${base}/?page=dora`);
    expect(r.jar.get(base, 'ci_intel_session')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The cookie as set: look at the callback's answer directly.
    const login = await fetch(`${base}/auth/login`, { redirect: 'manual' });
    const loginCookie = login.headers.getSetCookie().find((c) => c.startsWith('ci_intel_login='))!;
    expect(loginCookie).toMatch(/HttpOnly/);
    expect(loginCookie).toMatch(/SameSite=Lax/);
    const authorize = new URL(login.headers.get('location')!);
    expect(authorize.origin).toBe(provider.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    const me = (await (await get('/auth/me', { cookie: `ci_intel_session=${r.jar.get(base, 'ci_intel_session')}` })).json()) as Record<string, unknown>;
    expect(me).toMatchObject({ signed_in: true, name: 'Alice', email: 'alice@example.com', teams: ['team-a'] });
  });

  it('the session cookie is HttpOnly, SameSite=Lax, for the whole hub; sign-out ends it server-side', async () => {
    // Replay the last hop by hand to read the Set-Cookie of the callback.
    const { cookie } = await signIn('bob');
    const runs = await get('/api/v1/runs', { cookie });
    expect(runs.status).toBe(200);
    const out = await fetch(`${base}/auth/logout`, { method: 'POST', headers: { cookie }, redirect: 'manual' });
    expect(out.status).toBe(303);
    const cleared = out.headers.getSetCookie().find((c) => c.startsWith('ci_intel_session='))!;
    expect(cleared).toMatch(/^ci_intel_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax/);
    // The old cookie no longer works even if a client kept it.
    const after = await get('/api/v1/runs', { cookie });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { code: string } }).error.code).toBe('E_SESSION_EXPIRED');
  });

  it('a user in no team is refused; a forged or replayed callback is refused; a session cannot write', async () => {
    const carol = await browse(`${base}/auth/login`, 'carol');
    expect(carol.res.status).toBe(403);
    expect(carol.body).toContain('E_NO_TEAM');
    expect(carol.jar.get(base, 'ci_intel_session')).toBeUndefined();
    const forged = await get('/auth/callback?code=abc&state=def', {});
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('E_SIGN_IN_FAILED');
    // The state cookie matches but the sign-in is unknown (used or never started here).
    const replay = await get('/auth/callback?code=abc&state=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', {
      cookie: 'ci_intel_login=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    });
    expect(replay.status).toBe(401);
    const open = await get('/auth/login?return=//evil.example/x', {});
    expect(open.status).toBe(302);
    const { cookie } = await signIn('alice');
    const write = await fetch(`${base}/api/v1/runs`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-ndjson' }, body: '{}\n' });
    expect(write.status).toBe(403);
    const tokens = await get('/api/v1/tokens', { cookie });
    expect(tokens.status).toBe(403);
  });
});

describe('every read route filters by the caller (teams for sessions, patterns for tokens)', () => {
  let routes: string[];
  let params: Record<string, string>;

  beforeAll(async () => {
    const doc = (await (await get('/api/v1/openapi.json', {})).json()) as { paths: Record<string, Record<string, { 'x-scope': string }>> };
    routes = Object.entries(doc.paths)
      .filter(([, ops]) => ops.get?.['x-scope'] === 'read')
      .map(([p]) => p)
      .sort();
    // Values of team A for the routes' parameters: a run of A with a stored log, its job, A's repository.
    const { cookie } = await signIn('alice');
    const withLog = (
      await sql<{ run_id: string; name: string; repo: string }>`select l.run_id, l.job_id as name, r.repo from autopsy_logs l join runs r using (run_id)
        where r.repo ~ '^(acme|globex)/' order by l.run_id limit 1`.execute(hub.db)
    ).rows[0]!;
    expect(withLog, 'the demo data has a log of team A').toBeTruthy();
    const sigs = (await (await get('/api/v1/autopsy/signatures?limit=1000', { cookie })).json()) as { signatures: Array<{ repo: string }> };
    expect(sigs.signatures.length).toBeGreaterThan(0);
    const [owner, repo] = withLog.repo.split('/') as [string, string];
    // A commit of team A that reached production (the commit → deploy trace), else any of A's commits.
    const sha = (
      await sql<{ sha: string }>`select coalesce((select commit_sha from metrics_lead_times where repo = ${withLog.repo} limit 1),
        (select commit_sha from runs where repo = ${withLog.repo} and commit_sha is not null limit 1)) as sha`.execute(hub.db)
    ).rows[0]!.sha;
    params = {
      sha,
      id: withLog.run_id,
      job: withLog.name,
      owner,
      repo,
      table: 'pipelines.csv',
      file: 'coverage.svg',
      format: 'csv',
    };
  }, 300_000);

  const fill = (route: string) =>
    route.replace(/\{(\w+)\}/g, (_m, name: string) => {
      if (!(name in params)) throw new Error(`route ${route}: no team-A value for {${name}}; add one to the test's params`);
      return encodeURIComponent(params[name]!);
    });

  async function sweep(headers: Record<string, string>) {
    const out: Array<{ route: string; status: number; body: string }> = [];
    for (const r of routes) {
      const path = fill(r) + (r.startsWith('/api/v1/metrics/') || r === '/api/v1/runs' ? '?window=30' : '');
      const res = await get(r === '/api/v1/runs' ? fill(r) + '?limit=1000' : path, headers);
      out.push({ route: r, status: res.status, body: await res.text() });
    }
    return out;
  }

  /**
   * Routes whose answer shows team A's repositories or run ids. What the caller sent (the ids in the
   * path, echoed by a 404's message) is not shown to them. A signature is a hash of the failure's
   * shape, the same in any repository that fails alike: its rows are checked by their repository.
   */
  const leaks = (rows: Array<{ route: string; body: string }>, sent = true) =>
    rows
      .map((x) => (sent ? { ...x, body: x.body.replaceAll(params.id!, '<sent>').replaceAll(`${params.owner}/${params.repo}`, '<sent>') } : x))
      .filter((x) => A.some((a) => x.body.includes(a)) || aRuns.some((id) => x.body.includes(id)) || (aLog !== '' && x.body.includes(aLog)))
      .map(
        (x) =>
          `${x.route}: ${x.body.slice(Math.max(0, Math.min(...A.map((a) => x.body.indexOf(a)).filter((i) => i >= 0)) - 80), Math.max(0, Math.min(...A.map((a) => x.body.indexOf(a)).filter((i) => i >= 0)) - 80) + 200)}`,
      );

  it('covers the list, detail, log, signature, metrics and dashboard routes of every pillar', () => {
    for (const must of [
      '/api/v1/runs',
      '/api/v1/runs/{id}',
      '/api/v1/runs/{id}/jobs/{job}/logs',
      '/metrics',
      '/api/v1/metrics/overview',
      '/api/v1/autopsy/signatures',
    ])
      expect(routes).toContain(must);
    for (const p of ['tests', 'mutation', 'cache', 'autopsy', 'metrics']) expect(routes.some((r) => r.startsWith(`/api/v1/${p}/`))).toBe(true);
    expect(routes.length).toBeGreaterThan(20);
  });

  it("team A's session sees team A's data on those routes (the sweep can see a leak)", async () => {
    const { cookie } = await signIn('alice');
    const rows = await sweep({ cookie });
    const log = rows.find((r) => r.route === '/api/v1/runs/{id}/jobs/{job}/logs')!;
    expect(log.status).toBe(200);
    expect(log.body.length).toBeGreaterThan(100);
    aLog = log.body.slice(0, 200);
    const seen = leaks(rows, false).map((l) => l.split(': ')[0]!);
    for (const must of [
      '/api/v1/runs',
      '/api/v1/runs/{id}',
      '/api/v1/runs/{id}/jobs/{job}/logs',
      '/metrics',
      '/api/v1/metrics/health',
      '/api/v1/autopsy/signatures',
    ])
      expect(seen, `${must} shows team A nothing`).toContain(must);
  });

  it("team B's session sees none of team A's runs, logs, signatures or metrics", async () => {
    const { cookie } = await signIn('bob');
    const rows = await sweep({ cookie });
    expect(leaks(rows)).toEqual([]);
    // ... and does see its own (the routes answer, they are not simply closed).
    const runs = rows.find((r) => r.route === '/api/v1/runs')!;
    expect(runs.status).toBe(200);
    expect(runs.body).toMatch(/"repo":"(initech|umbrella)\//);
    expect(rows.find((r) => r.route === '/metrics')!.body).toMatch(/repo="(initech|umbrella)\//);
    expect(rows.find((r) => r.route === '/api/v1/runs/{id}')!.status).toBe(404);
    expect(rows.every((r) => r.status < 500)).toBe(true);
  });

  it("a read token limited to team B's repositories sees none of team A's data", async () => {
    const t = (await createToken(hub.db, { repoPatterns: ['initech/*', 'umbrella/*'], scopes: ['read'], expiresAt: null })).token;
    const rows = await sweep({ authorization: `Bearer ${t}` });
    expect(leaks(rows)).toEqual([]);
    expect(rows.every((r) => r.status < 500)).toBe(true);
  });

  it('a change of teams applies to live sessions at once', async () => {
    const { cookie } = await signIn('bob');
    const del = await fetch(`${base}/api/v1/teams/team-b`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
    expect(del.status).toBe(200);
    const r = await get('/api/v1/runs', { cookie });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('E_NO_TEAM');
    await fetch(`${base}/api/v1/teams/team-b`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ repos: ['initech/*', 'umbrella/*'], members: ['bob@example.com'] }),
    });
    expect((await get('/api/v1/runs', { cookie })).status).toBe(200);
  });

  it('demo mode stays open: reads without a token or session answer', async () => {
    expect((await get('/api/v1/runs', {})).status).toBe(401);
    hub.config.server.demo = true;
    try {
      const r = await get('/api/v1/runs?limit=1000', {});
      expect(r.status).toBe(200);
      expect(await r.text()).toContain('acme/');
    } finally {
      hub.config.server.demo = false;
    }
  });
});
