// The budget gate on the hub, on PGlite and PostgreSQL, with the hub's clock injected: runs of a
// PR uploaded with their cost and CO2e, the check (ingest scope) blocking, an override through the
// API (admin scope only) letting that PR through and recording the use, expiry, another PR not let
// through, the audit API scoped by repository; and the CLI's `--hub` path against the listening hub.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createToken } from '../../../core/tokens.js';
import { createApp, pillars, runCli } from '../../../../test/support/assembled.js';
import { describeEachStore, type TestHub } from '../../../../test/support/stores.js';
import { prRun } from './test-runs.js';

const runOf = (n: number, pr: number, usd: number, start?: string) => prRun(n, 'org/app', pr, usd, 50, start);
let clock = new Date('2026-12-06T12:00:00Z');

describeEachStore(
  'budgets on the hub',
  (getHub) => {
    let hub: TestHub;
    let app: FastifyInstance;
    let ingest: string;
    let admin: string;
    beforeAll(async () => {
      hub = getHub();
      app = await createApp(hub, pillars);
      ingest = (await createToken(hub.db, { repoPatterns: ['org/*'], scopes: ['ingest', 'read'], expiresAt: null })).token;
      admin = (await createToken(hub.db, { repoPatterns: ['org/*'], scopes: ['admin'], expiresAt: null })).token;
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/runs',
        payload: [runOf(1, 12, 4), runOf(2, 12, 4), runOf(3, 13, 1, '2026-12-05T10:02:00Z'), runOf(4, 13, 0, '2026-12-05T10:04:00Z')].join('\n') + '\n',
        headers: { authorization: `Bearer ${ingest}`, 'content-type': 'application/x-ndjson' },
      });
      expect(res.statusCode, res.body).toBe(200);
    });
    afterAll(async () => app?.close());
    const call = (token: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
      app.inject({ method, url, payload: payload as Record<string, unknown>, headers: { authorization: `Bearer ${token}` } });
    const check = async (pr: number) => (await call(ingest, 'POST', '/api/v1/delivery/budget/check', { repo: 'org/app', pr, by: 'ci' })).json();

    it('blocks the PR over budget, lets it through with an override of that PR only, and blocks again after expiry; every use audited', async () => {
      clock = new Date('2026-12-06T12:00:00Z');
      const first = await check(12);
      expect(first).toMatchObject({ pass: false, worst: 1.6, override: null, runs: 2 });
      // Runs 1 and 2 from 10:00, 3 from 10:02 (three at once), 4 from 10:04 as 1 and 2 end (not a fourth).
      expect(first.concurrency).toEqual({ repo: 'org/app', cap: 2, max_concurrent_runs: 3, peak_at: '2026-12-05T10:02:00.000Z', status: 'over' });
      expect(first.lines.map((l: { metric: string; spent: number; limit: number }) => [l.metric, l.spent, l.limit])).toEqual([
        ['usd', 8, 5],
        ['co2e_g', 100, 200],
      ]);
      const body = { repo: 'Org/App', pr: 12, reason: 'release load tests', by: 'alice', expires: '1d' };
      expect((await call(ingest, 'POST', '/api/v1/delivery/budget/overrides', body)).statusCode).toBe(403);
      expect((await call(admin, 'POST', '/api/v1/delivery/budget/overrides', { ...body, expires: '2020-01-01' })).json().error).toMatchObject({
        code: 'E_USAGE',
        where: 'body /expires',
      });
      const made = await call(admin, 'POST', '/api/v1/delivery/budget/overrides', body);
      expect(made.statusCode, made.body).toBe(201);
      expect(made.json().override).toMatchObject({ repo: 'org/app', pr: 12, created_by: 'alice', expires_at: '2026-12-07T12:00:00.000Z', source: 'api' });

      clock = new Date('2026-12-07T11:00:00Z');
      expect(await check(12)).toMatchObject({ pass: true, override: { created_by: 'alice' } });
      expect(await check(13)).toMatchObject({ pass: true, override: null }); // under budget: no use recorded
      clock = new Date('2026-12-07T12:00:00Z');
      const late = await check(12);
      expect(late.pass).toBe(false);
      expect(late.reason).toContain('the override of alice expired 2026-12-07 12:00 UTC');

      const audit = (await call(ingest, 'GET', '/api/v1/delivery/budget/overrides?repo=org/app')).json().overrides;
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        reason: 'release load tests',
        created_at: '2026-12-06T12:00:00.000Z',
        active: false,
        uses: [{ used_at: '2026-12-07T11:00:00.000Z', used_by: 'ci', over: [{ metric: 'usd', spent: 8, limit: 5 }] }],
      });
      const other = (await createToken(hub.db, { repoPatterns: ['acme/*'], scopes: ['read'], expiresAt: null })).token;
      expect((await call(other, 'GET', '/api/v1/delivery/budget/overrides')).json()).toEqual({ overrides: [] });
      expect((await call(other, 'GET', '/api/v1/delivery/budget/overrides?repo=org/app')).statusCode).toBe(403);
    });

    it('the Cost page cards: overrides as flat rows, concurrency per repository', async () => {
      const card = (await call(ingest, 'GET', '/api/v1/delivery/budget/card?repo=org/app&window=30')).json();
      expect(card).toEqual({
        active: 0,
        overrides: [
          {
            pull_request: 'org/app #12',
            by: 'alice',
            reason: 'release load tests',
            created_at: '2026-12-06T12:00:00.000Z',
            expires_at: '2026-12-07T12:00:00.000Z',
            status: 'expired',
            times_used: 1,
            last_used_at: '2026-12-07T11:00:00.000Z',
            via: 'api',
          },
        ],
      });
      const conc = (await call(ingest, 'GET', '/api/v1/delivery/concurrency?window=30')).json();
      expect(conc).toEqual({ window_days: 30, over_cap: 1, repos: [expect.objectContaining({ repo: 'org/app', cap: 2, max_concurrent_runs: 3 })] });
      expect((await call(ingest, 'GET', '/api/v1/delivery/concurrency?window=1')).json().repos).toEqual([]);
    });

    it('the CLI through --hub: budget override and gate budget', async () => {
      clock = new Date('2026-12-08T00:00:00Z');
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      const cli = async (args: string[], token: string) => {
        let out = '';
        let err = '';
        const code = await runCli(
          [...args, '--hub', url, '--token', token],
          { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, now: () => clock, cwd: hub.dataDir },
          pillars,
        );
        return { code, out, err };
      };
      const blocked = await cli(['gate', 'budget', '--repo', 'org/app', '--pr', '12', '--by', 'ci'], ingest);
      expect(blocked.code).toBe(1);
      expect(blocked.out).toContain(
        'OVER  org/* all pipelines: cost 8.00 USD of 5.00 USD (160 %), 2 runs\n' +
          'ok    org/* all pipelines: carbon 100 g CO2e of 200 g CO2e (50 %), 2 runs\n' +
          'cap   org/app: cap 2 concurrent runs; at most 3 seen at once (2026-12-05 10:02 UTC, last 30 days) — OVER the cap\n',
      );
      const made = await cli(['budget', 'override', '--repo', 'org/app', '--pr', '12', '--reason', 'hotfix', '--by', 'bob', '--expires', '6h'], admin);
      expect(made.code, made.err).toBe(0);
      expect(made.out).toContain('org/app #12 may exceed its budgets until 2026-12-08 06:00 UTC (by bob: hotfix)');
      const passed = await cli(['gate', 'budget', '--repo', 'org/app', '--pr', '12', '--by', 'ci'], ingest);
      expect(passed.code, passed.err).toBe(0);
      expect(passed.out).toMatch(/^PASS gate=budget value=1\.6 max=1 repo=org\/app pr=12 override=/m);
      // --json: the whole check as one JSON object on stderr (stdout keeps the one gate line).
      const json = await cli(['gate', 'budget', '--repo', 'org/app', '--pr', '13', '--json'], ingest);
      expect(json.code).toBe(0);
      expect(json.out).toMatch(/^PASS gate=budget value=0\.5 max=1 repo=org\/app pr=13 reason=/);
      expect(json.err.trim().split('\n')).toHaveLength(1);
      expect(JSON.parse(json.err)).toMatchObject({ pass: true, pr: 13, runs: 2, concurrency: { repo: 'org/app', max_concurrent_runs: 3 } });
    });
  },
  {
    pillars,
    now: () => clock,
    config: (c) => {
      c.pillars = {
        ...c.pillars,
        delivery: {
          slos: [],
          drills: { rpoTargetS: 60, rtoTargetS: 300 },
          budgets: [{ repo: 'org/*', usd: 5, co2eGrams: 200 }],
          concurrency: [
            { repo: '**', maxRuns: 10 },
            { repo: 'org/app', maxRuns: 2 },
          ],
        },
      };
    },
  },
);
