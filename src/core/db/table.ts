// A table's columns, declared once: the Kysely row type (at the type level) and the column list
// of bulk inserts (at run time) both come from one declaration. Migrations keep their own SQL:
// they are history and never change.
//
// A column is its PostgreSQL type, `?` when it may be null, `=` when the database fills a default
// (left out of inserts): `'uuid'`, `'text?'`, `'timestamptz='`.
import type { ColumnType, RawBuilder } from 'kysely';
import { unnestInsert, type UnnestColumn } from './unnest.js';

type PgType = 'uuid' | 'text' | 'int4' | 'int8' | 'float8' | 'bool' | 'timestamptz' | 'date' | 'text[]' | 'jsonb';
export type ColumnSpec = PgType | `${PgType}?` | `${PgType}=`;

type Base<S> = S extends `${infer B}?` ? B : S extends `${infer B}=` ? B : S;
type Ts<B> = B extends 'uuid' | 'text' | 'date'
  ? string
  : B extends 'int4' | 'int8' | 'float8'
    ? number
    : B extends 'bool'
      ? boolean
      : B extends 'text[]'
        ? string[]
        : B extends 'timestamptz'
          ? Date
          : unknown;
/** Timestamps are read as Date and may be written as ISO strings. */
type Timestamp<S> = S extends `${string}?`
  ? ColumnType<Date | null, Date | string | null, Date | string | null>
  : S extends `${string}=`
    ? ColumnType<Date, Date | string | undefined, Date | string>
    : ColumnType<Date, Date | string, Date | string>;
type Column<S> =
  Base<S> extends 'timestamptz'
    ? Timestamp<S>
    : S extends `${string}?`
      ? Ts<Base<S>> | null
      : S extends `${string}=`
        ? ColumnType<Ts<Base<S>>, Ts<Base<S>> | undefined, Ts<Base<S>>>
        : Ts<Base<S>>;

/** The Kysely table type of a declaration. */
export type TableOf<T extends { columns: Record<string, ColumnSpec> }> = { [K in keyof T['columns']]: Column<T['columns'][K]> };

export interface TableDef<C extends Record<string, ColumnSpec>> {
  name: string;
  columns: C;
  /** Every column an insert sets (those without a database default). */
  insertColumns: UnnestColumn[];
  /** `INSERT ... SELECT FROM unnest(...)` of rows (missing and undefined values are null). */
  insert(rows: ReadonlyArray<object>, suffix?: RawBuilder<unknown>): RawBuilder<unknown>;
}

export function defineTable<const C extends Record<string, ColumnSpec>>(name: string, columns: C): TableDef<C> {
  const insertColumns = Object.entries(columns)
    .filter(([, spec]) => !spec.endsWith('='))
    .map(([col, spec]) => ({ name: col, type: spec.replace(/[?=]$/, '') }));
  return { name, columns, insertColumns, insert: (rows, suffix) => unnestInsert(name, insertColumns, rows, suffix) };
}

/** The insert columns except some (e.g. what an upsert leaves alone). */
export const columnsExcept = (t: TableDef<Record<string, ColumnSpec>>, ...names: string[]) => t.insertColumns.filter((c) => !names.includes(c.name));
