// Versioned migrations. Core's come first, then each pillar's in registry order; an id is applied
// once and never edited afterwards (add a new migration instead). Each runs in its own transaction;
// on PostgreSQL an advisory lock makes concurrent hub starts wait for one another.
import { sql, type Kysely } from 'kysely';
import { CiError } from '../errors.js';

export interface Migration {
  /** Globally unique and stable, e.g. `core-0001-runs` or `tests-0001-results`. */
  id: string;
  /** SQL (several statements allowed) or a function using the transaction. */
  up: string | ((db: Kysely<any>) => Promise<void>);
}

const MIGRATION_LOCK = 71_311_207; // arbitrary constant key for pg_advisory_lock

export async function migrate(db: Kysely<any>, migrations: Migration[], kind: 'pglite' | 'postgres'): Promise<string[]> {
  const ids = new Set<string>();
  for (const m of migrations) {
    if (ids.has(m.id)) throw new CiError('E_MIGRATION_FAILED', `two migrations share the id ${m.id}`, { hint: 'rename one' });
    ids.add(m.id);
  }
  await sql`create table if not exists ci_intel_migrations (id text primary key, applied_at timestamptz not null default now())`.execute(db);
  const applied: string[] = [];
  const run = async (conn: Kysely<any>) => {
    const done = new Set((await sql<{ id: string }>`select id from ci_intel_migrations`.execute(conn)).rows.map((r) => r.id));
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      try {
        await conn.transaction().execute(async (trx) => {
          if (typeof m.up === 'string') for (const stmt of splitStatements(m.up)) await sql.raw(stmt).execute(trx);
          else await m.up(trx);
          await sql`insert into ci_intel_migrations (id) values (${m.id})`.execute(trx);
        });
        applied.push(m.id);
      } catch (e) {
        throw new CiError('E_MIGRATION_FAILED', `migration ${m.id} failed: ${(e as Error).message}`, {
          where: m.id,
          hint: 'the store is unchanged by this migration; fix it and start again',
          cause: e,
        });
      }
    }
  };
  if (kind === 'postgres') {
    await db.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(${MIGRATION_LOCK})`.execute(conn);
      try {
        await run(conn);
      } finally {
        await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`.execute(conn);
      }
    });
  } else {
    await run(db);
  }
  return applied;
}

/**
 * Splits SQL text into statements on `;` outside quotes, dollar-quoted bodies and comments (the
 * extended query protocol both drivers use takes one statement at a time).
 */
export function splitStatements(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'") {
      const j = text.indexOf("'", i + 1);
      const end = j < 0 ? text.length : j + 1;
      cur += text.slice(i, end);
      i = end;
      continue;
    }
    if (c === '-' && text[i + 1] === '-') {
      const j = text.indexOf('\n', i);
      i = j < 0 ? text.length : j;
      continue;
    }
    if (c === '$') {
      const m = /^\$[A-Za-z_]*\$/.exec(text.slice(i));
      if (m) {
        const j = text.indexOf(m[0], i + m[0].length);
        const end = j < 0 ? text.length : j + m[0].length;
        cur += text.slice(i, end);
        i = end;
        continue;
      }
    }
    if (c === ';') {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
      i++;
      continue;
    }
    cur += c;
    i++;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}
