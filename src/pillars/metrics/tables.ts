// The metrics pillar's tables: findings uploaded for readiness (SARIF, ESLint JSON), the
// materialized lead times (exact ancestry is a graph walk, too slow to redo per dashboard request),
// the daily run and job rollups, and the DORA rollups — migrations and Kysely types.
import type { Migration } from '../../core/db/migrate.js';
import { histColumns } from './sketch.js';
import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface MetricsFindingsTable {
  run_id: string;
  /** security | quality */
  category: string;
  tool: string;
  /** sarif | eslint */
  format: string;
  errors: number;
  warnings: number;
  notes: number;
  /** Rule counts as JSON text: [{rule_id, level, count}] (rule ids redacted). */
  rules: string;
  uploaded_at: Timestamp;
}

export interface MetricsLeadTimesTable {
  repo: string;
  environment: string;
  commit_sha: string;
  deployment_id: string;
  committed_at: Timestamp;
  deployed_at: Timestamp;
  lead_time_s: number;
}

export interface MetricsLeadStateTable {
  repo: string;
  environment: string;
  /** What the lead times were computed from (deployments and commits of the group). */
  signature: string;
  baseline_deployment: string | null;
  unlinked: number;
  untimed: number;
  computed_at: Timestamp;
}

/** Deployments folded from their reports (dora-store.ts `foldedDeployments`), per (repo, environment, id). */
export interface MetricsDeploymentsTable {
  repo: string;
  environment: string;
  deployment_id: string;
  commit_sha: string | null;
  started_at: Timestamp;
  finished_at: Timestamp;
  final_status: string;
  rolled_back: boolean;
  steps: number;
}

/** Deployments per UTC day of their finish, per (repo, environment), by outcome (dora.ts `outcome`). */
export interface MetricsDeployDailyTable {
  repo: string;
  environment: string;
  day: ColumnType<string, string, string>;
  successful: number;
  failed: number;
  other: number;
}

/** Lead-time samples per UTC day of their deployment: count and sparse histogram (sketch.ts, LEAD_BUCKETS). */
export interface MetricsLeadDailyTable {
  repo: string;
  environment: string;
  day: ColumnType<string, string, string>;
  samples: number;
  hist: string;
}

/** Deployment incidents (dora.ts `incidents`) over each group's whole history. */
export interface MetricsDoraIncidentsTable {
  repo: string;
  environment: string;
  failed_deployment_id: string;
  failed_at: Timestamp;
  restored_by: string | null;
  restored_at: Timestamp | null;
  restore_s: number | null;
  failures: number;
}

export type MetricsTables = {
  metrics_deploy_daily: MetricsDeployDailyTable;
  metrics_lead_daily: MetricsLeadDailyTable;
  metrics_dora_incidents: MetricsDoraIncidentsTable;
  metrics_deployments: MetricsDeploymentsTable;
  metrics_findings: MetricsFindingsTable;
  metrics_lead_times: MetricsLeadTimesTable;
  metrics_lead_state: MetricsLeadStateTable;
  metrics_feature_flags: MetricsFeatureFlagsTable;
};

export const metricsMigrations: Migration[] = [
  {
    id: 'metrics-0001-findings-leadtimes',
    up: `
create table metrics_findings (
  run_id uuid not null references runs (run_id) on delete cascade,
  category text not null,
  tool text not null,
  format text not null,
  errors integer not null,
  warnings integer not null,
  notes integer not null,
  rules text not null,
  uploaded_at timestamptz not null,
  primary key (run_id, category, tool)
);

create table metrics_lead_times (
  repo text not null,
  environment text not null,
  commit_sha text not null,
  deployment_id text not null,
  committed_at timestamptz not null,
  deployed_at timestamptz not null,
  lead_time_s double precision not null,
  primary key (repo, environment, commit_sha)
);
create index metrics_lead_times_env_deployed_idx on metrics_lead_times (environment, deployed_at);

create table metrics_deployments (
  repo text not null,
  environment text not null,
  deployment_id text not null,
  commit_sha text,
  started_at timestamptz not null,
  finished_at timestamptz not null,
  final_status text not null,
  rolled_back boolean not null,
  steps integer not null,
  primary key (repo, environment, deployment_id)
);
create index metrics_deployments_env_finished_idx on metrics_deployments (environment, finished_at);

create table metrics_lead_state (
  repo text not null,
  environment text not null,
  signature text not null,
  baseline_deployment text,
  unlinked integer not null,
  untimed integer not null,
  computed_at timestamptz not null,
  primary key (repo, environment)
);
`,
  },
];

// DORA behind the dashboard (issue 8 target P95 <= 200 ms): reading every deployment and an exact
// median over every lead time cost 0.4–1.7 s at 1x the bench data and 4–15 s at 10x. Per-day rollups
// of deployment counts and lead-time histograms, and incidents computed once per group at refresh,
// make the report read a few hundred rows whatever the volume. Emptying metrics_lead_state makes the
// next refresh recompute every group, which fills the new tables.
export const doraRollupMigrations: Migration[] = [
  {
    id: 'metrics-0004-dora-rollups',
    up: `
create table metrics_deploy_daily (
  repo text not null,
  environment text not null,
  day date not null,
  successful integer not null,
  failed integer not null,
  other integer not null,
  primary key (repo, environment, day)
);
create index metrics_deploy_daily_day_idx on metrics_deploy_daily (day);

create table metrics_lead_daily (
  repo text not null,
  environment text not null,
  day date not null,
  samples integer not null,
  hist text not null,
  primary key (repo, environment, day)
);
create index metrics_lead_daily_day_idx on metrics_lead_daily (day);

create table metrics_dora_incidents (
  repo text not null,
  environment text not null,
  failed_deployment_id text not null,
  failed_at timestamptz not null,
  restored_by text,
  restored_at timestamptz,
  restore_s double precision,
  failures integer not null,
  primary key (repo, environment, failed_deployment_id)
);
create index metrics_dora_incidents_failed_idx on metrics_dora_incidents (failed_at);
create index metrics_deployments_finished_idx on metrics_deployments (finished_at);

delete from metrics_lead_state;
`,
  },
];

