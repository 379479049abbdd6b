// Seeded rows on the real server: for any seed, every table gets exactly the rows asked for and
// every constraint of the schema holds (PostgreSQL enforces them on insert, and each one is also
// queried for violations); the same seed gives the same rows.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCatalog, type Table } from './catalog.js';
import { generateRows, insertionOrder } from './generate.js';
import { labDown, labUp, onServer, type LabHome } from './labs.js';
import { findPgTools } from './pgtools.js';
import { parseRows, seedDatabase } from './seed.js';
import { readServer, type ServerState } from './server.js';

const SHOP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'shop.sql');
let home: LabHome;
let server: ServerState;
let n = 0;

beforeAll(async () => {
  home = { dir: mkdtempSync(path.join(os.tmpdir(), 'lab-seed-')), tools: findPgTools(process.env), now: () => new Date() };
  await labUp(home, { name: 'anchor', ttlMs: null }); // keeps the shared server up for the file
  server = readServer(home.dir)!;
});
afterAll(async () => {
  await labDown(home, [], true);
  rmSync(home.dir, { recursive: true, force: true });
});

async function freshDb(): Promise<string> {
  const name = `seeded_${++n}`;
  await onServer(server, 'postgres', (c) => c.query(`CREATE DATABASE ${name} TEMPLATE template0`));
  return `postgres://postgres@127.0.0.1:${server.port}/${name}`;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const q = (s: string) => `"${s}"`;
const list = (cols: string[]) => cols.map(q).join(', ');

/** Violations of each constraint, counted by a query of its own (zero expected). */
async function violations(c: pg.Client, tables: Table[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const count = async (label: string, sql: string) => (out[label] = Number((await c.query<{ n: string }>(sql)).rows[0]!.n));
  for (const t of tables) {
    for (const col of t.columns.filter((x) => x.notNull))
      await count(`${t.name}.${col.name} not null`, `SELECT count(*) AS n FROM ${q(t.name)} WHERE ${q(col.name)} IS NULL`);
    for (const u of t.uniques)
      await count(
        `${t.name} unique (${u.join(', ')})`,
        `SELECT count(*) AS n FROM (SELECT 1 FROM ${q(t.name)} WHERE ${u.map((x) => `${q(x)} IS NOT NULL`).join(' AND ')} GROUP BY ${list(u)} HAVING count(*) > 1) d`,
      );
    for (const k of t.checks) await count(`${t.name} ${k.name}`, `SELECT count(*) AS n FROM ${q(t.name)} WHERE (${k.expr}) IS FALSE`);
    for (const fk of t.foreignKeys)
      await count(
        `${t.name} ${fk.name}`,
        `SELECT count(*) AS n FROM ${q(t.name)} c WHERE ${fk.columns.map((x) => `c.${q(x)} IS NOT NULL`).join(' AND ')}
           AND NOT EXISTS (SELECT 1 FROM ${q(fk.refTable)} p WHERE ${fk.columns.map((x, i) => `p.${q(fk.refColumns[i]!)} = c.${q(x)}`).join(' AND ')})`,
      );
  }
  return out;
}

const ROWS = parseRows(['25', 'order_lines=120', 'stock_moves=40']);
const contents = (c: pg.Client, tables: Table[]) =>
  Promise.all(tables.map(async (t) => (await c.query(`SELECT * FROM ${q(t.name)} ORDER BY ${list(t.columns.map((x) => x.name))}`)).rows));

describe('datalab seeding', () => {
  it('reads the schema from the catalog: keys, checks, enums, foreign keys, parents first', async () => {
    const url = await freshDb();
    await withClient(url, async (c) => {
      await c.query((await import('node:fs')).readFileSync(SHOP, 'utf8'));
      const tables = await readCatalog(c);
      const byName = Object.fromEntries(tables.map((t) => [t.name, t]));
      expect(byName.orders!.uniques).toEqual([['id'], ['token']]); // the unique index counts
      expect(byName.order_lines!.primaryKey).toEqual(['order_id', 'line_no']);
      expect(byName.orders!.columns.find((x) => x.name === 'status')!.enumLabels).toEqual(['new', 'paid', 'shipped', 'cancelled']);
      expect(byName.customers!.columns.find((x) => x.name === 'email')).toMatchObject({ maxLength: 60, notNull: true });
      expect(byName.products!.columns.find((x) => x.name === 'price')).toMatchObject({ precision: 8, scale: 2 });
      expect(byName.stock_moves!.foreignKeys.map((f) => [f.columns, f.refTable])).toContainEqual([['region', 'code'], 'warehouses']);
      const order = insertionOrder(tables).map((t) => t.name);
      expect(order.indexOf('orders')).toBeLessThan(order.indexOf('order_lines'));
      expect(order.indexOf('warehouses')).toBeLessThan(order.indexOf('stock_moves'));
    });
  });

  it('property: for any seed, the rows asked for are there and satisfy every constraint', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (seed) => {
        const url = await freshDb();
        const counts = await seedDatabase(url, { schemaFile: SHOP, plan: { seed, ...ROWS } });
        expect(counts).toEqual({ customers: 25, products: 25, orders: 25, order_lines: 120, warehouses: 25, stock_moves: 40 });
        await withClient(url, async (c) => {
          const v = await violations(c, await readCatalog(c));
          expect(Object.keys(v).length).toBe(49); // 25 NOT NULL, 8 unique keys, 10 checks, 6 foreign keys
          expect(Object.entries(v).filter(([, k]) => k > 0)).toEqual([]);
        });
      }),
      { numRuns: 5 },
    );
  });

  it('is deterministic by seed: the same seed gives the same rows, another seed others', async () => {
    const [a, b, c] = [await freshDb(), await freshDb(), await freshDb()];
    await seedDatabase(a, { schemaFile: SHOP, plan: { seed: 42, ...ROWS } });
    await seedDatabase(b, { schemaFile: SHOP, plan: { seed: 42, ...ROWS } });
    await seedDatabase(c, { schemaFile: SHOP, plan: { seed: 43, ...ROWS } });
    const tables = await withClient(a, readCatalog);
    const [ra, rb, rc] = await Promise.all([a, b, c].map((u) => withClient(u, (cl) => contents(cl, tables))));
    expect(rb).toEqual(ra);
    expect(rc).not.toEqual(ra);
  });

  it('a seed hook adds its rows; a bad schema names the file and line; an unwritable column says what to do', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lab-hook-'));
    const hook = path.join(dir, 'seed.sql');
    writeFileSync(hook, "INSERT INTO warehouses (region, code, name) VALUES ('north', 1, 'the hook')");
    const url = await freshDb();
    await seedDatabase(url, { schemaFile: SHOP, plan: { seed: 1, rows: { warehouses: 2 }, defaultRows: 3 }, hookFile: hook });
    expect(await withClient(url, async (c) => (await c.query("SELECT name FROM warehouses WHERE region = 'north'")).rows)).toEqual([{ name: 'the hook' }]);

    const bad = path.join(dir, 'bad.sql');
    writeFileSync(bad, 'CREATE TABLE a (id int);\n\nCREATE TABLE b (id intt);\n');
    await expect(seedDatabase(await freshDb(), { schemaFile: bad, plan: { seed: 1, rows: {}, defaultRows: 1 } })).rejects.toMatchObject({
      code: 'E_DATALAB_SEED',
      where: `${bad}:3`,
    });
    const odd = path.join(dir, 'odd.sql');
    writeFileSync(odd, 'CREATE TABLE spots (at point NOT NULL);\n');
    await expect(seedDatabase(await freshDb(), { schemaFile: odd, plan: { seed: 1, rows: {}, defaultRows: 1 } })).rejects.toThrow(
      /column spots.at of type point cannot be generated/,
    );
    await expect(seedDatabase(await freshDb(), { schemaFile: SHOP, plan: { seed: 1, rows: { nope: 1 }, defaultRows: 1 } })).rejects.toThrow(
      '--rows names table nope',
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('generates without a server (all checks accepted) the same way', async () => {
    const url = await freshDb();
    const tables = await withClient(url, async (c) => {
      await c.query((await import('node:fs')).readFileSync(SHOP, 'utf8'));
      return readCatalog(c);
    });
    const accept = async (_t: Table, _c: string[], rows: unknown[][]) => rows.map(() => true);
    const one = await generateRows(tables, { seed: 9, rows: {}, defaultRows: 5 }, accept);
    expect(await generateRows(tables, { seed: 9, rows: {}, defaultRows: 5 }, accept)).toEqual(one);
  });
});
