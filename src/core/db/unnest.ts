// Array-batched statements: one parameter per column or set, whatever the row count (PGlite
// serializes parameters one by one, so parameter count is a cost on the embedded store).
import { sql, type Kysely, type RawBuilder } from 'kysely';

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
export function unnestInsert(table: string, columns: UnnestColumn[], rows: ReadonlyArray<object>, suffix?: RawBuilder<unknown>): RawBuilder<unknown> {
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

const DELETE_BATCH = 10_000;

/** Deletes in batches (a year of runs is millions of rows; one statement would hold locks for long). */
export async function deleteInBatches(db: Kysely<any>, table: string, key: string, where: ReturnType<typeof sql>): Promise<number> {
  let total = 0;
  for (;;) {
    const r =
      await sql`delete from ${sql.table(table)} where ${sql.ref(key)} in (select ${sql.ref(key)} from ${sql.table(table)} where ${where} limit ${DELETE_BATCH})`.execute(
        db,
      );
    const n = Number(r.numAffectedRows ?? 0);
    total += n;
    if (n < DELETE_BATCH) return total;
  }
}