const D = histColumns('d');

const Q = histColumns('q');

const histDdl = [...D, ...Q].map((c) => `  ${c} integer not null default 0,`).join('\n');

export const rollupMigrations: Migration[] = [
  {
    id: 'metrics-0002-rollups',
    up: `
create table metrics_run_daily (
  day date not null,
  repo text not null,
  workflow text not null,
  environment text not null,
  branch text not null,
  runs integer not null,
  success integer not null,
  failed integer not null,
  canceled integer not null,
  retried integer not null,
  usd double precision not null,
  carbon_g double precision not null,
  kwh double precision not null,
  cpu_s double precision not null,
  cost_runs integer not null,
  carbon_runs integer not null,
${histDdl}
  primary key (day, repo, workflow, environment, branch)
);
create index metrics_run_daily_repo_idx on metrics_run_daily (repo, day);

create table metrics_job_daily (
  day date not null,
  repo text not null,
  workflow text not null,
  environment text not null,
  branch text not null,
  job text not null,
  executions integer not null,
  failed integer not null,
  retried integer not null,
${histDdl}
  primary key (day, repo, workflow, environment, branch, job)
);
create index metrics_job_daily_repo_idx on metrics_job_daily (repo, day);

create table metrics_run_incidents (
  repo text not null,
  workflow text not null,
  branch text not null,
  environment text not null,
  failed_run_id uuid not null,
  failed_at timestamptz not null,
  restored_at timestamptz,
  restore_s double precision,
  primary key (repo, failed_run_id)
);
create index metrics_run_incidents_failed_idx on metrics_run_incidents (failed_at);

create table metrics_rollup_state (
  id integer primary key,
  watermark timestamptz,
  refreshed_at timestamptz
);

create index metrics_runs_updated_idx on runs (updated_at);
create index metrics_jobs_retried_idx on jobs (run_id) where attempt > 1;
create index metrics_runs_branch_idx on runs (branch, started_at);
`,
  },
];

// metrics-0002 stored the histograms as 144 integer columns; summing them costs PGlite ~0.3 s for a
// few hundred rows (and reading a row ~3 ms), so 0003 keeps them as sparse text "bucket:count,..."
// merged in JS (a string_agg per group). The rollups are rebuilt from the runs.
const dropHist = (t: string) =>
  `alter table ${t} ${[...D, ...Q].map((c) => `drop column ${c}`).join(', ')}, add column dur_hist text not null default '', add column queue_hist text not null default '';`;
rollupMigrations.push({
  id: 'metrics-0003-sparse-histograms',
  up: `
truncate metrics_run_daily;
truncate metrics_job_daily;
delete from metrics_rollup_state;
${dropHist('metrics_run_daily')}
${dropHist('metrics_job_daily')}
`,
});

export type RollupTables = {
  metrics_run_daily: Record<string, unknown> & { day: string; repo: string };
  metrics_job_daily: Record<string, unknown> & { day: string; repo: string };
  metrics_run_incidents: {
    repo: string;
    workflow: string;
    branch: string;
    environment: string;
    failed_run_id: string;
    failed_at: Date;
    restored_at: Date | null;
    restore_s: number | null;
  };
  metrics_rollup_state: { id: number; watermark: Date | null; refreshed_at: Date | null };
};

/** Every migration of the pillar, in the order they were written (ids are never edited). */
// The scorecard's flake index averaged over the raw runs of a window (a scan of every run: 1.5 s at
// 1.2M runs); the daily run rollup carries its sum and count instead. Rebuilt from the runs.
const flakeRollupMigrations: Migration[] = [
  {
    id: 'metrics-0005-flake-rollup',
    up: `
truncate metrics_run_daily;
truncate metrics_job_daily;
delete from metrics_rollup_state;
alter table metrics_run_daily add column flake_sum double precision not null default 0, add column flake_runs integer not null default 0;
`,
  },
];

// Feature flags (seed 004 §4.1 "Feature Flag Metrics (if Unleash/Vault flags deployed)"): the flags
// of the latest import (`ci-intel metrics flags import`, POST /api/v1/feature-flags) — an import
// replaces the set, so removed flags leave the gauges. state: enabled | disabled | stale.
export type MetricsFeatureFlagsTable = {
  name: string;
  state: string;
  flag_type: string | null;
  project: string | null;
  created_at: Date | string | null;
  imported_at: Date | string;
};
const featureFlagMigrations: Migration[] = [
  {
    id: 'metrics-0006-feature-flags',
    up: `
create table metrics_feature_flags (
  name text primary key,
  state text not null check (state in ('enabled', 'disabled', 'stale')),
  flag_type text,
  project text,
  created_at timestamptz,
  imported_at timestamptz not null
);
`,
  },
];

export const migrations: Migration[] = [...metricsMigrations, ...rollupMigrations, ...doraRollupMigrations, ...flakeRollupMigrations, ...featureFlagMigrations];
