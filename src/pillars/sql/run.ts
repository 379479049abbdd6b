// Runs one checked query for one caller. The walls, outermost first: the guard (guard.ts) lets one
// SELECT over the sql_* views through; the transaction is READ ONLY with a statement timeout; the
// caller's repositories go into a transaction-local setting the views filter on; the query runs
// under the role ci_intel_sql, which may read the views and no table (PostgreSQL and PGlite alike,
// when the hub's user could create the role); the planner's cost is capped before anything runs
// (PGlite cannot interrupt a running query: this is its time limit). Rows come through a cursor,
// fetched up to the row cap plus one, so the answer knows whether there were more.
import pg from 'pg';
import type { Kysely } from 'kysely';
import { CiError } from '../../core/errors.js';
import type { Store } from '../../core/db/index.js';
import { checkQuery } from './guard.js';
import { ROLE, SETTING, installViews, roleUsable, type SqlView } from './views.js';
import type { SqlConfig } from './config.js';

export interface SqlColumn {
  name: string;
  type: string;
}

export interface SqlResult {
  columns: SqlColumn[];
  rows: unknown[][];
  /** More rows than the cap existed; `rows` holds the first `maxRows`. */
  truncated: boolean;
  /** The views the query read. */
  views: string[];
}

/** What the views let through: null = every repository, else the caller's patterns as PostgreSQL regexes. */
export type Visibility = string[] | null;

interface Raw {
  query(text: string, params?: unknown[]): Promise<{ fields: Array<{ name: string; dataTypeID: number }>; rows: unknown[][] }>;
}

const TYPES: Record<number, string> = {
  16: 'boolean',
  20: 'bigint',
  21: 'smallint',
  23: 'integer',
  25: 'text',
  114: 'json',
  700: 'real',
  701: 'double precision',
  1043: 'text',
  1082: 'date',
  1114: 'timestamp',
  1184: 'timestamptz',
  1186: 'interval',
  1700: 'numeric',
  2950: 'uuid',
  3802: 'jsonb',
  1009: 'text[]',
  1007: 'integer[]',
  1016: 'bigint[]',
};

// One shape on both drivers: numbers as numbers, instants as ISO strings, dates as YYYY-MM-DD.
const asNumber = (v: string) => Number(v);
const asInstant = (v: string) => new Date(/[+-]\d\d(:?\d\d)?$/.test(v) ? v : `${v}Z`).toISOString();
const asText = (v: string) => v;
const PARSERS: Record<number, (v: string) => unknown> = { 20: asNumber, 1700: asNumber, 1082: asText, 1114: asInstant, 1184: asInstant, 1186: asText };

/** Per store: the views installed at first use (after the migrations) and whether the role can be taken. */
const prepared = new WeakMap<Kysely<any>, Promise<{ views: SqlView[]; role: boolean }>>();

export function prepare(db: Kysely<any>): Promise<{ views: SqlView[]; role: boolean }> {
  let p = prepared.get(db);
  if (!p) {
    p = (async () => ({ views: await installViews(db), role: await roleUsable(db) }))();
    p.catch(() => prepared.delete(db));
    prepared.set(db, p);
  }
  return p;
}

export async function runQuery(store: Store, dbUrl: string, text: string, visibility: Visibility, limits: SqlConfig): Promise<SqlResult> {
  const { views, role } = await prepare(store.db);
  const checked = await checkQuery(text, new Set(views.map((v) => v.name)));
  return withReadOnly(store, dbUrl, async (raw) => {
    await raw.query(`select set_config('${SETTING}', $1, true), set_config('TimeZone', 'UTC', true)`, [visibility === null ? '*' : JSON.stringify(visibility)]);
    if (role) await raw.query(`set local role ${ROLE}`);
    const plan = (await raw.query(`explain (format json) ${checked.text}`)).rows[0]?.[0];
    const cost = Number((typeof plan === 'string' ? JSON.parse(plan) : plan)?.[0]?.Plan?.['Total Cost'] ?? 0);
    if (cost > limits.maxCost)
      throw new CiError('E_SQL_TOO_COSTLY', `the query's planned cost is ${Math.round(cost)}, over the cap of ${limits.maxCost}; nothing ran`, {
        where: 'query',
        hint: 'narrow it: a WHERE on a time window or a repository, fewer joins, or aggregate before joining',
      });
    // The timeout covers the query, not the cost check before it (planning is quick; a first
    // statement on a fresh connection of a loaded server is not always).
    await raw.query(`select set_config('statement_timeout', $1, true)`, [String(limits.timeoutMs)]);
    await raw.query(`declare ci_intel_sql_cursor no scroll cursor for ${checked.text}\n`);
    const res = await raw.query(`fetch ${limits.maxRows + 1} from ci_intel_sql_cursor`);
    const truncated = res.rows.length > limits.maxRows;
    return {
      columns: res.fields.map((f) => ({ name: f.name, type: TYPES[f.dataTypeID] ?? 'unknown' })),
      rows: truncated ? res.rows.slice(0, limits.maxRows) : res.rows,
      truncated,
      views: checked.views,
    };
  });
}

/** A READ ONLY transaction on its own connection, always rolled back; PostgreSQL's errors become ours. */
async function withReadOnly<T>(store: Store, dbUrl: string, fn: (raw: Raw) => Promise<T>): Promise<T> {
  if (store.pglite) {
    const pgl = store.pglite;
    // Holding a Kysely connection holds the PGlite mutex: no other statement slips into the transaction.
    return store.db.connection().execute(async () => {
      const raw: Raw = {
        query: async (text, params) => {
          const r = await pgl.query<unknown[]>(text, params, { rowMode: 'array', parsers: PARSERS });
          return { fields: r.fields, rows: r.rows };
        },
      };
      await pgl.query('begin read only');
      try {
        return await fn(raw);
      } catch (e) {
        throw translate(e);
      } finally {
        await pgl.query('rollback');
      }
    });
  }
  // A connection of its own (not the hub's pool): a slow user query never holds a hub connection.
  const client = new pg.Client({
    connectionString: dbUrl,
    types: { getTypeParser: ((oid: number) => PARSERS[oid] ?? pg.types.getTypeParser(oid)) as typeof pg.types.getTypeParser },
  });
  client.on('error', () => {});
  await client.connect();
  try {
    const raw: Raw = {
      query: async (text, params) => {
        const r = await client.query({ text, values: params, rowMode: 'array' });
        return { fields: r.fields, rows: r.rows as unknown[][] };
      },
    };
    await client.query('begin read only');
    try {
      return await fn(raw);
    } catch (e) {
      throw translate(e);
    } finally {
      await client.query('rollback').catch(() => {});
    }
  } finally {
    await client.end().catch(() => {});
  }
}

function translate(e: unknown): unknown {
  if (e instanceof CiError) return e;
  const err = e as { code?: string; message?: string; position?: string | number };
  const where = err.position ? `query, character ${err.position}` : 'query';
  if (err.code === '57014')
    return new CiError('E_SQL_TIMEOUT', 'the query ran past the statement timeout and was cancelled', {
      where,
      hint: 'narrow it (a time window, a repository) or ask the hub operator for a longer sql.timeoutMs',
    });
  if (err.code === '42501' || err.code === '25006')
    return new CiError('E_SQL_REFUSED', `PostgreSQL refused it: ${err.message}`, { where, hint: 'read the sql_* views only' });
  if (typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code))
    return new CiError('E_SQL_FAILED', `PostgreSQL refused the query: ${err.message}`, { where, hint: 'check the names against GET /api/v1/sql/views' });
  return e;
}
