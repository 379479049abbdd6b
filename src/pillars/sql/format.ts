// A query's answer as CSV (RFC 4180), as one JSON object, as an aligned text table (the CLI) and as
// Parquet (the notebook export: pandas.read_parquet / read_csv read these as they are).
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { SqlColumn, SqlResult } from './run.js';

const cell = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(r: Pick<SqlResult, 'columns' | 'rows'>): string {
  const lines = [r.columns.map((c) => csvField(c.name)).join(',')];
  for (const row of r.rows) lines.push(row.map((v) => csvField(cell(v))).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** Rows as objects keyed by column name (a repeated name gets `_2`, `_3` …). */
export function toObjects(r: Pick<SqlResult, 'columns' | 'rows'>): Array<Record<string, unknown>> {
  const names = uniqueNames(r.columns);
  return r.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i] ?? null])));
}

export function uniqueNames(columns: SqlColumn[]): string[] {
  const seen = new Map<string, number>();
  return columns.map((c) => {
    const n = (seen.get(c.name) ?? 0) + 1;
    seen.set(c.name, n);
    return n === 1 ? c.name : `${c.name}_${n}`;
  });
}

/** Rows back from objects (the API's JSON answer) in column order. */
export function fromObjects(columns: SqlColumn[], objects: Array<Record<string, unknown>>): unknown[][] {
  const names = uniqueNames(columns);
  return objects.map((o) => names.map((n) => o[n] ?? null));
}

/** An aligned text table for a terminal; a line says when rows were left out. */
export function toTable(r: SqlResult): string {
  const head = r.columns.map((c) => c.name);
  const body = r.rows.map((row) => row.map((v) => (v === null || v === undefined ? 'NULL' : cell(v)).replace(/\s+/g, ' ')));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((s, i) => s.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
  out.push(`(${r.rows.length} row${r.rows.length === 1 ? '' : 's'}${r.truncated ? ', more left out at the row cap' : ''})`);
  return out.join('\n') + '\n';
}

type ParquetType = 'BOOLEAN' | 'INT32' | 'DOUBLE' | 'STRING' | 'TIMESTAMP';

function parquetType(t: string): ParquetType {
  if (t === 'boolean') return 'BOOLEAN';
  if (t === 'smallint' || t === 'integer') return 'INT32';
  if (t === 'bigint' || t === 'numeric' || t === 'real' || t === 'double precision') return 'DOUBLE';
  if (t === 'timestamptz' || t === 'timestamp') return 'TIMESTAMP';
  return 'STRING';
}

/** The answer as a Parquet file: numbers as INT32/DOUBLE, instants as timestamps, the rest as text. */
export function toParquet(r: Pick<SqlResult, 'columns' | 'rows'>): Uint8Array {
  const names = uniqueNames(r.columns);
  const columnData = r.columns.map((c, i) => {
    const type = parquetType(c.type);
    const data = r.rows.map((row) => {
      const v = row[i];
      if (v === null || v === undefined) return null;
      if (type === 'TIMESTAMP') return new Date(String(v));
      if (type === 'STRING') return cell(v);
      return v;
    });
    return { name: names[i]!, data, type };
  });
  return new Uint8Array(parquetWriteBuffer({ columnData }));
}
