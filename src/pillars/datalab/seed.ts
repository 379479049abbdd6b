// A seeded lab: the schema loaded into a template database, rows generated for it (generate.ts) and
// inserted, then the seed hook (seed.sql, or a seed.js module) run. The template is keyed by the
// schema, seed, counts and hook, so the next lab with the same inputs is a clone (~0.15 s).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { CiError } from '../../core/errors.js';
import { readCatalog, type Table } from './catalog.js';
import { generateRows, type SeedPlan, type TableRows, type Value } from './generate.js';
import { ensureTemplate, type LabSource } from './labs.js';
import type { ServerState } from './server.js';

export interface SeedInput {
  schemaFile: string;
  plan: SeedPlan;
  hookFile?: string;
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

function read(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new CiError('E_INPUT_UNREADABLE', `cannot read the ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      where: file,
      hint: 'check the path',
    });
  }
}

/** The template key: what makes two seeded labs equal. */
export function seedKey(input: SeedInput): string {
  const h = createHash('sha256');
  h.update(read(input.schemaFile, 'schema'));
  h.update(JSON.stringify([input.plan.seed, input.plan.defaultRows, Object.entries(input.plan.rows).sort()]));
  if (input.hookFile) h.update(read(input.hookFile, 'seed hook'));
  return h.digest('hex').slice(0, 16);
}

/** Loads a schema file; a statement error names the file and line. */
export async function loadSchema(client: pg.Client, file: string): Promise<void> {
  const text = read(file, 'schema');
  try {
    await client.query(text);
  } catch (e) {
    const pos = Number((e as { position?: string }).position);
    const line = Number.isFinite(pos) && pos > 0 ? text.slice(0, pos - 1).split('\n').length : undefined;
    throw new CiError('E_DATALAB_SEED', `the schema does not load: ${(e as Error).message}`, {
      where: line ? `${file}:${line}` : file,
      hint: 'fix the statement; the schema is run as one script on an empty database',
    });
  }
}

/** The server's verdict on each candidate row's CHECK constraints (NULL counts as passing, as in a table). */
export function serverAccept(client: pg.Client) {
  return async (table: Table, columns: string[], rows: Value[][]): Promise<boolean[]> => {
    if (!table.checks.length) return rows.map(() => true);
    const types = columns.map((c) => table.columns.find((x) => x.name === c)!.type);
    const verdict: boolean[] = [];
    for (let i = 0; i < rows.length; i += 500) {
      const part = rows.slice(i, i + 500);
      const params: Value[] = [];
      const values = part.map((r) => `(${r.map((v, j) => (params.push(v), `$${params.length}::${types[j]}`)).join(', ')})`);
      const cond = table.checks.map((c) => `(${c.expr}) IS NOT FALSE`).join(' AND ');
      const q = `SELECT ${cond} AS ok FROM (VALUES ${values.join(', ')}) AS t(${columns.map(ident).join(', ')})`;
      const res = await client.query<{ ok: boolean }>(q, params);
      verdict.push(...res.rows.map((r) => r.ok));
    }
    return verdict;
  };
}

export async function insertRows(client: pg.Client, t: TableRows): Promise<void> {
  if (!t.rows.length || !t.columns.length) return;
  const per = Math.max(1, Math.floor(60_000 / t.columns.length));
  for (let i = 0; i < t.rows.length; i += per) {
    const part = t.rows.slice(i, i + per);
    const params: Value[] = [];
    const values = part.map((r) => `(${r.map((v) => (params.push(v), `$${params.length}`)).join(', ')})`);
    await client.query(
      `INSERT INTO ${ident(t.table)} (${t.columns.map(ident).join(', ')})${t.overriding ? ' OVERRIDING SYSTEM VALUE' : ''} VALUES ${values.join(', ')}`,
      params,
    );
  }
  for (const c of t.sequences) {
    await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), (SELECT coalesce(max(${ident(c)}), 0) + 1 FROM ${ident(t.table)}), false)`, [
      ident(t.table),
      c,
    ]);
  }
}

/** Runs the hook: SQL as one script, or a module whose default export gets the client. */
async function runHook(client: pg.Client, file: string, seed: number): Promise<void> {
  if (file.endsWith('.sql')) {
    await client.query(read(file, 'seed hook')).catch((e: Error) => {
      throw new CiError('E_DATALAB_SEED', `the seed hook failed: ${e.message}`, { where: file, hint: 'fix the statement' });
    });
    return;
  }
  const mod = (await import(pathToFileURL(path.resolve(file)).href)) as { default?: (c: pg.Client, o: { seed: number }) => Promise<void> };
  if (typeof mod.default !== 'function')
    throw new CiError('E_USAGE', 'the seed hook module has no default export function', {
      where: file,
      hint: 'export default async (client, { seed }) => { ... }',
    });
  await mod.default(client, { seed });
}

/** Fills an empty database (by URL): schema, generated rows, hook. Returns rows per table. */
export async function seedDatabase(url: string, input: SeedInput): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await loadSchema(client, input.schemaFile);
    const tables = await readCatalog(client);
    for (const name of Object.keys(input.plan.rows))
      if (!tables.some((t) => t.name === name))
        throw new CiError('E_USAGE', `--rows names table ${name}, which the schema does not create`, {
          where: '--rows',
          hint: `tables: ${tables.map((t) => t.name).join(', ')}`,
        });
    const data = await generateRows(tables, input.plan, serverAccept(client));
    await client.query('BEGIN');
    for (const t of data) await insertRows(client, t);
    await client.query('COMMIT');
    if (input.hookFile) await runHook(client, input.hookFile, input.plan.seed);
    return Object.fromEntries(data.map((t) => [t.table, t.rows.length]));
  } finally {
    await client.end();
  }
}

/** `--rows orders=5000` (repeatable) and `--rows 100` (every table). */
export function parseRows(specs: string[]): { rows: Record<string, number>; defaultRows: number } {
  const rows: Record<string, number> = {};
  let defaultRows = 10;
  for (const s of specs) {
    const m = /^(?:([A-Za-z_][\w$]*)=)?(\d+)$/.exec(s.trim());
    if (!m || Number(m[2]) > 10_000_000)
      throw new CiError('E_USAGE', `--rows ${JSON.stringify(s)} is not TABLE=N or N`, { where: '--rows', hint: 'e.g. --rows orders=5000 --rows 50' });
    if (m[1]) rows[m[1]] = Number(m[2]);
    else defaultRows = Number(m[2]);
  }
  return { rows, defaultRows };
}

const seedDetail = (input: SeedInput) => `${path.basename(input.schemaFile)} with seed ${input.plan.seed}`;

/** A seeded lab's source: the template is built once per schema, seed, counts and hook, then cloned. */
export function seededSource(input: SeedInput) {
  const key = seedKey(input);
  return async (s: ServerState): Promise<LabSource> => {
    const tpl = await ensureTemplate(s, `seed_${key}`, async (url) => void (await seedDatabase(url, input)));
    return { kind: 'seed', template: tpl.name, detail: seedDetail(input) };
  };
}

/** A seeded PGlite lab: filled through its URL (no templates: each PGlite lab is its own database process). */
export function seededFill(input: SeedInput) {
  return async (url: string): Promise<LabSource> => {
    await seedDatabase(url, input);
    return { kind: 'seed', template: 'none', detail: seedDetail(input) };
  };
}
