// The four protocols over inject(): what each client sends (paths, headers and bodies as turbo
// 2.11, Bazel, Gradle 4.4.1 and ccache 4.7.5 send them — see clients.test.ts for the clients
// themselves), auth per namespace, path traversal, the upload cap.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestCache, storeDir, type TestCache } from './fixtures/harness.js';
import { ccacheRef } from './protocols/ccache.js';

const TOKEN = 'all-namespaces-token';
const TEAM_A = 'team-a-only-token';
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });

describe('cache protocols', () => {
  let c: TestCache;
  beforeAll(async () => {
    c = await openTestCache({ token: [TOKEN, `team-a=${TEAM_A}`] });
  });
  afterAll(async () => c?.close());

  const inject = (o: { method: string; url: string; payload?: string | Buffer; headers?: Record<string, string> }) =>
    c.app.inject({
      ...o,
      headers: { ...bearer(TOKEN), ...(o.payload !== undefined ? { 'content-type': 'application/octet-stream' } : {}), ...o.headers },
    } as never);

  describe('turbo /v8', () => {
    it('stores an artifact and sends it back with x-artifact-duration and x-artifact-tag', async () => {
      const body = randomBytes(3000);
      const put = await inject({
        method: 'PUT',
        url: '/v8/artifacts/c0b2c746199fc358?slug=myteam',
        payload: body,
        headers: { 'x-artifact-duration': '675', 'x-artifact-tag': 'turbo-hmac-tag==' },
      });
      expect(put.statusCode).toBe(202);
      expect(put.json()).toEqual({ urls: ['myteam/c0b2c746199fc358'] });

      const get = await inject({ method: 'GET', url: '/v8/artifacts/c0b2c746199fc358?slug=myteam' });
      expect(get.statusCode).toBe(200);
      expect(get.rawPayload.equals(body)).toBe(true);
      expect(get.headers['x-artifact-duration']).toBe('675');
      expect(get.headers['x-artifact-tag']).toBe('turbo-hmac-tag==');
      expect(get.headers['content-type']).toBe('application/octet-stream');

      const head = await inject({ method: 'HEAD', url: '/v8/artifacts/c0b2c746199fc358?teamId=myteam' });
      expect(head.statusCode).toBe(200);
      expect(head.headers['content-length']).toBe('3000');
      expect(head.headers['x-artifact-duration']).toBe('675');

      // Another team's namespace does not see it.
      const other = await inject({ method: 'GET', url: '/v8/artifacts/c0b2c746199fc358?slug=otherteam' });
      expect(other.statusCode).toBe(404);
    });

    it('answers status, the batch query and the client events', async () => {
      const st = await inject({ method: 'GET', url: '/v8/artifacts/status?slug=myteam' });
      expect(st.json()).toEqual({ status: 'enabled' });
      const q = await inject({
        method: 'POST',
        url: '/v8/artifacts?slug=myteam',
        payload: JSON.stringify({ hashes: ['c0b2c746199fc358', 'ffffffffffffffff'] }),
        headers: { 'content-type': 'application/json' },
      });
      expect(q.statusCode).toBe(200);
      expect(q.json()).toEqual({ c0b2c746199fc358: { size: 3000, taskDurationMs: 675, tag: 'turbo-hmac-tag==' }, ffffffffffffffff: null });
      const bad = await inject({ method: 'POST', url: '/v8/artifacts?slug=myteam', payload: '{"hashes": 3}', headers: { 'content-type': 'application/json' } });
      expect(bad.statusCode).toBe(400);
      const before = c.server.counters.turboTimeSavedMs;
      const ev = await inject({
        method: 'POST',
        url: '/v8/artifacts/events?slug=myteam',
        payload: JSON.stringify([
          { sessionId: 's', source: 'REMOTE', event: 'HIT', hash: 'c0b2c746199fc358', duration: 675 },
          { sessionId: 's', source: 'LOCAL', event: 'HIT', hash: 'x', duration: 100 },
        ]),
        headers: { 'content-type': 'application/json' },
      });
      expect(ev.statusCode).toBe(200);
      expect(c.server.counters.turboTimeSavedMs - before).toBe(675);
    });

    it('refuses a malformed duration and an unsafe hash', async () => {
      const r = await inject({ method: 'PUT', url: '/v8/artifacts/abc?slug=t', payload: 'x', headers: { 'x-artifact-duration': '-5' } });
      expect(r.statusCode).toBe(400);
      const t = await inject({ method: 'GET', url: '/v8/artifacts/..%2F..%2Fetc%2Fpasswd?slug=t' });
      expect(t.statusCode).toBe(400);
      expect(t.json().error.code).toBe('E_PATH_TRAVERSAL');
      const ns = await inject({ method: 'GET', url: '/v8/artifacts/abc?slug=..' });
      expect(ns.statusCode).toBe(400);
    });
  });

  describe('bazel /ac and /cas', () => {
    it('stores a CAS blob under its SHA-256 and refuses one that does not hash to its key', async () => {
      const body = Buffer.from('bazel content blob\n');
      const sha = createHash('sha256').update(body).digest('hex');
      expect((await inject({ method: 'PUT', url: `/cas/${sha}`, payload: body })).statusCode).toBe(200);
      const get = await inject({ method: 'GET', url: `/cas/${sha}` });
      expect(get.statusCode).toBe(200);
      expect(get.rawPayload.equals(body)).toBe(true);

      const wrong = 'a'.repeat(64);
      const bad = await inject({ method: 'PUT', url: `/cas/${wrong}`, payload: body });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('E_CACHE_DIGEST_MISMATCH');
      expect((await inject({ method: 'GET', url: `/cas/${wrong}` })).statusCode).toBe(404);
      // Nothing was left in the staging folder either.
      expect(readdirSync(path.join(storeDir(c), 'tmp')).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
    });

    it('stores action results, per namespace under /bazel/:ns', async () => {
      const key = createHash('sha256').update('action').digest('hex');
      const ac = Buffer.from([0x0a, 0x03, 0x01, 0x02, 0x03]);
      expect((await inject({ method: 'PUT', url: `/bazel/ci-linux/ac/${key}`, payload: ac })).statusCode).toBe(200);
      expect((await inject({ method: 'GET', url: `/bazel/ci-linux/ac/${key}` })).rawPayload.equals(ac)).toBe(true);
      expect((await inject({ method: 'GET', url: `/ac/${key}` })).statusCode).toBe(404);
      expect((await inject({ method: 'HEAD', url: `/bazel/ci-linux/ac/${key}` })).statusCode).toBe(200);
      expect((await inject({ method: 'GET', url: `/ac/not-a-sha` })).statusCode).toBe(400);
    });
  });

  describe('gradle /cache', () => {
    it('stores and serves entries; a 401 carries the Basic challenge Gradle needs before it sends credentials', async () => {
      const body = randomBytes(797);
      const put = await inject({
        method: 'PUT',
        url: '/cache/0424f67fefb9c549d3df1495f0963b94',
        payload: body,
        headers: { ...basic('u', TOKEN), 'content-type': 'application/vnd.gradle.build-cache-artifact.v1' },
      });
      expect(put.statusCode).toBe(200);
      const get = await inject({ method: 'GET', url: '/cache/0424f67fefb9c549d3df1495f0963b94', headers: basic('u', TOKEN) });
      expect(get.rawPayload.equals(body)).toBe(true);
      const anon = await c.app.inject({ method: 'GET', url: '/cache/0424f67fefb9c549d3df1495f0963b94' });
      expect(anon.statusCode).toBe(401);
      expect(anon.headers['www-authenticate']).toMatch(/^Basic realm=/);
      expect((await inject({ method: 'GET', url: '/gradle/android/0424f67fefb9c549d3df1495f0963b94' })).statusCode).toBe(404);
    });
  });

  describe('ccache /ccache', () => {
    it('maps the three layouts (subdirs and flat are one entry, bazel apart) with and without a namespace', () => {
      expect(ccacheRef('4d/7akuu12pqg5l3n8scba4tpo4qcidrbg')).toEqual({ protocol: 'ccache', namespace: 'default', key: '4d7akuu12pqg5l3n8scba4tpo4qcidrbg' });
      expect(ccacheRef('4d7akuu12pqg5l3n8scba4tpo4qcidrbg')).toEqual({ protocol: 'ccache', namespace: 'default', key: '4d7akuu12pqg5l3n8scba4tpo4qcidrbg' });
      const hex = '4d7aa7bc1167502d4774718b513b9c134c9376b84d7aa7bc1167502d4774718b';
      expect(ccacheRef(`ac/${hex}`)).toEqual({ protocol: 'ccache', namespace: 'default', key: `ac/${hex}` });
      expect(ccacheRef('team-x/4d/7akuu')).toEqual({ protocol: 'ccache', namespace: 'team-x', key: '4d7akuu' });
      expect(ccacheRef('team-x/4d7akuu')).toEqual({ protocol: 'ccache', namespace: 'team-x', key: '4d7akuu' });
      expect(ccacheRef(`team-x/ac/${hex}`)).toEqual({ protocol: 'ccache', namespace: 'team-x', key: `ac/${hex}` });
      for (const bad of ['', '../etc/passwd', 'a/../b', 'ab/cd/ef/gh', 'x/4d/7a', 'team-x/abc/def', 'team-x//k', 'k\\x', 'ns/.']) {
        expect(() => ccacheRef(bad), bad).toThrow(/invalid ccache path|invalid cache/);
      }
    });

    it('serves GET/PUT/HEAD/DELETE with the token as the basic-auth password', async () => {
      const body = randomBytes(427);
      const auth = basic('ci', TOKEN);
      expect((await inject({ method: 'PUT', url: '/ccache/ae/c8aiq5frsd7ctaaepqbvl8shkb4kcjc', payload: body, headers: auth })).statusCode).toBe(200);
      const flat = await inject({ method: 'GET', url: '/ccache/aec8aiq5frsd7ctaaepqbvl8shkb4kcjc', headers: auth });
      expect(flat.statusCode).toBe(200);
      expect(flat.rawPayload.equals(body)).toBe(true);
      expect((await inject({ method: 'HEAD', url: '/ccache/ae/c8aiq5frsd7ctaaepqbvl8shkb4kcjc', headers: auth })).statusCode).toBe(200);
      expect((await inject({ method: 'DELETE', url: '/ccache/ae/c8aiq5frsd7ctaaepqbvl8shkb4kcjc', headers: auth })).statusCode).toBe(200);
      expect((await inject({ method: 'GET', url: '/ccache/ae/c8aiq5frsd7ctaaepqbvl8shkb4kcjc', headers: auth })).statusCode).toBe(404);
      expect((await inject({ method: 'DELETE', url: '/ccache/ae/c8aiq5frsd7ctaaepqbvl8shkb4kcjc', headers: auth })).statusCode).toBe(404);
    });

    it('refuses path traversal, raw and percent-encoded, over a real socket (no URL normalization on the way)', async () => {
      const base = new URL(await c.listen());
      const raw = (method: string, p: string) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = http.request({ host: base.hostname, port: base.port, method, path: p, headers: bearer(TOKEN) }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode!, body }));
          });
          req.on('error', reject);
          req.end(method === 'PUT' ? 'payload' : undefined);
        });
      for (const p of [
        '/ccache/../../etc/passwd',
        '/ccache/%2e%2e/%2e%2e/etc/passwd',
        '/ccache/ab/..',
        '/ccache/ab%5c..%5cx',
        '/ccache/ab/c%00d',
        '/cache/..%2f..%2fetc%2fpasswd',
        '/gradle/%2e%2e/key',
      ]) {
        for (const method of ['GET', 'PUT']) {
          const r = await raw(method, p);
          expect(r.status, `${method} ${p}`).toBe(400);
          expect(JSON.parse(r.body).error.code, `${method} ${p}`).toBe('E_PATH_TRAVERSAL');
        }
      }
      // Nothing was written outside the store.
      expect(readdirSync(c.dir).sort()).toEqual(['store']);
    });
  });

  describe('tokens per namespace', () => {
    it('401 without or with an unknown token, 403 with a token for another namespace, 2xx for its own', async () => {
      const none = await c.app.inject({ method: 'GET', url: '/v8/artifacts/abc?slug=team-a' });
      expect(none.statusCode).toBe(401);
      expect(none.json().error.code).toBe('E_AUTH_REQUIRED');
      const unknown = await c.app.inject({ method: 'GET', url: '/v8/artifacts/abc?slug=team-a', headers: bearer('not-a-token-at-all') });
      expect(unknown.statusCode).toBe(401);
      const other = await c.app.inject({ method: 'GET', url: '/v8/artifacts/abc?slug=team-b', headers: bearer(TEAM_A) });
      expect(other.statusCode).toBe(403);
      expect(other.json().error.code).toBe('E_CACHE_FORBIDDEN_NAMESPACE');
      const own = await c.app.inject({
        method: 'PUT',
        url: '/v8/artifacts/abc?slug=team-a',
        payload: 'hello',
        headers: { ...bearer(TEAM_A), 'content-type': 'application/octet-stream' },
      });
      expect(own.statusCode).toBe(202);
      const ccache = await c.app.inject({ method: 'GET', url: '/ccache/team-a/ab/cdef', headers: basic('anyone', TEAM_A) });
      expect(ccache.statusCode).toBe(404);
      const ccacheOther = await c.app.inject({ method: 'GET', url: '/ccache/ab/cdef', headers: basic('anyone', TEAM_A) });
      expect(ccacheOther.statusCode).toBe(403);
    });
  });

  describe('upload cap', () => {
    let small: TestCache;
    beforeAll(async () => {
      small = await openTestCache({ uploadMax: '64KiB' });
    });
    afterAll(async () => small?.close());

    it('answers 413 from Content-Length before reading, and mid-stream for a chunked body; nothing is stored', async () => {
      const big = randomBytes(100 * 1024);
      const r = await small.app.inject({ method: 'PUT', url: '/cache/k1', payload: big, headers: { 'content-type': 'application/octet-stream' } });
      expect(r.statusCode).toBe(413);
      expect(r.json().error.code).toBe('E_BODY_TOO_LARGE');
      const url = await small.listen();
      const chunked = await fetch(`${url}/cache/k2`, {
        method: 'PUT',
        body: new ReadableStream({
          start(ctl) {
            for (let i = 0; i < 10; i++) ctl.enqueue(randomBytes(16 * 1024));
            ctl.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      expect(chunked.status).toBe(413);
      expect((await small.app.inject({ method: 'GET', url: '/cache/k1' })).statusCode).toBe(404);
      expect((await small.app.inject({ method: 'GET', url: '/cache/k2' })).statusCode).toBe(404);
      expect(readdirSync(path.join(storeDir(small), 'tmp')).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
    });
  });
});
