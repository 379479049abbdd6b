// Token administration across tenants: an admin token limited to some repositories can neither
// mint a wider token nor see or revoke another tenant's tokens (hardening: admin escalation).
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createApp } from './app.js';
import { createToken } from '../core/tokens.js';
import { describeEachStore, type TestHub } from '../../test/support/stores.js';

describeEachStore('token administration across tenants', (get) => {
  let app: FastifyInstance;
  let hub: TestHub;
  let adminA: string;
  let tokenB: { token: string; token_id: string };
  beforeAll(async () => {
    hub = get();
    app = await createApp(hub, []);
    adminA = (await createToken(hub.db, { repoPatterns: ['org-a/*'], scopes: ['admin'], expiresAt: null })).token;
    tokenB = await createToken(hub.db, { repoPatterns: ['org-b/**'], scopes: ['read', 'ingest'], expiresAt: null });
  });
  afterAll(async () => app?.close());
  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, token: string, payload?: unknown) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload: payload as object } : {}) });

  it("refuses to mint a token for repositories outside the caller's own", async () => {
    for (const repo of [['**'], ['org-b/*'], ['*/*'], ['org-a/**'], ['org-a/*', 'org-b/app']]) {
      const r = await call('POST', '/api/v1/tokens', adminA, { repo, scope: 'read' });
      expect(r.statusCode, repo.join(',')).toBe(403);
      expect(r.json().error.code).toBe('E_FORBIDDEN_GRANT');
    }
    const ok = await call('POST', '/api/v1/tokens', adminA, { repo: ['org-a/app', 'org-a/svc-*'], scope: 'read,ingest' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().token).toMatch(/^cit_/);
  });

  it("lists and revokes only the tokens within the caller's repositories", async () => {
    const list = await call('GET', '/api/v1/tokens', adminA);
    expect(list.statusCode).toBe(200);
    const patterns = list.json().items.map((t: { repo_patterns: string[] }) => t.repo_patterns.join(','));
    expect(patterns).not.toContain('org-b/**');
    expect(patterns).toContain('org-a/app,org-a/svc-*');
    const revoke = await call('DELETE', `/api/v1/tokens/${tokenB.token_id}`, adminA);
    expect(revoke.statusCode).toBe(404);
    expect(revoke.body).not.toContain('org-b');
    // The other tenant's token still works.
    const runs = await call('GET', '/api/v1/runs', tokenB.token);
    expect(runs.statusCode).toBe(200);
  });

  it('answers 400, not 500, to an expiry no one means', async () => {
    for (const expires of ['99999999999d', '1e400d', 'soon']) {
      const r = await call('POST', '/api/v1/tokens', adminA, { repo: ['org-a/app'], expires });
      expect(r.statusCode, expires).toBe(400);
      expect(r.json().error.code).toBe('E_USAGE');
    }
  });
});
