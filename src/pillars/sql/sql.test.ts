// Self-service SQL on PGlite and PostgreSQL, with two teams' data in every table a view reads:
// team A's SQL sees none of team B's rows through each view whatever it writes; every usual escape
// is refused (and would meet the role and the views' own filter if the guard let it through); a
// query over the timeout is cancelled and the next one runs; row cap, CSV, Parquet, saved queries.
import type { FastifyInstance } from 'fastify';
import { parquetReadObjects } from 'hyparquet';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createToken } from '../../core/tokens.js';
import { describeEachStore, type TestHub } from '../../../test/support/stores.js';
import { createApp, pillars } from '../../../test/support/assembled.js';
import { VIEWS, ROLE } from './views.js';
import { B, seedTwoTeams as seed } from './fixtures/two-teams.js';

describeEachStore(
  'self-service SQL',
  (getHub, kind) => {
    let hub: TestHub;
    let app: FastifyInstance;
    const tokens: Record<'a' | 'b' | 'all', string> = { a: '', b: '', all: '' };
    const post = (who: keyof typeof tokens, body: Record<string, unknown>) =>
      app.inject({ method: 'POST', url: '/api/v1/sql', headers: { authorization: `Bearer ${tokens[who]}` }, payload: body });
    const rows = async (who: keyof typeof tokens, q: string) => {
      const res = await post(who, { sql: q });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ rows: Array<Record<string, unknown>>; truncated: boolean }>().rows;
    };

    beforeAll(async () => {
      hub = getHub();
      await seed(hub.db);
      app = await createApp(hub, pillars);
      tokens.a = (await createToken(hub.db, { repoPatterns: ['team-a/*'], scopes: ['read'], expiresAt: null })).token;
      tokens.b = (await createToken(hub.db, { repoPatterns: ['team-b/*'], scopes: ['read'], expiresAt: null })).token;
      tokens.all = (await createToken(hub.db, { repoPatterns: ['**'], scopes: ['read'], expiresAt: null })).token;
    });
    afterAll(async () => app?.close());

    it('lists every view with its columns, all of them installed with all pillars', async () => {
      const res = await app.inject({ method: 'GET', url: '/api/v1/sql/views', headers: { authorization: `Bearer ${tokens.a}` } });
      expect(res.statusCode).toBe(200);
      const body = res.json<{ views: Array<{ name: string; columns: Array<{ name: string }> }> }>();
      expect(body.views.map((v) => v.name)).toEqual(VIEWS.map((v) => v.name));
      expect(body.views.find((v) => v.name === 'sql_runs')!.columns.map((c) => c.name)).toContain('duration_ms');
    });

    it("team A sees its own rows and none of team B's, through each view", async () => {
      for (const v of VIEWS.filter((x) => x.columns.some((c) => c.name === 'repo'))) {
        const a = await rows('a', `select repo from ${v.name}`);
        const b = await rows('b', `select repo from ${v.name}`);
        const all = await rows('all', `select repo from ${v.name} order by repo`);
        expect(
          a.map((r) => r.repo),
          v.name,
        ).toEqual(['team-a/app']);
        expect(
          b.map((r) => r.repo),
          v.name,
        ).toEqual(['team-b/api']);
        expect(
          all.map((r) => r.repo),
          v.name,
        ).toEqual(['team-a/app', 'team-b/api']);
      }
      // cache namespaces are not repositories: only a caller who sees every repository reads them
      expect(await rows('a', 'select key from sql_cache_events')).toEqual([]);
      expect(await rows('all', 'select key from sql_cache_events')).toEqual([{ key: 'k1' }]);
    });

    it('asking for team B by name, by join or by subquery still shows team A nothing of it', async () => {
      expect(await rows('a', "select * from sql_runs where repo = 'team-b/api'")).toEqual([]);
      expect(await rows('a', `select count(*) as n from sql_jobs j join sql_runs r on r.run_id = j.run_id where r.run_id = '${B}'`)).toEqual([{ n: 0 }]);
      expect(await rows('a', `select (select count(*) from sql_autopsy where run_id = '${B}') as n`)).toEqual([{ n: 0 }]);
      expect(await rows('a', 'with t as (select repo from sql_deployments) select count(*) as n from t')).toEqual([{ n: 1 }]);
    });

    it.each([
      ['a second statement', 'select 1; delete from runs'],
      ['a write', 'delete from runs'],
      ['an UPDATE', "update runs set status = 'success'"],
      ['SET ROLE', 'set role postgres'],
      ['RESET ROLE', 'reset role'],
      ['RESET ALL', 'reset all'],
      ['changing the setting the views read', "select set_config('ci_intel.sql_repos', '*', false)"],
      ['reading a setting', "select current_setting('ci_intel.sql_repos')"],
      ['pg_read_file', "select pg_read_file('/etc/passwd')"],
      ['pg_sleep', 'select pg_sleep(10)'],
      ['COPY', 'copy runs to stdout'],
      ['COPY from a program', "copy runs from program 'id'"],
      ['a CTE with DELETE', 'with d as (delete from runs returning *) select * from d'],
      ['a CTE with INSERT', "with i as (insert into teams (name) values ('x') returning *) select 1"],
      ['a base table', 'select * from runs'],
      ['a table behind a view name with a schema', 'select * from public.sql_runs'],
      ['a catalog table', 'select * from pg_authid'],
      ['a qualified catalog table', 'select * from pg_catalog.pg_shadow'],
      ['the saved-queries table', 'select * from saved_sql_queries'],
      ['the visibility function', "select ci_intel_sql_sees('team-b/api')"],
      ['SELECT INTO', 'select * into stolen from sql_runs'],
      ['FOR UPDATE', 'select * from sql_runs for update'],
      ['a cast to a catalog type', "select 'runs'::regclass"],
      ['current_user', 'select current_user'],
      ['a transaction statement', 'commit'],
      ['EXPLAIN', 'explain select * from sql_runs'],
      ['a function in FROM', "select * from pg_ls_dir('.')"],
      ['a CTE named like a table it hides outside its scope', 'select * from (with runs as (select 1) select * from runs) a, runs'],
    ])('refuses %s', async (_what, q) => {
      const res = await post('a', { sql: q });
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json<{ error: { code: string; message: string } }>().error.code).toBe('E_SQL_REFUSED');
    });

    it('names the place of a syntax error and of an unknown column', async () => {
      const bad = await post('a', { sql: 'select from where' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json<{ error: { code: string; where: string } }>().error).toMatchObject({
        code: 'E_SQL_SYNTAX',
        where: expect.stringMatching(/character \d+/),
      });
      const col = await post('a', { sql: 'select nope from sql_runs' });
      expect(col.statusCode).toBe(400);
      expect(col.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: 'E_SQL_FAILED', message: expect.stringContaining('nope') });
    });

    it('behind the guard, the role reads no table and the views show nothing without the caller set', async () => {
      await expect(
        hub.db.transaction().execute(async (trx) => {
          await sql.raw(`set local role ${ROLE}`).execute(trx);
          await sql`select count(*) from runs`.execute(trx);
        }),
      ).rejects.toThrow(/permission denied/);
      const n = await hub.db.transaction().execute(async (trx) => {
        await sql.raw(`set local role ${ROLE}`).execute(trx);
        return (await sql<{ n: number }>`select count(*)::int as n from sql_runs`.execute(trx)).rows[0]!.n;
      });
      expect(n).toBe(0);
    });

    it('caps the rows and says so; answers CSV and Parquet', async () => {
      const many = await post('all', { sql: 'select g from generate_series(1, 20) g' });
      expect(many.json()).toMatchObject({ row_count: 7, truncated: true });
      const csv = await post('a', { sql: "select repo, 'a,b' as odd, 2 as n from sql_runs", format: 'csv' });
      expect(csv.headers['content-type']).toMatch(/text\/csv/);
      expect(csv.body).toBe('repo,odd,n\r\nteam-a/app,"a,b",2\r\n');
      const pq = await post('a', { sql: 'select repo, started_at, duration_ms, true as ok from sql_runs', format: 'parquet' });
      const buf = pq.rawPayload;
      const back = await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer });
      expect(back).toEqual([{ repo: 'team-a/app', started_at: new Date('2026-12-01T10:00:00Z'), duration_ms: null, ok: true }]);
    });

    it('refuses a query over the cost cap before it runs', async () => {
      const res = await post('all', { sql: 'select count(*) from generate_series(1, 1000000000)' });
      expect(res.json<{ error: { code: string } }>().error.code).toBe('E_SQL_TOO_COSTLY');
    });

    if (kind === 'postgres')
      it('cancels a query over the timeout, and the next query runs', async () => {
        const res = await post('all', { sql: 'select count(*) from generate_series(1, 300000000) a' });
        expect(res.json<{ error: { code: string } }>().error.code).toBe('E_SQL_TIMEOUT');
        expect(await rows('a', 'select count(*) as n from sql_runs')).toEqual([{ n: 1 }]);
      });

    it('saves a query, opens it by id and gives its result to a notebook as each reader may see it', async () => {
      const refused = await app.inject({
        method: 'POST',
        url: '/api/v1/sql/saved',
        headers: { authorization: `Bearer ${tokens.a}` },
        payload: { sql: 'select * from runs' },
      });
      expect(refused.statusCode).toBe(403);
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/sql/saved',
        headers: { authorization: `Bearer ${tokens.a}` },
        payload: { sql: 'select repo, status from sql_runs order by repo', title: 'Runs by repository' },
      });
      expect(res.statusCode).toBe(201);
      const { id, url, csv } = res.json<{ id: string; url: string; csv: string }>();
      expect(url).toBe(`/?page=sql&q=${id}`);
      const got = await app.inject({ method: 'GET', url: `/api/v1/sql/saved/${id}`, headers: { authorization: `Bearer ${tokens.b}` } });
      expect(got.json()).toMatchObject({ title: 'Runs by repository', sql: 'select repo, status from sql_runs order by repo' });
      const asB = await app.inject({ method: 'GET', url: csv, headers: { authorization: `Bearer ${tokens.b}` } });
      expect(asB.body).toBe('repo,status\r\nteam-b/api,failed\r\n');
      const missing = await app.inject({ method: 'GET', url: '/api/v1/sql/saved/nope', headers: { authorization: `Bearer ${tokens.b}` } });
      expect(missing.statusCode).toBe(404);
    });
  },
  { pillars, config: (c) => (c.pillars = { ...c.pillars, sql: { timeoutMs: 3000, maxRows: 7, maxCost: 5_000_000 } }) },
);
