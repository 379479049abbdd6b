import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openStore, unnestInsert } from './index.js';
import { migrate, splitStatements } from './migrate.js';
import { describeEachStore } from '../../../test/support/stores.js';
import { CiError } from '../errors.js';

describe('PGlite folder lock', () => {
  // A second *process* on a folder in use is tested end to end with the built CLI (test/e2e-cli.test.ts).
  it('refuses a second open of a folder in use, and takes over a stale lock of a dead process', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-lock-'));
    const store = await openStore(path.join(dir, 'db'));
    try {
      const err = await openStore(path.join(dir, 'db')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CiError);
      expect((err as CiError).code).toBe('E_DB_LOCKED');
      expect((err as CiError).oneLine()).toMatch(/is in use by process \d+ .* — PGlite allows one process per data folder/);
    } finally {
      await store.close();
    }
    // A lock left by a process that died is stale: the next open takes it over.
    writeFileSync(path.join(dir, 'db', 'ci-intel.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), started_at: 'x' }));
    const again = await openStore(path.join(dir, 'db'));
    await again.close();
  });
});

describe('splitStatements', () => {
  it('splits on semicolons outside quotes, dollar bodies and comments', () => {
    const text = `create table a (x text default ';'); -- a comment; here
create function f() returns int as $$ begin return 1; end $$ language plpgsql;
select 'it''s; fine';`;
    expect(splitStatements(text)).toEqual([
      "create table a (x text default ';')",
      'create function f() returns int as $$ begin return 1; end $$ language plpgsql',
      "select 'it''s; fine'",
    ]);
  });
});

describeEachStore('store', (get) => {
  it('applies migrations once, in order, and refuses duplicate ids', async () => {
    const { db, store } = get();
    const m = [
      { id: 'x-0001', up: 'create table x_t (id int primary key, tags text[]); insert into x_t values (1, null)' },
      { id: 'x-0002', up: 'alter table x_t add column name text' },
    ];
    expect(await migrate(db, m, store.kind)).toEqual(['x-0001', 'x-0002']);
    expect(await migrate(db, m, store.kind)).toEqual([]);
    await expect(migrate(db, [m[0]!, m[0]!], store.kind)).rejects.toMatchObject({ code: 'E_MIGRATION_FAILED' });
    await expect(migrate(db, [{ id: 'x-0003', up: 'create table broken (' }], store.kind)).rejects.toMatchObject({ code: 'E_MIGRATION_FAILED' });
    const r = await sql<{ n: number }>`select count(*)::int as n from ci_intel_migrations where id = 'x-0003'`.execute(db);
    expect(r.rows[0]!.n).toBe(0);
  });

  it('unnestInsert writes arrays, nulls, timestamps and JSON in one statement', async () => {
    const { db } = get();
    await sql`create table u_t (id int8, name text, at timestamptz, tags text[], doc jsonb, ok bool)`.execute(db);
    const rows = [
      { id: 1, name: 'a', at: new Date('2026-01-01T00:00:00Z'), tags: ['x', 'y,z', 'q"uote'], doc: { a: [1, 2] }, ok: true },
      { id: 2, name: null, at: null, tags: [], doc: null, ok: null },
      { id: 3, name: "it's", at: '2026-01-02T03:04:05.678Z', tags: null, doc: 'str', ok: false },
    ];
    await unnestInsert(
      'u_t',
      [
        { name: 'id', type: 'int8' },
        { name: 'name', type: 'text' },
        { name: 'at', type: 'timestamptz' },
        { name: 'tags', type: 'text[]' },
        { name: 'doc', type: 'jsonb' },
        { name: 'ok', type: 'bool' },
      ],
      rows,
    ).execute(db);
    const back = await sql<Record<string, unknown>>`select * from u_t order by id`.execute(db);
    expect(back.rows).toEqual([
      { id: 1, name: 'a', at: new Date('2026-01-01T00:00:00Z'), tags: ['x', 'y,z', 'q"uote'], doc: { a: [1, 2] }, ok: true },
      { id: 2, name: null, at: null, tags: [], doc: null, ok: null },
      { id: 3, name: "it's", at: new Date('2026-01-02T03:04:05.678Z'), tags: null, doc: 'str', ok: false },
    ]);
  });
});
