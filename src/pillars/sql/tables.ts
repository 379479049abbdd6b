// The SQL pillar's storage:
//   the functions its views filter with (views.ts; the views themselves are re-created at each start)
//   the role ci_intel_sql: may read the sql_* views and nothing else; a user's query runs under it
//   saved_sql_queries  saved queries, shared by URL (/?page=sql&q=ID); the text only, never results
import type { Migration } from '../../core/db/migrate.js';
import { ROLE, VISIBILITY_FUNCTIONS } from './views.js';

export type SavedSqlQueryTable = {
  id: string;
  title: string;
  sql: string;
  created_at: Date | string;
};

export type SqlTables = { saved_sql_queries: SavedSqlQueryTable };

export const migrations: Migration[] = [
  {
    id: 'sql-0001-views-role-saved',
    // The role is cluster-wide: another database of the same server may have made it already, and a
    // hub user without CREATEROLE cannot (the guard and the views then stand alone; run.ts logs it).
    up: `${VISIBILITY_FUNCTIONS}
do $$
begin
  if not exists (select 1 from pg_roles where rolname = '${ROLE}') then
    create role ${ROLE} nologin;
  end if;
exception when duplicate_object or unique_violation or insufficient_privilege then null;
end $$;
do $$
begin
  grant ${ROLE} to current_user;
exception when others then null;
end $$;
create table saved_sql_queries (
  id text primary key,
  title text not null,
  sql text not null,
  created_at timestamptz not null
);`,
  },
];
