// What a schema says, read back from PostgreSQL's own catalog after the schema is loaded — more
// honest than parsing DDL by hand: types with their modifiers, NOT NULL, defaults, identity and
// generated columns, enum labels, primary/unique keys (constraints and unique indexes), CHECK
// expressions as the server normalized them, and foreign keys.
import type pg from 'pg';

export interface Column {
  name: string;
  /** The type as PostgreSQL prints it, e.g. `character varying(40)`, `numeric(10,2)`. */
  type: string;
  /** The base type's name, e.g. `varchar`, `numeric`, `int4`; `_int4` for arrays. */
  typname: string;
  /** Labels of an enum type, in order. */
  enumLabels?: string[];
  notNull: boolean;
  hasDefault: boolean;
  /** A serial / identity column (its value comes from a sequence). */
  sequence: boolean;
  /** GENERATED ALWAYS AS (expr) STORED: never written. */
  generated: boolean;
  /** `a` = GENERATED ALWAYS AS IDENTITY (needs OVERRIDING SYSTEM VALUE to be written). */
  identity: '' | 'a' | 'd';
  /** varchar(n)/char(n) length; numeric precision and scale. */
  maxLength?: number;
  precision?: number;
  scale?: number;
}

export interface ForeignKey {
  name: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
}

export interface Table {
  name: string;
  columns: Column[];
  /** Every key whose values must be unique together (primary key first). */
  uniques: string[][];
  primaryKey: string[];
  checks: Array<{ name: string; expr: string }>;
  foreignKeys: ForeignKey[];
}

export async function readCatalog(client: pg.Client, schema = 'public'): Promise<Table[]> {
  const cols = await client.query<{
    table: string;
    name: string;
    type: string;
    typname: string;
    typtype: string;
    typoid: number;
    notnull: boolean;
    hasdef: boolean;
    def: string | null;
    identity: string;
    generated: string;
    typmod: number;
  }>(
    `SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            t.typname, t.typtype, t.oid::int AS typoid, a.attnotnull AS notnull, a.atthasdef AS hasdef,
            pg_get_expr(d.adbin, d.adrelid) AS def, a.attidentity AS identity, a.attgenerated AS generated, a.atttypmod AS typmod
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY c.relname, a.attnum`,
    [schema],
  );
  const enums = await client.query<{ typoid: number; label: string }>(
    'SELECT enumtypid::int AS typoid, enumlabel AS label FROM pg_enum ORDER BY enumtypid, enumsortorder',
  );
  const labels = new Map<number, string[]>();
  for (const e of enums.rows) labels.set(e.typoid, [...(labels.get(e.typoid) ?? []), e.label]);

  const tables = new Map<string, Table>();
  for (const r of cols.rows) {
    const t = tables.get(r.table) ?? { name: r.table, columns: [], uniques: [], primaryKey: [], checks: [], foreignKeys: [] };
    tables.set(r.table, t);
    const col: Column = {
      name: r.name,
      type: r.type,
      typname: r.typname,
      notNull: r.notnull,
      hasDefault: r.hasdef,
      sequence: r.identity !== '' || /^nextval\(/.test(r.def ?? ''),
      generated: r.generated !== '',
      identity: r.identity as Column['identity'],
    };
    if (r.typtype === 'e') col.enumLabels = labels.get(r.typoid) ?? [];
    if ((r.typname === 'varchar' || r.typname === 'bpchar') && r.typmod > 4) col.maxLength = r.typmod - 4;
    if (r.typname === 'numeric' && r.typmod > 4) {
      col.precision = ((r.typmod - 4) >> 16) & 0xffff;
      col.scale = (r.typmod - 4) & 0xffff;
    }
    t.columns.push(col);
  }

  const cons = await client.query<{
    table: string;
    name: string;
    type: string;
    cols: string[];
    reftable: string | null;
    refcols: string[] | null;
    def: string;
  }>(
    `SELECT c.relname AS table, k.conname AS name, k.contype AS type,
            ARRAY(SELECT attname FROM unnest(k.conkey) WITH ORDINALITY u(n, i) JOIN pg_attribute ON attrelid = k.conrelid AND attnum = u.n ORDER BY u.i)::text[] AS cols,
            rc.relname AS reftable,
            ARRAY(SELECT attname FROM unnest(k.confkey) WITH ORDINALITY u(n, i) JOIN pg_attribute ON attrelid = k.confrelid AND attnum = u.n ORDER BY u.i)::text[] AS refcols,
            pg_get_constraintdef(k.oid) AS def
       FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_class rc ON rc.oid = k.confrelid
      WHERE n.nspname = $1 AND k.contype IN ('p', 'u', 'c', 'f')
      ORDER BY c.relname, k.contype, k.conname`,
    [schema],
  );
  for (const k of cons.rows) {
    const t = tables.get(k.table);
    if (!t) continue;
    if (k.type === 'p') {
      t.primaryKey = k.cols;
      t.uniques.unshift(k.cols);
    } else if (k.type === 'u') t.uniques.push(k.cols);
    else if (k.type === 'c') t.checks.push({ name: k.name, expr: k.def.replace(/^CHECK\s*/, '').replace(/\s+NOT VALID$/, '') });
    else if (k.type === 'f') t.foreignKeys.push({ name: k.name, columns: k.cols, refTable: k.reftable!, refColumns: k.refcols ?? [] });
  }
  // Unique indexes that are not constraints (CREATE UNIQUE INDEX ...), on plain columns only.
  const idx = await client.query<{ table: string; cols: string[] }>(
    `SELECT c.relname AS table,
            ARRAY(SELECT attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY u(n, o) JOIN pg_attribute ON attrelid = i.indrelid AND attnum = u.n ORDER BY u.o)::text[] AS cols
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND i.indisunique AND i.indexprs IS NULL AND i.indpred IS NULL
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
      ORDER BY c.relname, i.indexrelid`,
    [schema],
  );
  for (const r of idx.rows) tables.get(r.table)?.uniques.push(r.cols);
  return [...tables.values()].sort((a, b) => a.name.localeCompare(b.name));
}
