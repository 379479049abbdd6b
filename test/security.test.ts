// Attacks between tenants of one hub, through the public API, on PGlite and on PostgreSQL: a token
// of repository A must neither take, see, pre-create nor poison a run of repository B; secrets
// never reach the store raw; one unstorable line never loses its batch. Each test fails without
// its defence (see docs/SECURITY.md).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../src/server/app.js';
import { synthesize } from '../src/core/synth/generate.js';
import { createToken } from '../src/core/tokens.js';
import { runIdFor } from '../src/core/identity.js';
import { ingestNdjson } from '../src/core/runs/ingest.js';
import { sourcesPillar } from '../src/pillars/sources/index.js';
import { autopsy } from '../src/pillars/autopsy/index.js';
import { testsPillar } from '../src/pillars/test-reports/index.js';
import { describeEachStore, type TestHub } from './support/stores.js';
import { deliverGithub, githubExamples } from './support/webhooks.js';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';

const SECRET = 'webhook-secret-for-the-security-tests';
const END = new Date('2026-06-01T00:00:00Z');
const [base] = synthesize({ repos: 1, days: 1, runsPerDay: 1, seed: 5, end: END }).records;
const record = (over: Record<string, unknown>) => JSON.stringify({ ...base, ...over });

// Made-up credentials in their vendors' formats.
const GH_TOKEN = 'ghp_Zx8Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz0Xcv';
const GH_TOKEN_2 = 'ghp_Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8Ii9Jj0Kk1Ll2M';
const GH_TOKEN_3 = 'ghp_Qq9Ww8Ee7Rr6Tt5Yy4Uu3Ii2Oo1Pp0Aa9Ss8D';
const GH_TOKEN_4 = 'ghp_Mm1Nn2Bb3Vv4Cc5Xx6Zz7Ll8Kk9Jj0Hh1Gg2F';
const URL_PASSWORD = 'Sup3rS3cretPassw0rdX';

/** Every file below `dir`, as bytes joined (the store's files and the blobs). */
function folderBytes(dir: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.size < 256 * 1024 * 1024) parts.push(readFileSync(p));
    }
  };
  walk(dir);
  return Buffer.concat(parts);
}

