// The GitHub preset of sign-in, against a local server shaped as GitHub's documented OAuth web flow
// (authorize redirect, access_token as JSON, GET /user, GET /user/teams): GitHub itself cannot be
// reached from tests. The server checks what GitHub checks — client secret, redirect URI, the code
// once, and the PKCE verifier against the challenge — so the hub's side of the flow is what is tested.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestHub, type TestHub } from './support/stores.js';
import { createApp, pillars } from './support/assembled.js';
import { browse } from './support/oidc.js';

let hub: TestHub;
let app: FastifyInstance;
let base: string;
let gh: http.Server;
let ghUrl: string;
const SECRET = randomBytes(16).toString('hex');
const codes = new Map<string, { challenge: string; redirect: string }>();
let tokenRequests = 0;

function github(req: http.IncomingMessage, res: http.ServerResponse): void {
  const u = new URL(req.url!, ghUrl);
  const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  if (u.pathname === '/login/oauth/authorize') {
    // The user approves at once; GitHub sends the browser back with a code and the state.
    const code = randomBytes(10).toString('hex');
    codes.set(code, { challenge: u.searchParams.get('code_challenge') ?? '', redirect: u.searchParams.get('redirect_uri') ?? '' });
    const back = new URL(u.searchParams.get('redirect_uri')!);
    back.searchParams.set('code', code);
    back.searchParams.set('state', u.searchParams.get('state')!);
    return void res.writeHead(302, { location: back.toString() }).end();
  }
  if (u.pathname === '/login/oauth/access_token' && req.method === 'POST') {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      tokenRequests++;
      const f = new URLSearchParams(body);
      const basic = Buffer.from(String(req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      const c = codes.get(f.get('code') ?? '');
      codes.delete(f.get('code') ?? '');
      const pkce =
        c &&
        createHash('sha256')
          .update(f.get('code_verifier') ?? '')
          .digest('base64url') === c.challenge;
      // GitHub answers errors with 200 and an `error` field.
      const ok = basic === `gh-client:${SECRET}` && c && pkce && c.redirect === f.get('redirect_uri');
      json(200, ok ? { access_token: 'gho_testtoken', token_type: 'bearer', scope: 'read:org,read:user,user:email' } : { error: 'bad_verification_code' });
    });
    return;
  }
  if (req.headers.authorization !== 'Bearer gho_testtoken') return void json(401, { message: 'Bad credentials' });
  if (u.pathname === '/api/user') return void json(200, { login: 'Octocat', id: 1, name: 'The Octocat', email: null });
  if (u.pathname === '/api/user/teams') return void json(200, [{ slug: 'payments', organization: { login: 'Acme' } }]);
  json(404, { message: 'Not Found' });
}

beforeAll(async () => {
  hub = await openTestHub('pglite', { pillars, start: false });
  app = await createApp(hub, pillars);
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  gh = http.createServer(github);
  await new Promise<void>((r) => gh.listen(0, '127.0.0.1', r));
  ghUrl = `http://127.0.0.1:${(gh.address() as AddressInfo).port}`;
  hub.config.server.publicUrl = base;
  hub.config.github.apiUrl = `${ghUrl}/api`;
  Object.assign(hub.config.auth.oidc, { preset: 'github', issuer: ghUrl, clientId: 'gh-client', clientSecret: SECRET });
  hub.config.auth.teams = [{ name: 'pay', repos: ['acme/payments-*'], members: [], groups: ['acme/payments'] }];
}, 300_000);

afterAll(async () => {
  await app?.close();
  await new Promise((r) => gh?.close(r));
  await hub?.close();
});

describe('sign-in with the GitHub preset', () => {
  it('signs in with code + PKCE; the user is the login, teams come as org/team', async () => {
    const r = await browse(`${base}/auth/login?return=/`, 'octocat');
    expect(r.url).toBe(`${base}/`);
    const cookie = r.jar.get(base, 'ci_intel_session');
    expect(cookie).toBeTruthy();
    const me = (await (await fetch(`${base}/auth/me`, { headers: { cookie: `ci_intel_session=${cookie}` } })).json()) as Record<string, unknown>;
    expect(me).toMatchObject({ signed_in: true, name: 'The Octocat', teams: ['pay'] });
    expect(tokenRequests).toBe(1);
  });

  it('a sign-in completes once: its callback replayed is refused', async () => {
    const start = await fetch(`${base}/auth/login`, { redirect: 'manual' });
    const state = start.headers
      .getSetCookie()
      .find((c) => c.startsWith('ci_intel_login='))!
      .split(';')[0]!;
    const back = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const callback = back.headers.get('location')!;
    const first = await fetch(callback, { headers: { cookie: state }, redirect: 'manual' });
    expect(first.status).toBe(302);
    const again = await fetch(callback, { headers: { cookie: state }, redirect: 'manual' });
    expect(again.status).toBe(401);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('E_SIGN_IN_FAILED');
  });
});
