// The cache pillar's table inside the hub (cache_events: one row per lookup, put, quarantine and
// eviction, for the stats API and the dashboard): its migrations and Kysely type.
import type { Migration } from '../../core/db/migrate.js';

export type CacheEventsTable = {
  cache_events: {
    id: import('kysely').Generated<number>;
    at: import('kysely').ColumnType<Date, Date | string, Date | string>;
    kind: string;
    protocol: string;
    namespace: string;
    key: string;
    digest: string | null;
    bytes: number;
    reason: string | null;
    task_ms: number | null;
  };
};

export const cacheMigrations: Migration[] = [
  {
    id: 'cache-0001-events',
    up: `
create table cache_events (
  id bigserial primary key,
  at timestamptz not null,
  kind text not null,
  protocol text not null,
  namespace text not null,
  key text not null,
  digest text,
  bytes bigint not null default 0,
  reason text
);
create index cache_events_at on cache_events (at);
create index cache_events_ns_at on cache_events (namespace, at);
create index cache_events_quarantine on cache_events (at) where kind = 'quarantine';
`,
  },
  {
    // The producing task's duration (turbo's x-artifact-duration): time saved by hits, spent by puts.
    id: 'cache-0002-task-time',
    up: `alter table cache_events add column task_ms bigint;`,
  },
];
