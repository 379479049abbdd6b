// The PGlite engine, for machines without PostgreSQL binaries: the wire-protocol bridge driven by
// real clients (node-postgres, a pool, psql), then labs as their own processes (built
// dist/pillars/datalab/pglite-lab.js): isolated, seeded through the bridge, and gone — no process,
// no state file — after `down` or their TTL.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pillars, runCli } from '../../../test/support/assembled.js';
import { chooseEngine } from './commands.js';
import { labDown, labUp, listLabs, queryUrl, type LabHome } from './labs.js';
import { serveBackend, startupMessage, type Bridge } from './pglite-bridge.js';
import { seededFill } from './seed.js';
import { isAlive } from './server.js';

const execFileAsync = promisify(execFile);
const SHOP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'shop.sql');
const homes: string[] = [];
/** A home with no PostgreSQL binaries: what a machine without them sees. */
function bareHome(now = () => new Date()): LabHome {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lab-pglite-'));
  homes.push(dir);
  return { dir, tools: null, now };
}
afterAll(async () => {
  for (const dir of homes) {
    if (listLabs(dir).length) await labDown({ dir, tools: null, now: () => new Date() }, [], true);
    rmSync(dir, { recursive: true, force: true });
  }
});
const waitFor = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  return cond();
};

describe('the PGlite wire-protocol bridge', () => {
  let db: PGlite;
  let bridge: Bridge;
  let url: string;
  beforeAll(async () => {
    db = await PGlite.create();
    bridge = serveBackend(db, await db.execProtocolRaw(startupMessage('postgres', 'postgres')));
    await new Promise<void>((r) => bridge.server.listen(0, '127.0.0.1', r));
    url = `postgres://postgres@127.0.0.1:${(bridge.server.address() as AddressInfo).port}/postgres`;
  }, 120_000);
  afterAll(async () => {
    await bridge.close();
    await db.close();
  });

  it('serves node-postgres: simple and parameterised queries, errors that leave the connection usable', async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)');
    await c.query('INSERT INTO items VALUES ($1, $2), ($3, $4)', [1, 'one', 2, 'two']);
    expect((await c.query('SELECT name FROM items WHERE id = $1', [2])).rows).toEqual([{ name: 'two' }]);
    await expect(c.query('INSERT INTO items VALUES (1, $1)', ['dup'])).rejects.toThrow(/duplicate key/);
    expect((await c.query('SELECT count(*)::int AS n FROM items')).rows).toEqual([{ n: 2 }]);
    await c.end();
  });

  it('gives connections turns by transaction: a second client waits for the first to commit, never sees its half', async () => {
    const a = new pg.Client({ connectionString: url });
    const b = new pg.Client({ connectionString: url });
    await Promise.all([a.connect(), b.connect()]);
    await a.query('CREATE TABLE ledger (v int)');
    await a.query('BEGIN');
    await a.query('INSERT INTO ledger VALUES (1)');
    let bSaw: number | null = null;
    const bRead = b.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger').then((r) => (bSaw = r.rows[0]!.n));
    await new Promise((r) => setTimeout(r, 300));
    expect(bSaw).toBeNull(); // b waits while a's transaction is open
    await a.query('INSERT INTO ledger VALUES (2)');
    await a.query('COMMIT');
    await bRead;
    expect(bSaw).toBe(2);
    await Promise.all([a.end(), b.end()]);
  });

  it('rolls back the transaction of a client that vanishes, and the others go on', async () => {
    const a = new pg.Client({ connectionString: url });
    a.on('error', () => undefined); // its socket is cut below
    await a.connect();
    await a.query('CREATE TABLE tx (v int)');
    await a.query('BEGIN');
    await a.query('INSERT INTO tx VALUES (1)');
    const b = new pg.Client({ connectionString: url });
    await b.connect();
    const waiting = b.query<{ n: number }>('SELECT count(*)::int AS n FROM tx');
    (a as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect((await waiting).rows).toEqual([{ n: 0 }]);
    await b.end();
  });

  it('serves a pool of 5 running 40 queries at once, and psql (which asks for TLS first)', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 5 });
    await pool.query('CREATE TABLE hits (n int)');
    await Promise.all(Array.from({ length: 40 }, (_, i) => pool.query('INSERT INTO hits VALUES ($1)', [i])));
    expect((await pool.query('SELECT count(*)::int AS n, sum(n)::int AS s FROM hits')).rows).toEqual([{ n: 40, s: 780 }]);
    await pool.end();
    const port = String((bridge.server.address() as AddressInfo).port);
    // Not spawnSync: the bridge runs in this process and must keep serving while psql waits.
    const psql = await execFileAsync('psql', ['-h', '127.0.0.1', '-p', port, '-U', 'postgres', '-d', 'postgres', '-At', '-c', 'SELECT count(*) FROM hits'], {
      env: { ...process.env, PGSSLMODE: 'prefer', PGCONNECT_TIMEOUT: '30' },
    });
    expect(psql.stderr).toBe('');
    expect(psql.stdout.trim()).toBe('40');
  });
});

