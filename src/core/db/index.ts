// createDb(config): Kysely over PGlite (embedded default) or pg (a PostgreSQL server), one SQL
// dialect for both. PGlite is single-process, so its data folder is guarded by a lock file and a
// second process gets E_DB_LOCKED (DESIGN.md "One process per PGlite folder").
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { CiError } from '../errors.js';
import { isPostgresUrl } from '../config.js';
import { PGliteDialect } from './pglite-dialect.js';
import { acquireFolderLock, type FolderLock } from './lock.js';
import type { CoreTables } from './schema.js';

export type { CoreTables } from './schema.js';
export { sql } from 'kysely';

/** `repo` matches one of a caller's repository patterns (as regexes: core/http repoRegexes). */
export const repoMatch = (res: string[]) =>
  sql<boolean>`(${sql.join(
    res.map((re) => sql`repo ~ ${re}`),
    sql` or `,
  )})`;

/**
 * Whether a table exists: a pillar reading another pillar's table by SQL (domain data, no import)
 * guards the read with it, so a hub assembled without that pillar answers "none" instead of failing.
 */
export const tableExists = async (db: Kysely<any>, name: string): Promise<boolean> =>
  Boolean((await sql<{ t: string | null }>`select to_regclass(${name})::text as t`.execute(db)).rows[0]?.t);

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
  // A connection lost (a restart, a failover) must not crash the hub: an idle client's error goes
  // to the pool, a busy client's to its own listener (pg emits it there besides failing the
  // query); the pool then opens new connections as queries need them. Set before the first
  // connect: that client stays in the pool, and a hub crashed when it was the one busy at a restart.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
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

export { anyOf, deleteInBatches, unnestInsert, type UnnestColumn } from './unnest.js';
