// The scheduler's tables (seed 000 pillar 3 "Storage: prediction_runs"):
//   prediction_runs   one row per (run, job): the prediction made when the hub first saw the run
//                     (queued / in progress, or the finished record), its features, and — when the
//                     run ends — the actual duration and the error. job_key '*' is the whole run.
//   scheduler_models  the online model's state per series (repo, workflow, job): O(1) to update.
import type { Kysely } from 'kysely';
import type { CoreTables } from '../../core/db/schema.js';
import type { Migration } from '../../core/db/migrate.js';
import type { HubContext } from '../../core/registry.js';

export type PredictionRunsTable = {
  run_id: string;
  job_key: string;
  repo: string;
  workflow: string;
  job: string;
  predicted_at: Date | string;
  p50_ms: number | null;
  p90_ms: number | null;
  method: string;
  reason: string | null;
  features: string;
  actual_ms: number | null;
  ape: number | null;
  naive_ms: number | null;
  ended_at: Date | string | null;
};

export type SchedulerModelsTable = {
  repo: string;
  workflow: string;
  job: string;
  state: string;
  runs: number;
  updated_at: Date | string;
};

export type SchedulerTables = { prediction_runs: PredictionRunsTable; scheduler_models: SchedulerModelsTable };
export type SchedulerDb = Kysely<CoreTables & SchedulerTables>;
export const sdb = (ctx: Pick<HubContext, 'db'>): SchedulerDb => ctx.db.withTables<SchedulerTables>();

export const migrations: Migration[] = [
  {
    id: 'scheduler-0001-predictions',
    up: `
create table prediction_runs (
  run_id uuid not null references runs (run_id) on delete cascade,
  job_key text not null,
  repo text not null,
  workflow text not null,
  job text not null,
  predicted_at timestamptz not null,
  p50_ms float8,
  p90_ms float8,
  method text not null,
  reason text,
  features jsonb not null,
  actual_ms bigint,
  ape float8,
  naive_ms float8,
  ended_at timestamptz,
  primary key (run_id, job_key)
);
create index prediction_runs_repo_idx on prediction_runs (repo, predicted_at);

create table scheduler_models (
  repo text not null,
  workflow text not null,
  job text not null,
  state jsonb not null,
  runs integer not null,
  updated_at timestamptz not null,
  primary key (repo, workflow, job)
);
`,
  },
];