describe('PGlite labs (machine without PostgreSQL binaries)', () => {
  it('two labs are isolated processes; a seeded one satisfies the schema; down leaves no process and no state', async () => {
    const home = bareHome();
    const a = await labUp(home, { name: 'alpha', ttlMs: null, engine: 'pglite' });
    const b = await labUp(home, {
      name: 'beta',
      ttlMs: null,
      engine: 'pglite',
      fill: seededFill({ schemaFile: SHOP, plan: { seed: 7, rows: { orders: 40 }, defaultRows: 15 } }),
    });
    expect(a.engine).toBe('pglite');
    expect(a.pid).not.toBe(b.pid);
    expect(isAlive(a.pid!) && isAlive(b.pid!)).toBe(true);
    await queryUrl(a.url, 'CREATE TABLE secrets (v text); INSERT INTO secrets VALUES ($$only in alpha$$)');
    expect(await queryUrl(b.url, "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'secrets'")).toEqual([{ n: 0 }]);
    expect(b.source).toMatchObject({ kind: 'seed', detail: 'shop.sql with seed 7' });
    expect(await queryUrl(b.url, 'SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 40 }]);
    // every order's customer exists (the server enforced it on insert; checked again here)
    expect(await queryUrl(b.url, 'SELECT count(*)::int AS n FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE c.id IS NULL')).toEqual([
      { n: 0 },
    ]);

    await labDown(home, ['alpha', 'beta']);
    expect(isAlive(a.pid!) || isAlive(b.pid!)).toBe(false);
    expect(readdirSync(path.join(home.dir, 'pglite'))).toEqual([]);
    expect(listLabs(home.dir)).toEqual([]);
    await expect(queryUrl(a.url, 'SELECT 1')).rejects.toThrow();
  }, 300_000);

  it('a lab whose seed fails is taken down, and the error names the schema line', async () => {
    const home = bareHome();
    const bad = path.join(home.dir, 'bad.sql');
    (await import('node:fs')).writeFileSync(bad, 'CREATE TABLE t (id int);\nCREATE TABLE u (id int REFERENCES nowhere (id));\n');
    await expect(
      labUp(home, { name: 'broken', ttlMs: null, engine: 'pglite', fill: seededFill({ schemaFile: bad, plan: { seed: 1, rows: {}, defaultRows: 1 } }) }),
    ).rejects.toThrow(/bad\.sql:2|does not load/);
    expect(listLabs(home.dir)).toEqual([]);
    expect(readdirSync(path.join(home.dir, 'pglite'))).toEqual([]);
  }, 300_000);

  it('the detached reaper takes a PGlite lab down at its TTL and exits', async () => {
    const home = bareHome();
    const lab = await labUp(home, { name: 'brief', ttlMs: 1500, engine: 'pglite' });
    expect(await waitFor(() => listLabs(home.dir).length === 0 && !isAlive(lab.pid!), 30_000)).toBe(true);
    expect(existsSync(path.join(home.dir, 'reaper.pid'))).toBe(false);
  }, 300_000);

  it('the CLI picks PGlite when no binaries are found, and refuses what needs them', async () => {
    const home = bareHome();
    const env = { PATH: '/nonexistent', CI_INTEL_PG_BIN: '/nonexistent' };
    let out = '';
    let err = '';
    const io = { out: (s: string) => void (out += s), err: (s: string) => void (err += s), env, isTTY: false };
    expect(chooseEngine('auto', home, {})).toBe('pglite');
    let refused: unknown;
    try {
      chooseEngine('postgres', home, {});
    } catch (e) {
      refused = e;
    }
    expect(refused).toMatchObject({ code: 'E_DATALAB_NO_POSTGRES', hint: expect.stringMatching(/apt-get install -y postgresql.*--engine pglite/) });
    // /usr/lib/postgresql is found on this machine whatever PATH says: the CLI is asked for pglite, as auto chooses above.
    expect(await runCli(['datalab', 'up', '--name', 'cli', '--engine', 'pglite', '--home', home.dir, '--ttl', '0', '--json'], io, pillars), err).toBe(0);
    const lab = JSON.parse(out);
    expect(lab).toMatchObject({ name: 'cli', engine: 'pglite' });
    expect(await queryUrl(lab.url, 'SELECT 41 + 1 AS n')).toEqual([{ n: 42 }]);
    err = '';
    expect(await runCli(['datalab', 'up', '--engine', 'pglite', '--from', 'nightly', '--home', home.dir], io, pillars)).toBe(2);
    expect(err).toMatch(/--from needs the PostgreSQL engine/);
    expect(await runCli(['datalab', 'down', '--all', '--home', home.dir], io, pillars)).toBe(0);
    expect(isAlive(lab.pid)).toBe(false);
  }, 300_000);
});