/** Every row of every table, as text (what a database dump would show). */
async function everyRow(hub: TestHub): Promise<string> {
  const tables = await sql<{
    t: string;
  }>`select table_name as t from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(hub.db);
  const out: string[] = [];
  for (const { t } of tables.rows) {
    const rows = await sql<{ j: string }>`select row_to_json(x)::text as j from ${sql.table(t)} x`.execute(hub.db);
    out.push(...rows.rows.map((r) => r.j));
  }
  return out.join('\n');
}

describeEachStore(
  'tenant isolation',
  (get) => {
    let hub: TestHub;
    let app: FastifyInstance;
    let tokenA: string;
    let tokenB: string;
    const runB = '7d2c3b4a-1111-4aaa-8bbb-000000000b01';
    beforeAll(async () => {
      hub = get();
      app = await createApp(hub, [sourcesPillar, autopsy, testsPillar]);
      tokenA = (await createToken(hub.db, { repoPatterns: ['org-a/*'], scopes: ['ingest', 'read'], expiresAt: null })).token;
      tokenB = (await createToken(hub.db, { repoPatterns: ['org-b/*'], scopes: ['ingest', 'read'], expiresAt: null })).token;
    });
    afterAll(async () => app?.close());

    const post = (body: string, token: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/runs',
        payload: body + '\n',
        headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${token}` },
      });
    const uploadLog = (runId: string, job: string, token: string, headers: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url: `/api/v1/runs/${runId}/jobs/${job}/logs?failed=true`,
        payload: 'npm ERR! code E404\n',
        headers: { 'content-type': 'text/plain', authorization: `Bearer ${token}`, ...headers },
      });

    it("a record cannot move another repository's run into its own (run takeover)", async () => {
      expect((await post(record({ run_id: runB, repo: 'org-b/app' }), tokenB)).json()).toMatchObject({ accepted: 1 });
      expect((await uploadLog(runB, 'build', tokenB)).statusCode).toBe(200);
      const attack = await post(record({ run_id: runB, repo: 'org-a/x', branch: 'taken' }), tokenA);
      expect(attack.statusCode).toBe(400);
      expect(attack.json().error.code).toBe('E_NOTHING_ACCEPTED');
      expect(attack.json().rejected).toEqual([
        { line: 1, pointer: '/run_id', reason: `run id ${runB} belongs to a run of another repository`, code: 'E_RUN_OTHER_REPO' },
      ]);
      expect(attack.body).not.toContain('org-b');
      // The run stays B's; A sees nothing of it, B sees it whole.
      for (const url of [`/api/v1/runs/${runB}`, `/api/v1/runs/${runB}/jobs/build/logs`]) {
        const r = await app.inject({ url, headers: { authorization: `Bearer ${tokenA}` } });
        expect(r.statusCode, url).toBe(404);
        expect(r.body).not.toContain('org-b');
      }
      const own = await app.inject({ url: `/api/v1/runs/${runB}`, headers: { authorization: `Bearer ${tokenB}` } });
      expect(own.json().run).toMatchObject({ repo: 'org-b/app', branch: base!.branch });
      // Without a token (the local CLI), the same record is refused too.
      const cli = await ingestNdjson(hub, Readable.from([record({ run_id: runB, repo: 'org-a/x' })]), { source: 'cli' });
      expect(cli.rejected.map((r) => r.code)).toEqual(['E_RUN_OTHER_REPO']);
      expect((await hub.db.selectFrom('runs').select('repo').where('run_id', '=', runB).executeTakeFirstOrThrow()).repo).toBe('org-b/app');
    });

    it("an upload cannot pre-create another repository's future run (run-id squatting)", async () => {
      const future = runIdFor('github', 'org-b/app', 4242, 1);
      const bare = await uploadLog(future, 'build', tokenA, { 'x-ci-intel-repo': 'org-a/x' });
      expect(bare.statusCode).toBe(403);
      expect(bare.json().error.code).toBe('E_RUN_ID_UNPROVEN');
      const lying = await uploadLog(future, 'build', tokenA, {
        'x-ci-intel-repo': 'org-a/x',
        'x-ci-intel-provider': 'github',
        'x-ci-intel-provider-run': '4242',
        'x-ci-intel-attempt': '1',
      });
      expect(lying.statusCode).toBe(403);
      expect(await hub.db.selectFrom('runs').select('run_id').where('run_id', '=', future).executeTakeFirst()).toBeUndefined();
      // B's own agent, in its CI, creates it.
      const own = await uploadLog(future, 'build', tokenB, {
        'x-ci-intel-repo': 'org-b/app',
        'x-ci-intel-provider': 'github',
        'x-ci-intel-provider-run': '4242',
        'x-ci-intel-attempt': '1',
      });
      expect(own.statusCode).toBe(200);
    });

    it("a webhook never merges into a run held by another repository: the provider's run replaces it", async () => {
      const [, completed] = githubExamples('workflow_run');
      const payload = structuredClone(completed!) as Record<string, any>;
      payload.repository.full_name = 'org-b/hooked';
      payload.workflow_run.id = 777001;
      payload.workflow_run.run_attempt = 1;
      const id = runIdFor('github', 'org-b/hooked', 777001, 1);
      // A squats the id with a record of its own and attaches a log to it.
      expect((await post(record({ run_id: id, repo: 'org-a/x' }), tokenA)).json()).toMatchObject({ accepted: 1 });
      expect((await uploadLog(id, 'poison', tokenA)).statusCode).toBe(200);
      expect((await deliverGithub(app, SECRET, 'workflow_run', payload)).statusCode).toBe(202);
      await hub.bus.drain();
      const run = await hub.db.selectFrom('runs').selectAll().where('run_id', '=', id).executeTakeFirstOrThrow();
      expect(run).toMatchObject({ repo: 'org-b/hooked', source: 'github' });
      // Nothing A attached came along.
      const logs = await app.inject({ url: `/api/v1/runs/${id}/jobs/poison/logs`, headers: { authorization: `Bearer ${tokenB}` } });
      expect(logs.statusCode).toBe(404);
      expect((await app.inject({ url: `/api/v1/runs/${id}`, headers: { authorization: `Bearer ${tokenA}` } })).statusCode).toBe(404);
    });

    it('secrets never reach the store, the blobs or the API raw', async () => {
      const run = '7d2c3b4a-2222-4aaa-8bbb-000000000b02';
      const line = record({
        run_id: run,
        repo: 'org-b/app',
        branch: `feature/${GH_TOKEN}`,
        sbom_uri: `https://ci:${URL_PASSWORD}@registry.example.com/sbom.json`,
        jobs: [{ ...base!.jobs[0]!, name: `deploy ${GH_TOKEN_2}`, matrix: { [GH_TOKEN_3]: 'x' } }],
      });
      const res = await post(line, tokenB);
      expect(res.json()).toMatchObject({ accepted: 1, rejected: [] });
      // An upload that creates a stub, with a token in its branch header and its job id.
      const stub = '7d2c3b4a-3333-4aaa-8bbb-000000000b03';
      expect((await uploadLog(stub, GH_TOKEN_4, tokenB, { 'x-ci-intel-repo': 'org-b/app', 'x-ci-intel-branch': `fix/${GH_TOKEN}` })).statusCode).toBe(200);
      const owners = await app.inject({
        method: 'PUT',
        url: '/api/v1/tests/codeowners?repo=org-b/app',
        payload: `# token ${GH_TOKEN_2}\n* @org-b/team\n`,
        headers: { 'content-type': 'text/plain', authorization: `Bearer ${tokenB}` },
      });
      expect(owners.statusCode).toBe(200);
      const api = [
        (await app.inject({ url: `/api/v1/runs/${run}`, headers: { authorization: `Bearer ${tokenB}` } })).body,
        (await app.inject({ url: `/api/v1/runs/${stub}`, headers: { authorization: `Bearer ${tokenB}` } })).body,
        (await app.inject({ url: '/api/v1/runs?limit=100', headers: { authorization: `Bearer ${tokenB}` } })).body,
      ].join('\n');
      const rows = await everyRow(hub);
      const files = folderBytes(hub.dataDir);
      for (const secret of [GH_TOKEN, GH_TOKEN_2, GH_TOKEN_3, GH_TOKEN_4, URL_PASSWORD]) {
        expect(api, secret).not.toContain(secret);
        expect(rows, secret).not.toContain(secret);
        expect(files.includes(secret), `${secret} in the data folder`).toBe(false);
      }
      // The redacted values are stored (nothing fell back to the raw record).
      const stored = await hub.db.selectFrom('runs').select(['branch', 'sbom_uri']).where('run_id', '=', run).executeTakeFirstOrThrow();
      expect(stored.branch).toBe('feature/[REDACTED:github-token]');
      expect(stored.sbom_uri).toContain('[REDACTED:url-password]');
    });

    it('one unstorable line is refused alone, with its place; the rest of the batch is stored', async () => {
      const good = '7d2c3b4a-4444-4aaa-8bbb-000000000b04';
      const body = [
        record({ run_id: good, repo: 'org-b/app' }),
        record({ run_id: '7d2c3b4a-5555-4aaa-8bbb-000000000b05', repo: 'org-b/app', branch: 'main\u0000x' }),
        record({ run_id: '7d2c3b4a-6666-4aaa-8bbb-000000000b06', repo: 'org-b/app', pr: 99_999_999_999 }),
        record({ run_id: '7d2c3b4a-7777-4aaa-8bbb-000000000b07', repo: 'org-b/app', queue_ms: 1e300 }),
      ].join('\n');
      const res = await post(body, tokenB);
      expect(res.statusCode).toBe(200);
      expect(res.json().accepted).toBe(1);
      expect(res.json().rejected.map((r: { line: number; pointer: string; code: string }) => [r.line, r.pointer, r.code])).toEqual([
        [2, '/branch', 'E_VALUE_UNSTORABLE'],
        [3, '/pr', 'E_VALUE_UNSTORABLE'],
        [4, '/queue_ms', 'E_VALUE_UNSTORABLE'],
      ]);
      expect(await hub.db.selectFrom('runs').select('run_id').where('run_id', '=', good).executeTakeFirst()).toBeDefined();
    });
  },
  { pillars: [sourcesPillar, autopsy, testsPillar], config: (c) => (c.webhooks.githubSecret = SECRET) },
);

