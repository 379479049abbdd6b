// The run tables' declarations (tables.ts) against the migrated database, on both stores: the
// columns, their types, nullability and defaults must be the ones the migrations made — the one
// place where the declaration and the SQL could drift apart.
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachStore } from '../../../test/support/stores.js';
import * as tables from './tables.js';

const UDT: Record<string, string> = {
  uuid: 'uuid',
  text: 'text',
  int4: 'int4',
  int8: 'int8',
  float8: 'float8',
  bool: 'bool',
  timestamptz: 'timestamptz',
  date: 'date',
  'text[]': '_text',
  jsonb: 'jsonb',
};

describeEachStore('run table declarations', (get) => {
  const defs = Object.values(tables).filter((t): t is typeof tables.runsTable => typeof t === 'object' && t !== null && 'columns' in t);
  it('declare exactly the migrated columns, types, nullability and defaults', async () => {
    expect(defs.map((d) => d.name).sort()).toEqual(['chaos_trials', 'commits', 'costs', 'deployments', 'jobs', 'policy_results', 'runs', 'test_summaries']);
    for (const def of defs) {
      const cols = await sql<{ column_name: string; udt_name: string; is_nullable: string; column_default: string | null }>`
        select column_name, udt_name, is_nullable, column_default from information_schema.columns
        where table_schema = 'public' and table_name = ${def.name} order by ordinal_position`.execute(get().db);
      const actual = Object.fromEntries(
        cols.rows.map((c) => [c.column_name, `${c.udt_name}${c.is_nullable === 'YES' ? '?' : c.column_default !== null ? '=' : ''}`]),
      );
      const declared = Object.fromEntries(
        Object.entries(def.columns as Record<string, string>).map(([name, spec]) => {
          const base = UDT[spec.replace(/[?=]$/, '')]!;
          return [name, `${base}${spec.endsWith('?') ? '?' : spec.endsWith('=') ? '=' : ''}`];
        }),
      );
      // A not-null column with a default the writer always sets is declared without `=`.
      for (const [name, spec] of Object.entries(actual)) if (spec.endsWith('=') && declared[name] === spec.slice(0, -1)) actual[name] = declared[name]!;
      expect(declared, def.name).toEqual(actual);
    }
  });
});
