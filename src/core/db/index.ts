// createDb(config): Kysely over PGlite (embedded default) or pg (a PostgreSQL server), one SQL
// dialect for both. PGlite is single-process, so its data folder is guarded by a lock file and a
// second process gets E_DB_LOCKED (DESIGN.md "One process per PGlite folder").
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, sql, type RawBuilder } from 'kysely';
import pg from 'pg';
import { CiError } from '../errors.js';
import { isPostgresUrl } from '../config.js';
import { PGliteDialect } from './pglite-dialect.js';
import { acquireFolderLock, type FolderLock } from './lock.js';
import type { CoreTables } from './schema.js';

export type { CoreTables } from './schema.js';
export { sql } from 'kysely';

export type DbKind = 'pglite' | 'postgres';

/**
 * The store handle. `db` is typed with the core tables; a pillar widens it with its own
 * table types through `store.db.withTables<PillarTables>()`.
 */
export interface Store {
  kind: DbKind;
  db: Kysely<CoreTables>;
  /** Human-readable location for messages (folder or URL without password). */
  location: string;
  /** The PGlite instance itself (embedded store only), for what Kysely cannot express (COPY from a Blob). */
  pglite?: import('@electric-sql/pglite').PGlite;
  close(): Promise<void>;
}

// int8 (counts, ms) as JS numbers on both drivers; all our int8 values are far below 2^53.
const INT8_OID = 20;
const NUMERIC_OID = 1700;

export interface OpenDbOptions {
  /** In-memory PGlite (tests): no folder, no lock. */
  memory?: boolean;
  /** Pool size for PostgreSQL. */
  poolSize?: number;
}

export async function openStore(db: string, opts: OpenDbOptions = {}): Promise<Store> {
  if (isPostgresUrl(db)) return openPostgres(db, opts.poolSize ?? 10);
  return openPGlite(opts.memory ? null : db);
}

async function openPostgres(url: string, poolSize: number): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // The dashboard sorts ~100k lead times per query for exact medians: PostgreSQL's 4 MB default
    // work_mem spills that sort to disk (330 -> 206 ms measured). A URL with its own options keeps them.
    ...(/[?&]options=/.test(url) ? {} : { options: '-c work_mem=32MB' }),
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === INT8_OID || oid === NUMERIC_OID) return (v: string) => (v === null ? null : Number(v));
        return pg.types.getTypeParser(oid, format as 'text');
      }) as typeof pg.types.getTypeParser,
    },
  });
  const redacted = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  try {
    const c = await pool.connect();
    c.release();
  } catch (e) {
    await pool.end().catch(() => {});
    throw new CiError('E_DB_UNAVAILABLE', `cannot connect to PostgreSQL at ${redacted}: ${(e as Error).message}`, {
      where: 'DATABASE_URL / --db',
      hint: 'check that the server runs and the URL, user and password are right',
      cause: e,
    });
  }
  // A pool error on an idle client must not crash the hub; the next query reconnects.
  pool.on('error', () => {});
  const kysely = new Kysely<CoreTables>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    db: kysely,
    location: redacted,
    close: () => kysely.destroy(),
  };
}

async function openPGlite(dir: string | null): Promise<Store> {
  const { PGlite } = await import('@electric-sql/pglite');
  let lock: FolderLock | undefined;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    lock = acquireFolderLock(dir);
  }
  let pglite;
  try {
    pglite = new PGlite(dir ?? undefined, {
      parsers: { [INT8_OID]: (v: string) => Number(v), [NUMERIC_OID]: (v: string) => Number(v) },
    });
    await pglite.waitReady;
  } catch (e) {
    lock?.release();
    throw new CiError('E_DB_UNAVAILABLE', `cannot open the PGlite store in ${dir ?? 'memory'}: ${(e as Error).message}`, {
      where: dir ?? 'memory',
      hint: 'check the folder is readable and writable, or point --db at another folder',
      cause: e,
    });
  }
  const kysely = new Kysely<CoreTables>({ dialect: new PGliteDialect(pglite) });
  let closed = false;
  return {
    kind: 'pglite',
    db: kysely,
    location: dir ? path.resolve(dir) : 'memory',
    pglite,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await kysely.destroy();
      } finally {
        lock?.release();
      }
    },
  };
}

export interface UnnestColumn {
  name: string;
  /**
   * PostgreSQL type of the column, e.g. `text`, `int8`, `timestamptz`, `bool`, `float8`, `uuid`,
   * `jsonb`, or an array type such as `text[]` (sent as JSON, since unnest flattens 2-D arrays).
   */
  type: string;
}

/**
 * `= any($1::type[])`: one array parameter instead of an `in (...)` list of N (PGlite serializes
 * parameters one by one, and PostgreSQL plans a 1,000-element IN list slower). Use as
 * `.where('run_id', '=', anyOf(ids, 'uuid'))`.
 */
export function anyOf<T = string>(values: ReadonlyArray<string | number>, type: 'uuid' | 'text' | 'int8' | 'int4'): RawBuilder<T> {
  return sql<T>`any(${sql.val(values)}::${sql.raw(type)}[])`;
}

/**
 * Array-batched insert: one parameter per column whatever the row count
 * (`INSERT ... SELECT ... FROM unnest($1::t1[], $2::t2[], ...)`), measured ~2x a multi-VALUES
 * insert on both PGlite and PostgreSQL (MEASURED.md) and free of the 65,535-parameter limit.
 * `suffix` is appended verbatim (e.g. `on conflict (...) do update ...`).
 */
export function unnestInsert(
  table: string,
  columns: UnnestColumn[],
  rows: ReadonlyArray<object>,
  suffix?: RawBuilder<unknown>,
): RawBuilder<unknown> {
  const isArray = (c: UnnestColumn) => c.type.endsWith('[]');
  const arrays = columns.map((c) =>
    sql.val(
      rows.map((r) => {
        const v = normalizeParam((r as Record<string, unknown>)[c.name]);
        if (v === null) return null;
        return isArray(c) || c.type === 'jsonb' ? JSON.stringify(v) : v;
      }),
    ),
  );
  const casts = columns.map((c, i) => sql`${arrays[i]}::${sql.raw(isArray(c) || c.type === 'jsonb' ? 'text' : c.type)}[]`);
  const aliases = columns.map((_, i) => sql.raw(`c${i}`));
  const selects = columns.map((c, i) => {
    if (isArray(c)) {
      const elem = c.type.slice(0, -2);
      return sql`case when ${aliases[i]} is null then null else array(select jsonb_array_elements_text(${aliases[i]}::jsonb)::${sql.raw(elem)}) end`;
    }
    if (c.type === 'jsonb') return sql`${aliases[i]}::jsonb`;
    return aliases[i];
  });
  return sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.id(c.name)))}) select ${sql.join(selects)} from unnest(${sql.join(casts)}) as u(${sql.join(aliases)}) ${suffix ?? sql``}`;
}

function normalizeParam(v: unknown): unknown {
  if (v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  return v;
}
