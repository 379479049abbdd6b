// `ci-intel sql` through a hub (the token's repositories only; table, CSV, JSON, Parquet) and on a
// store directly; refusals come back as the hub's error, exit 2.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachStore, openTestHub } from '../../../test/support/stores.js';
import { capturingCli, listeningHub } from '../../../test/support/hub-app.js';
import { pillars } from '../../../test/support/assembled.js';
import { seedTwoTeams } from './fixtures/two-teams.js';

const cli = capturingCli({ now: () => new Date('2026-12-06T12:00:00Z') });

describeEachStore(
  'ci-intel sql --hub',
  (getHub) => {
    let app: FastifyInstance;
    let url: string;
    let a: string;
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-sql-cli-'));
    beforeAll(async () => {
      await seedTwoTeams(getHub().db);
      const h = await listeningHub(getHub(), { a: { repos: ['team-a/*'], scopes: ['read'] } });
      ({ app, url } = h);
      a = h.tokens.a;
    });
    afterAll(async () => {
      await app?.close();
      rmSync(tmp, { recursive: true, force: true });
    });

    it("prints the token's rows as a table, CSV and JSON", async () => {
      const q = 'select repo, status, pr from sql_runs order by repo';
      const table = await cli(['sql', q, '--hub', url, '--token', a]);
      expect(table).toMatchObject({ code: 0, err: '' });
      expect(table.out).toBe('repo        status  pr\n----------  ------  ----\nteam-a/app  failed  NULL\n(1 row)\n');
      expect((await cli(['sql', q, '--hub', url, '--token', a, '--csv'])).out).toBe('repo,status,pr\r\nteam-a/app,failed,\r\n');
      const json = JSON.parse((await cli(['sql', q, '--hub', url, '--token', a, '--json'])).out);
      expect(json).toEqual({
        columns: [
          { name: 'repo', type: 'text' },
          { name: 'status', type: 'text' },
          { name: 'pr', type: 'integer' },
        ],
        rows: [{ repo: 'team-a/app', status: 'failed', pr: null }],
        truncated: false,
      });
    });

    it('writes a Parquet file for a notebook', async () => {
      const file = path.join(tmp, 'runs.parquet');
      const r = await cli(['sql', 'select repo, count(*) as runs from sql_jobs group by repo', '--hub', url, '--token', a, '--parquet', file]);
      expect(r).toMatchObject({ code: 0, err: `1 rows written to ${file}\n` });
      const buf = readFileSync(file);
      expect(await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer })).toEqual([
        { repo: 'team-a/app', runs: 1 },
      ]);
    });

    it('passes on a refusal with its reason, exit 2', async () => {
      const r = await cli(['sql', 'select 1; delete from runs', '--hub', url, '--token', a]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/E_SQL_REFUSED.*2 statements/);
    });
  },
  { pillars },
);

it('reads a store directly: its owner sees every repository', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-sql-store-'));
  try {
    const db = path.join(dir, 'db');
    const hub = await openTestHub('pglite', { pillars, config: (c) => (c.db = db) });
    await seedTwoTeams(hub.db);
    await hub.close();
    const r = await cli(['sql', 'select repo from sql_runs order by repo', '--db', db]);
    expect(r).toMatchObject({ code: 0, out: 'repo\n----------\nteam-a/app\nteam-b/api\n(2 rows)\n' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
