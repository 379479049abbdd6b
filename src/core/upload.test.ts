// The agent-upload helper end to end against a real hub listening on a socket (sources issue
// item 5): retries, the idempotency key (a retry whose first answer was lost is not applied
// twice), and clear errors when the hub is unreachable or refuses.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createToken } from './tokens.js';
import { synthesize } from './synth/generate.js';
import { uploadToHub, type HubTarget } from './upload.js';
import { CiError } from './errors.js';
import { describeEachStore, type TestHub } from '../../test/support/stores.js';
import { freePort } from '../../test/support/postgres.js';
import { createApp } from '../../test/support/assembled.js';

const records = synthesize({ repos: 1, days: 1, runsPerDay: 6, seed: 5, end: new Date('2026-06-01T00:00:00Z') }).records;
const ndjson = (rs: unknown[]) => rs.map((r) => JSON.stringify(r)).join('\n') + '\n';

/**
 * A TCP proxy in front of the hub. `dropAnswers` first connections reach the hub, but their answer
 * is thrown away and the connection cut — the request was applied, the client never heard back.
 */
async function lossyProxy(target: number, dropAnswers: number): Promise<{ port: number; close(): void; connections: number }> {
  const state = { connections: 0 };
  const server = net.createServer((client) => {
    const n = ++state.connections;
    const upstream = net.connect(target, '127.0.0.1');
    client.pipe(upstream);
    if (n <= dropAnswers)
      upstream.once('data', () => {
        client.destroy();
        upstream.destroy();
      });
    else upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => server.close(),
    get connections() {
      return state.connections;
    },
  };
}

describeEachStore('agent uploads against a real hub', (get) => {
  let app: FastifyInstance;
  let hub: TestHub;
  let port: number;
  let token: string;
  beforeAll(async () => {
    hub = get();
    app = await createApp(hub, []);
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
    token = (await createToken(hub.db, { repoPatterns: ['**'], scopes: ['ingest', 'read'], expiresAt: null })).token;
  });
  afterAll(async () => app?.close());

  const loads = async () => (await hub.db.selectFrom('ingest_loads').select('load_id').execute()).length;

  it('uploads, gzip included, and reports the attempts', async () => {
    const before = await loads();
    const res = await uploadToHub(
      { url: `http://127.0.0.1:${port}`, token },
      { path: '/api/v1/runs', body: ndjson(records.slice(0, 2)), contentType: 'application/x-ndjson', gzip: true },
    );
    expect(res).toMatchObject({ status: 200, attempts: 1, body: { accepted: 2 } });
    expect(await loads()).toBe(before + 1);
  });

  it('retries when the answer is lost, and the hub applies the upload once (Idempotency-Key)', async () => {
    const proxy = await lossyProxy(port, 1);
    try {
      const before = await loads();
      const target: HubTarget = { url: `http://127.0.0.1:${proxy.port}`, token };
      const res = await uploadToHub(target, { path: '/api/v1/runs', body: ndjson(records.slice(2, 4)), contentType: 'application/x-ndjson', backoffMs: 20 });
      expect(proxy.connections).toBe(2);
      expect(res.attempts).toBe(2);
      expect(res.body).toMatchObject({ accepted: 2, replaced: 0 }); // the first request's answer, replayed
      expect(await loads()).toBe(before + 1);
    } finally {
      proxy.close();
    }
  });

  it('without the key the same lost answer would have applied the upload twice (the control case)', async () => {
    const proxy = await lossyProxy(port, 1);
    try {
      const before = await loads();
      // Two plain POSTs with different keys: what a client without idempotency does on retry.
      const target: HubTarget = { url: `http://127.0.0.1:${proxy.port}`, token };
      await expect(
        uploadToHub(target, { path: '/api/v1/runs', body: ndjson(records.slice(4, 5)), contentType: 'application/x-ndjson', retries: 0 }),
      ).rejects.toThrow(CiError);
      await uploadToHub(target, { path: '/api/v1/runs', body: ndjson(records.slice(4, 5)), contentType: 'application/x-ndjson', retries: 0 });
      expect(await loads()).toBe(before + 2);
    } finally {
      proxy.close();
    }
  });

  it('answers 409 to a retry while the first request with its key is still running, then replays the answer', async () => {
    const key = `key-${Date.now()}`;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson', 'idempotency-key': key };
    // The first request sends its headers and half its body, then waits.
    const first = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/runs', headers });
    const firstAnswer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      first.on('response', (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: b }));
      });
      first.on('error', reject);
    });
    const body = ndjson([records[5]]);
    first.write(body.slice(0, 10));
    // Wait until the hub has claimed the key.
    for (let i = 0; i < 200 && !(await hub.db.selectFrom('idempotency_keys').select('id').where('status', 'is', null).executeTakeFirst()); i++)
      await new Promise((r) => setTimeout(r, 10));
    const second = await fetch(`http://127.0.0.1:${port}/api/v1/runs`, { method: 'POST', headers, body });
    expect(second.status).toBe(409);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('E_IDEMPOTENCY_IN_PROGRESS');
    expect(second.headers.get('retry-after')).toBe('2');
    first.end(body.slice(10));
    const done = await firstAnswer;
    expect(done.status).toBe(200);
    const third = await fetch(`http://127.0.0.1:${port}/api/v1/runs`, { method: 'POST', headers, body });
    expect(third.status).toBe(200);
    expect(third.headers.get('idempotent-replayed')).toBe('true');
    expect(await third.text()).toBe(done.body);
  });

  it('fails clearly when the hub is unreachable, after its retries', async () => {
    const closed = await freePort();
    const err = await uploadToHub(
      { url: `http://127.0.0.1:${closed}`, token },
      { path: '/api/v1/runs', body: 'x', contentType: 'application/x-ndjson', retries: 2, backoffMs: 5 },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(CiError);
    expect(err.code).toBe('E_HUB_UNREACHABLE');
    expect(err.message).toBe(`cannot reach the hub at http://127.0.0.1:${closed} after 3 attempts (ECONNREFUSED)`);
    expect(err.hint).toMatch(/the analysis above is complete/);
  });

  it("does not retry a refusal and passes on the hub's code and hint", async () => {
    const err = await uploadToHub(
      { url: `http://127.0.0.1:${port}`, token: 'cit_wrong' },
      { path: '/api/v1/runs', body: ndjson(records.slice(0, 1)), contentType: 'application/x-ndjson', backoffMs: 5 },
    ).catch((e) => e);
    expect(err.code).toBe('E_HUB_REJECTED');
    expect(err.message).toMatch(/^the hub answered 401 E_AUTH_REQUIRED/);
    expect(err.details.status).toBe(401);
  });
});
