import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { createApp } from './app.js';
import { createToken } from '../core/tokens.js';
import { synthesize } from '../core/synth/generate.js';
import { describeEachStore, type TestHub } from '../../test/support/stores.js';
import type { PipelineRun } from '../core/contract/index.js';

const END = new Date('2026-06-01T00:00:00Z');
const records = synthesize({ repos: 3, days: 2, runsPerDay: 5, seed: 11, end: END }).records;
const ndjson = (rs: unknown[]) => rs.map((r) => JSON.stringify(r)).join('\n') + '\n';

describeEachStore('HTTP API', (get) => {
  let app: FastifyInstance;
  let hub: TestHub;
  let ingestAll: string;
  let readOrg: string;
  beforeAll(async () => {
    hub = get();
    app = await createApp(hub, []);
    ingestAll = (await createToken(hub.db, { repoPatterns: ['**'], scopes: ['ingest', 'read'], expiresAt: null })).token;
    readOrg = (await createToken(hub.db, { repoPatterns: [records[0]!.repo.split('/')[0] + '/*'], scopes: ['read'], expiresAt: null })).token;
  });
  afterAll(async () => app?.close());

  const post = (body: string | Buffer, token: string | null, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/runs',
      payload: body,
      headers: { 'content-type': 'application/x-ndjson', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    });

  it('ingests NDJSON and answers accepted/replaced/rejected', async () => {
    const bad = '{"schema":"pipeline_run.v1.2"';
    const res = await post(ndjson(records.slice(0, 10)) + bad + '\n\n' + JSON.stringify({ ...records[10], status: 'green' }) + '\n', ingestAll);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.accepted).toBe(10);
    expect(body.replaced).toBe(0);
    expect(body.rejected).toEqual([
      { line: 11, pointer: '', reason: 'malformed JSON at column 30: unexpected end of input', code: 'E_JSON_MALFORMED' },
      { line: 13, pointer: '/status', reason: 'must be one of "success", "failed", "canceled", "skipped"', code: 'E_CONTRACT_INVALID' },
    ]);
    const again = await post(ndjson(records.slice(0, 3)), ingestAll);
    expect(again.json()).toMatchObject({ accepted: 3, replaced: 3, rejected: [] });
  });

  it('accepts gzip and refuses a gzip bomb at the decompressed cap, keeping what came before', async () => {
    const ok = await post(gzipSync(ndjson(records.slice(10, 20))), ingestAll, { 'content-encoding': 'gzip' });
    expect(ok.json()).toMatchObject({ accepted: 10, rejected: [] });
    hub.config.ingest.maxBodyBytes = 4 * 1024 * 1024;
    try {
      const bomb = gzipSync(Buffer.concat([Buffer.from(ndjson(records.slice(20, 22))), Buffer.alloc(64 * 1024 * 1024, 0x20)]));
      expect(bomb.length).toBeLessThan(200_000);
      const res = await post(bomb, ingestAll, { 'content-encoding': 'gzip' });
      expect(res.statusCode).toBe(413);
      expect(res.json().error.code).toBe('E_BODY_TOO_LARGE');
      expect(res.json().error.details.accepted).toBe(2);
      const stored = await hub.db
        .selectFrom('runs')
        .select('run_id')
        .where(
          'run_id',
          'in',
          records.slice(20, 22).map((r) => r.run_id),
        )
        .execute();
      expect(stored).toHaveLength(2);
    } finally {
      hub.config.ingest.maxBodyBytes = 1024 * 1024 * 1024;
    }
  });

  it('rejects a corrupt gzip body, an unknown encoding and an empty body', async () => {
    const corrupt = await post(Buffer.from('not gzip at all'), ingestAll, { 'content-encoding': 'gzip' });
    expect(corrupt.statusCode).toBe(400);
    expect(corrupt.json().error.code).toBe('E_GZIP_INVALID');
    const br = await post('x', ingestAll, { 'content-encoding': 'br' });
    expect(br.statusCode).toBe(415);
    const empty = await post('', ingestAll);
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe('E_BODY_EMPTY');
  });

  it('rejects a 100 MB single line without losing the good lines around it', async () => {
    const huge = '{"x":"' + 'a'.repeat(100 * 1024 * 1024) + '"}';
    const res = await post(JSON.stringify(records[22]) + '\n' + huge + '\n' + JSON.stringify(records[23]) + '\n', ingestAll);
    expect(res.statusCode).toBe(200);
    expect(res.json().accepted).toBe(2);
    expect(res.json().rejected).toEqual([{ line: 2, pointer: '', reason: expect.stringMatching(/over the 16777216-byte cap/), code: 'E_LINE_TOO_LONG' }]);
  });

  it('answers 400 when nothing is accepted', async () => {
    const res = await post('{}\n[]\n', ingestAll);
    expect(res.statusCode).toBe(400);
    expect(res.json().accepted).toBe(0);
    expect(res.json().rejected).toHaveLength(2);
    expect(res.json().error.code).toBe('E_NOTHING_ACCEPTED');
  });

  it('enforces tokens: missing, unknown, scope, repo, expired, revoked', async () => {
    expect((await post(ndjson(records.slice(0, 1)), null)).statusCode).toBe(401);
    expect((await post(ndjson(records.slice(0, 1)), 'cit_nope')).json().error.code).toBe('E_AUTH_REQUIRED');
    expect((await post(ndjson(records.slice(0, 1)), readOrg)).json().error.code).toBe('E_FORBIDDEN_SCOPE');
    const org = records[0]!.repo.split('/')[0]!;
    const scoped = (await createToken(hub.db, { repoPatterns: [`${org}/*`], scopes: ['ingest'], expiresAt: null })).token;
    const mine = records.find((r) => r.repo.startsWith(org + '/'))!;
    const other = records.find((r) => !r.repo.startsWith(org + '/'))!;
    const mixed = await post(ndjson([mine, other]), scoped);
    expect(mixed.statusCode).toBe(200);
    expect(mixed.json().accepted).toBe(1);
    expect(mixed.json().rejected).toEqual([
      { line: 2, pointer: '/repo', reason: expect.stringContaining('not valid for repository'), code: 'E_FORBIDDEN_REPO' },
    ]);
    const onlyOther = await post(ndjson([other]), scoped);
    expect(onlyOther.statusCode).toBe(403);
    expect(onlyOther.json().error.code).toBe('E_FORBIDDEN_REPO');
    const expired = (await createToken(hub.db, { repoPatterns: ['**'], scopes: ['ingest'], expiresAt: new Date(Date.now() - 1000) })).token;
    expect((await post(ndjson([mine]), expired)).json().error.code).toBe('E_TOKEN_EXPIRED');
    const revoked = await createToken(hub.db, { repoPatterns: ['**'], scopes: ['ingest'], expiresAt: null });
    await hub.db.updateTable('api_tokens').set({ revoked_at: new Date() }).where('token_id', '=', revoked.token_id).execute();
    expect((await post(ndjson([mine]), revoked.token)).json().error.code).toBe('E_TOKEN_REVOKED');
  });

  it("lists runs newest first with keyset paging, filtered to the token's repos", async () => {
    await post(ndjson(records), ingestAll);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { statusCode: number; json(): { items: { run_id: string }[]; next_cursor: string | null } } = await app.inject({
        url: `/api/v1/runs?limit=7${cursor ? `&cursor=${cursor}` : ''}`,
        headers: { authorization: `Bearer ${ingestAll}` },
      });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      seen.push(...body.items.map((i: { run_id: string }) => i.run_id));
      cursor = body.next_cursor;
    } while (cursor);
    const expected = [...records]
      .sort((a, b) => (a.started_at > b.started_at ? -1 : a.started_at < b.started_at ? 1 : a.run_id > b.run_id ? -1 : 1))
      .map((r) => r.run_id);
    expect(seen).toEqual(expected);

    const org = records[0]!.repo.split('/')[0]!;
    const orgOnly = await app.inject({ url: '/api/v1/runs?limit=1000', headers: { authorization: `Bearer ${readOrg}` } });
    const repos = new Set(orgOnly.json().items.map((i: { repo: string }) => i.repo.split('/')[0]));
    expect([...repos]).toEqual([org]);
    const forbidden = await app.inject({
      url: `/api/v1/runs?repo=${records.find((r) => !r.repo.startsWith(org))!.repo}`,
      headers: { authorization: `Bearer ${readOrg}` },
    });
    expect(forbidden.statusCode).toBe(403);
    // A run of a repository the token cannot read answers exactly like a run that does not exist.
    const foreign = records.find((r) => !r.repo.startsWith(org))!;
    const detail = await app.inject({ url: `/api/v1/runs/${foreign.run_id}`, headers: { authorization: `Bearer ${readOrg}` } });
    const missing = await app.inject({ url: `/api/v1/runs/00000000-0000-4000-8000-00000000dead`, headers: { authorization: `Bearer ${readOrg}` } });
    expect(detail.statusCode).toBe(404);
    expect(detail.json().error.code).toBe(missing.json().error.code);
    expect(detail.body).not.toContain(foreign.repo);
  });

  it('GET /api/v1/runs/:id returns the record as sent, the normalized run and analyses', async () => {
    const r = records.find((x) => x.environment === 'prod') ?? records[5]!;
    const res = await app.inject({ url: `/api/v1/runs/${r.run_id}`, headers: { authorization: `Bearer ${ingestAll}` } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.record).toEqual(r);
    expect(body.run.run_id).toBe(r.run_id);
    expect(body.run.jobs).toHaveLength(r.jobs.length);
    expect(body.run.started_at).toBe(new Date(r.started_at).toISOString());
    expect(body.analyses).toEqual({});
    // A record alone names no code host: no links. Once a GitHub webhook has reported the run
    // (provider, its run id, the PR), the run links to them.
    expect(body.links).toBeNull();
    await sql`update runs set provider = 'github', provider_run_id = '77', pr = 5 where run_id = ${r.run_id}`.execute(hub.db);
    const links = (await app.inject({ url: `/api/v1/runs/${r.run_id}`, headers: { authorization: `Bearer ${ingestAll}` } })).json().links;
    expect(links).toEqual({
      ci_run: `https://github.com/${r.repo}/actions/runs/77`,
      commit: `https://github.com/${r.repo}/commit/${r.commit_sha}`,
      pr: `https://github.com/${r.repo}/pull/5`,
    });
    expect((await app.inject({ url: `/api/v1/runs/00000000-0000-4000-8000-000000000000`, headers: { authorization: `Bearer ${ingestAll}` } })).statusCode).toBe(
      404,
    );
    expect((await app.inject({ url: `/api/v1/runs/nope`, headers: { authorization: `Bearer ${ingestAll}` } })).statusCode).toBe(400);
  });

  it('redacts secrets before anything is stored', async () => {
    const secret = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
    const rec: PipelineRun = { ...records[0]!, run_id: '11111111-2222-4333-8444-555555555555', rollback_reason: `token ${secret} leaked`, branch: 'main' };
    expect((await post(ndjson([rec]), ingestAll)).json().accepted).toBe(1);
    const detail = (await app.inject({ url: `/api/v1/runs/${rec.run_id}`, headers: { authorization: `Bearer ${ingestAll}` } })).json();
    expect(JSON.stringify(detail)).not.toContain(secret);
    expect(detail.record.rollback_reason).toBe('token [REDACTED:github-token] leaked');
    // Nothing on disk holds it either.
    const { execFileSync } = await import('node:child_process');
    const { gunzipSync } = await import('node:zlib');
    const { readdirSync, readFileSync, statSync } = await import('node:fs');
    const path = await import('node:path');
    const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(path.join(d, n)).isDirectory() ? walk(path.join(d, n)) : [path.join(d, n)]));
    for (const f of walk(hub.dataDir)) {
      const buf = readFileSync(f);
      const text = f.endsWith('.gz') ? gunzipSync(buf).toString() : buf.toString('latin1');
      expect(text.includes(secret), f).toBe(false);
    }
    void execFileSync;
  });

  it('serves healthz, readyz and an OpenAPI document', async () => {
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ ok: true });
    expect((await app.inject({ url: '/readyz' })).json()).toMatchObject({ ok: true });
    const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/runs', '/api/v1/runs/{id}', '/api/v1/tokens']));
  });

  it('lists the schema registry: each pipeline_run version, the live one with its schema, v1.1 with its deprecation date, the bus events', async () => {
    const r = (await app.inject({ url: '/api/v1/schemas' })).json() as { schemas: Array<Record<string, any>> };
    expect(r.schemas.map((s) => [s.subject, s.version, s.live, s.deprecated_after])).toEqual([
      ['pipeline_run', '1.1.0', false, '2027-06-30'],
      ['pipeline_run', '1.2.0', true, null],
      ['bus_event', '1.0.0', true, null],
      ['budget_override_request', '1.0.0', true, null],
    ]);
    expect(r.schemas[1]!.schema.title).toBe('pipeline_run v1.2');
  });

  it('sends nosniff, no referrer and no-store on API answers and logs', async () => {
    for (const url of ['/api/v1/runs', '/api/v1/openapi.json', '/healthz', '/api/v1/nope']) {
      const r = await app.inject({ url, headers: { authorization: `Bearer ${ingestAll}` } });
      expect(r.headers['x-content-type-options'], url).toBe('nosniff');
      expect(r.headers['referrer-policy'], url).toBe('no-referrer');
      expect(r.headers['cache-control'], url).toBe('no-store');
    }
  });

  it('answers unknown routes with a catalogued 404', async () => {
    const res = await app.inject({ url: '/api/v1/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('E_NOT_FOUND');
  });
});

describe('demo mode', () => {
  it('lets reads through without a token, never writes', async () => {
    const { openTestHub } = await import('../../test/support/stores.js');
    const hub = await openTestHub('pglite', { config: (c) => (c.server.demo = true) });
    const app = await createApp(hub, []);
    try {
      expect((await app.inject({ url: '/api/v1/runs' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'POST', url: '/api/v1/runs', payload: ndjson(records.slice(0, 1)) })).statusCode).toBe(401);
    } finally {
      await app.close();
      await hub.close();
    }
  });
});