describeEachStore(
  'webhook receivers under attack (no token needed to reach them)',
  (get) => {
    let hub: TestHub;
    let app: FastifyInstance;
    beforeAll(async () => {
      hub = get();
      app = await createApp(hub, [sourcesPillar]);
    });
    afterAll(async () => app?.close());
    const deliveries = async () => Number((await sql<{ n: number }>`select count(*)::int8 as n from sources_deliveries`.execute(hub.db)).rows[0]!.n);

    it('refuses compressed bodies before reading them: 64 gzip bombs take no memory', async () => {
      const bomb = gzipSync(Buffer.alloc(24 * 1024 * 1024, 32)); // 24 MB of spaces in ~24 KB
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
      const answers = await Promise.all(
        Array.from({ length: 64 }, () =>
          app.inject({
            method: 'POST',
            url: '/webhooks/github',
            payload: bomb,
            headers: {
              'content-type': 'application/json',
              'content-encoding': 'gzip',
              'x-github-event': 'push',
              'x-github-delivery': 'd1',
              'x-hub-signature-256': 'sha256=00',
            },
          }),
        ),
      );
      clearInterval(sampler);
      for (const a of answers) {
        expect(a.statusCode).toBe(415);
        expect(a.json().error.code).toBe('E_UNSUPPORTED_ENCODING');
      }
      // Inflated, they were 64 × 24 MB = 1.5 GB.
      expect(peak - before).toBeLessThan(256 * 1024 * 1024);
      expect(await deliveries()).toBe(0);
    });

    it('answers 400, not 500, to a signed payload nested 100,000 levels deep', async () => {
      const deep = '['.repeat(100_000) + ']'.repeat(100_000);
      const r = await deliverGithub(app, SECRET, 'push', null, { raw: deep });
      expect(r.statusCode).toBe(400);
      expect(r.json().error.code).toBe('E_JSON_MALFORMED');
      expect(r.json().error.message).toMatch(/nested 100000 levels deep/);
    });

    it('reads at most 16 bodies at once and queues 64 more; the next answers 429 at once', async () => {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const port = (app.server.address() as import('node:net').AddressInfo).port;
      const net = await import('node:net');
      // Each opens a delivery and sends only half its body.
      const open = () =>
        new Promise<import('node:net').Socket>((resolve) => {
          const s = net.connect(port, '127.0.0.1', () => {
            s.write(
              `POST /webhooks/github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-GitHub-Event: push\r\nX-GitHub-Delivery: slow\r\nX-Hub-Signature-256: sha256=00\r\nContent-Length: 1000\r\n\r\n{"a":`,
            );
            resolve(s);
          });
        });
      const slow = await Promise.all(Array.from({ length: 16 + 64 }, open));
      await new Promise((r) => setTimeout(r, 300));
      const extra = await fetch(`http://127.0.0.1:${port}/webhooks/github`, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'x', 'x-hub-signature-256': 'sha256=00' },
      });
      expect(extra.status).toBe(429);
      expect(extra.headers.get('retry-after')).toBe('1');
      for (const s of slow) s.destroy();
      // Clients that went away give their turn back: a real delivery gets through again.
      let status = 0;
      for (let i = 0; i < 50 && status !== 202; i++) {
        status = (await deliverGithub(app, SECRET, 'ping', { zen: 'ok' }, { delivery: `after-${i}` })).statusCode;
        if (status !== 202) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(202);
    });
  },
  { pillars: [sourcesPillar], config: (c) => (c.webhooks.githubSecret = SECRET) },
);
