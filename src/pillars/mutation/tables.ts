// The mutation pillar's tables (seed 000 pillar 1 "Outputs: mutation_runs, mutation_trends, file-level
// hotspots, EWMA control limits") — migrations and Kysely types:
//   mutation_runs    one row per run with mutation data: the derived tests.resilience, label,
//                    baseline, control position; `source` upload (a report) or record (the counts a
//                    pipeline_run record carried, rescored by the dictionary)
//   mutation_files   per-file resilience, coverage and churn of a run (the scatter plot's points)
//   mutation_trends  the EWMA chart over each repository's main-branch series
import type { Kysely } from 'kysely';
import type { CoreTables } from '../../core/db/schema.js';
import type { Migration } from '../../core/db/migrate.js';
import type { HubContext } from '../../core/registry.js';

export type MutationRunsTable = {
  run_id: string;
  repo: string;
  branch: string | null;
  commit_sha: string | null;
  is_main: boolean;
  source: string;
  format: string;
  tool: string | null;
  at: Date | string;
  received_at: Date | string;
  mutants_total: number;
  killed: number;
  equiv: number;
  timeout: number;
  survived: number | null;
  no_coverage: number | null;
  runtime_errors: number | null;
  compile_errors: number | null;
  ignored: number | null;
  score: number | null;
  declared_score: number | null;
  delta_vs_main: number | null;
  baseline_run_id: string | null;
  label: string | null;
  level: string | null;
  equivalent_mutants_dropped: boolean;
  ewma: number | null;
  lcl: number | null;
  ucl: number | null;
  out_of_control: boolean | null;
  report_key: string | null;
  hotspots: string | null;
};

export type MutationFilesTable = {
  run_id: string;
  file: string;
  mutants_total: number;
  killed: number;
  equiv: number;
  timeout: number;
  survived: number;
  no_coverage: number;
  score: number | null;
  delta_vs_main: number | null;
  coverage: number | null;
  mutation_coverage: number | null;
  churn: number;
};

export type MutationTrendsTable = {
  repo: string;
  run_id: string;
  at: Date | string;
  score: number;
  ewma: number;
  center: number | null;
  sigma: number | null;
  lcl: number | null;
  ucl: number | null;
  out_of_control: boolean | null;
  lambda: number;
  l: number;
};

export type MutationTables = {
  mutation_runs: MutationRunsTable;
  mutation_files: MutationFilesTable;
  mutation_trends: MutationTrendsTable;
};

export type MutationDb = Kysely<CoreTables & MutationTables>;

export const migrations: Migration[] = [
  {
    id: 'mutation-0001-tables',
    up: `
create table mutation_runs (
  run_id uuid primary key references runs (run_id) on delete cascade,
  repo text not null,
  branch text,
  commit_sha text,
  is_main boolean not null,
  source text not null,
  format text not null,
  tool text,
  at timestamptz not null,
  received_at timestamptz not null,
  mutants_total integer not null,
  killed integer not null,
  equiv integer not null,
  timeout integer not null,
  survived integer,
  no_coverage integer,
  runtime_errors integer,
  compile_errors integer,
  ignored integer,
  score double precision,
  declared_score double precision,
  delta_vs_main double precision,
  baseline_run_id uuid,
  label text,
  level text,
  equivalent_mutants_dropped boolean not null,
  ewma double precision,
  lcl double precision,
  ucl double precision,
  out_of_control boolean,
  report_key text,
  hotspots text
);
create index mutation_runs_series_idx on mutation_runs (repo, is_main, at, run_id);

create table mutation_files (
  run_id uuid not null references mutation_runs (run_id) on delete cascade,
  file text not null,
  mutants_total integer not null,
  killed integer not null,
  equiv integer not null,
  timeout integer not null,
  survived integer not null,
  no_coverage integer not null,
  score double precision,
  delta_vs_main double precision,
  coverage double precision,
  mutation_coverage double precision,
  churn integer not null,
  primary key (run_id, file)
);

create table mutation_trends (
  repo text not null,
  run_id uuid not null references mutation_runs (run_id) on delete cascade,
  at timestamptz not null,
  score double precision not null,
  ewma double precision not null,
  center double precision,
  sigma double precision,
  lcl double precision,
  ucl double precision,
  out_of_control boolean,
  lambda double precision not null,
  l double precision not null,
  primary key (repo, run_id)
);
create index mutation_trends_repo_at_idx on mutation_trends (repo, at, run_id);
`,
  },
];

export const mdb = (ctx: Pick<HubContext, 'db'>): MutationDb => ctx.db.withTables<MutationTables>();
