// The chaos pillar's table:
//   chaos_results  one row per chaos trial, whichever way it arrived — `chaos run --record` (the
//                  agent, with the time the fault added) or a run record's `chaos[]` item (core's
//                  chaos_trials, copied when the run is ingested). Both paths compute the same
//                  trial id from the trial itself, so a trial reported both ways is one row.
//   chaos_switch_log  the hub's kill switch: each flip (who, why, when); the latest is the state.
// The resilience report (report.ts) is computed from chaos_results. (DECISIONS: D-chaos-4.)
import type { Generated, Kysely } from 'kysely';
import type { CoreTables } from '../../core/db/schema.js';
import type { Migration } from '../../core/db/migrate.js';

export type ChaosResultsTable = {
  trial_id: string;
  repo: string;
  commit: string | null;
  run_id: string | null;
  fault: string;
  target: string;
  seed: string | number;
  rate: number | null;
  started_at: Date | string;
  ended_at: Date | string | null;
  outcome: string;
  retries: number | null;
  /** Wall time the fault cost: failed attempts and backoffs (only the agent knows it). */
  added_ms: number | null;
  recorded_at: Date | string;
};

/** Every flip of the hub's kill switch (the latest row is the state; none = on): the audit. */
export type ChaosSwitchLogTable = {
  id: Generated<number>;
  enabled: boolean;
  by: string;
  reason: string;
  token_id: string | null;
  at: Date | string;
};

export type ChaosTables = { chaos_results: ChaosResultsTable; chaos_switch_log: ChaosSwitchLogTable };
export type ChaosDb = Kysely<CoreTables & ChaosTables>;

export const migrations: Migration[] = [
  {
    id: 'chaos-0001-results',
    up: `
create table chaos_results (
  trial_id text primary key,
  repo text not null,
  commit text,
  run_id uuid,
  fault text not null,
  target text not null,
  seed bigint not null,
  rate double precision,
  started_at timestamptz not null,
  ended_at timestamptz,
  outcome text not null,
  retries integer,
  added_ms integer,
  recorded_at timestamptz not null
);
create index chaos_results_by_time on chaos_results (repo, started_at);
`,
  },
  {
    id: 'chaos-0002-switch-log',
    up: `
create table chaos_switch_log (
  id serial primary key,
  enabled boolean not null,
  by text not null,
  reason text not null,
  token_id text,
  at timestamptz not null
);
`,
  },
];
