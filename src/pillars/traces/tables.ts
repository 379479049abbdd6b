// The traces pillar's tables:
//   traces_queue     runs waiting to be exported (fed by the bus after a run is stored, and by
//                    `ci-intel traces export`); the exporter drains it in the background, so ingest
//                    never waits on the collector, and a collector outage leaves the rows here.
//                    Queuing a run already queued bumps its version: the exporter removes only the
//                    version it read, so a run stored again while being sent is sent again.
//   traces_exported  what was last sent per run: its trace id and a hash of its spans, so a
//                    re-ingested run whose trace did not change is sent nothing again.
//   traces_parents   the W3C traceparent a pipeline propagated (the agent's TRACEPARENT), so the
//                    run's trace joins the pipeline's own instrumentation.
//   traces_changes_exported  the changes (commit → production deploy) sent as traces, and for
//                    which deployment: a change is sent once.
import type { Kysely } from 'kysely';
import type { Migration } from '../../core/db/migrate.js';
import type { CoreTables } from '../../core/db/schema.js';
import type { HubContext } from '../../core/registry.js';

export const migrations: Migration[] = [
  {
    id: 'traces-0001-tables',
    up: `
create table traces_queue (
  run_id uuid primary key,
  queued_at timestamptz not null,
  version integer not null default 0
);
create index traces_queue_at on traces_queue (queued_at);
create table traces_exported (
  run_id uuid primary key,
  trace_id text not null,
  content_hash text not null,
  spans integer not null,
  exported_at timestamptz not null
);
create table traces_parents (
  run_id uuid primary key,
  traceparent text not null,
  received_at timestamptz not null
);
`,
  },
  {
    // Changes (commit → production deploy) sent as traces: one row per change, with the
    // deployment it was sent for, so re-ingest sends nothing twice.
    id: 'traces-0002-changes',
    up: `
create table traces_changes_exported (
  repo text not null,
  commit_sha text not null,
  deployment_id text not null,
  trace_id text not null,
  content_hash text not null,
  spans integer not null,
  exported_at timestamptz not null,
  primary key (repo, commit_sha)
);
`,
  },
];

export type TracesTables = {
  traces_queue: { run_id: string; queued_at: Date | string; version: number };
  traces_exported: { run_id: string; trace_id: string; content_hash: string; spans: number; exported_at: Date | string };
  traces_parents: { run_id: string; traceparent: string; received_at: Date | string };
  traces_changes_exported: {
    repo: string;
    commit_sha: string;
    deployment_id: string;
    trace_id: string;
    content_hash: string;
    spans: number;
    exported_at: Date | string;
  };
};

export type TracesDb = Kysely<CoreTables & TracesTables>;

/** The hub's database with this pillar's tables. */
export const tdb = (ctx: Pick<HubContext, 'db'>): TracesDb => ctx.db.withTables<TracesTables>();
