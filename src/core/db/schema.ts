// Core tables: the normalized form of pipeline_run records and what webhooks report, plus the
// plumbing tables (loads, tokens, outbox). The record as sent lives in the blob store, not here
// (a raw JSONB column cut PGlite ingest ~5x, spine issue "Store").
import type { ColumnType, Generated } from 'kysely';
import type { Migration } from './migrate.js';
import type {
  ChaosTrialsTable,
  CommitsTable,
  CostsTable,
  DeploymentsTable,
  JobsTable,
  PolicyResultsTable,
  RunsTable,
  TestSummariesTable,
} from '../runs/tables.js';

export type { ChaosTrialsTable, CommitsTable, CostsTable, DeploymentsTable, JobsTable, PolicyResultsTable, RunsTable, TestSummariesTable };

/** A timestamp with a database default (optional on insert). */
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null, Date | string | null>;

export interface IngestLoadsTable {
  load_id: string;
  received_at: DefaultTimestamp;
  source: string;
  token_id: string | null;
  lines: number;
  accepted: number;
  replaced: number;
  rejected: number;
  bytes: number;
}

export interface ApiTokensTable {
  token_id: string;
  /** SHA-256 of the token (hex); the token itself is shown once at creation. */
  token_hash: string;
  name: string | null;
  repo_patterns: string[];
  scopes: string[];
  created_at: DefaultTimestamp;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
}

export interface OutboxTable {
  id: Generated<number>;
  event_id: string;
  type: string;
  run_id: string | null;
  repo: string | null;
  kind: string | null;
  object_key: string | null;
  created_at: Generated<Date>;
  /** Memory bus: all consumers done. JetStream: published to the stream. */
  dispatched_at: NullableTimestamp;
  attempts: Generated<number>;
  last_error: string | null;
}

export interface OutboxDoneTable {
  consumer: string;
  event_id: string;
  done_at: Generated<Date>;
}

/**
 * Idempotency-Key of uploads (src/server/idempotency.ts): the first answer to a (token, method,
 * path, key) is kept, so a retry whose first answer was lost gets that answer instead of applying
 * the upload twice. `status` is null while the first request is still being processed.
 */
export interface IdempotencyKeysTable {
  id: string;
  status: number | null;
  content_type: string | null;
  body: string | null;
  created_at: DefaultTimestamp;
}

/** Teams managed through the admin API (those of ci-intel.yml are read from the configuration). */
export interface TeamsTable {
  name: string;
  repo_patterns: string[];
  members: string[];
  groups: string[];
  updated_at: DefaultTimestamp;
}

/** A dashboard session: the cookie holds an opaque id, the table its SHA-256. */
export interface SessionsTable {
  id_hash: string;
  subject: string;
  email: string | null;
  name: string | null;
  groups: string[];
  created_at: DefaultTimestamp;
  expires_at: Date | string;
}

/** A sign-in under way: PKCE verifier and nonce, by the SHA-256 of its state. */
export interface AuthLoginsTable {
  state_hash: string;
  verifier: string;
  nonce: string;
  return_to: string;
  expires_at: Date | string;
}

export interface CoreTables {
  runs: RunsTable;
  jobs: JobsTable;
  test_summaries: TestSummariesTable;
  chaos_trials: ChaosTrialsTable;
  policy_results: PolicyResultsTable;
  costs: CostsTable;
  deployments: DeploymentsTable;
  commits: CommitsTable;
  ingest_loads: IngestLoadsTable;
  api_tokens: ApiTokensTable;
  outbox: OutboxTable;
  outbox_done: OutboxDoneTable;
  idempotency_keys: IdempotencyKeysTable;
  teams: TeamsTable;
  sessions: SessionsTable;
  auth_logins: AuthLoginsTable;
}

export const coreMigrations: Migration[] = [
  {
    id: 'core-0001-runs',
    up: `
create table runs (
  run_id uuid primary key,
  repo text not null,
  workflow text not null default 'default',
  commit_sha text,
  branch text,
  pr integer,
  status text not null,
  started_at timestamptz not null,
  ended_at timestamptz,
  duration_ms bigint,
  queue_ms bigint,
  artifact_bytes bigint,
  environment text,
  deployment_id text,
  rollout_step integer,
  strategy text,
  image_digest text,
  runner_os text,
  runner_type text,
  region text,
  spot boolean,
  flakiness_index double precision,
  cache_keys text[],
  rollback_reason text,
  sbom_uri text,
  provenance_uri text,
  signature_uri text,
  release_evidence_uri text,
  source text not null,
  provider text,
  provider_run_id text,
  attempt integer,
  schema_version text,
  record_key text,
  record_index integer,
  load_id uuid,
  ingested_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index runs_started_idx on runs (started_at desc, run_id);
create index runs_repo_started_idx on runs (repo, started_at desc, run_id);
create index runs_repo_branch_started_idx on runs (repo, branch, started_at desc);
create index runs_repo_commit_idx on runs (repo, commit_sha);

create table jobs (
  run_id uuid not null references runs (run_id) on delete cascade,
  job_key text not null,
  job_id text not null,
  name text not null,
  status text not null,
  attempt integer not null default 1,
  duration_ms bigint,
  queue_ms bigint,
  started_at timestamptz,
  ended_at timestamptz,
  cache_hit boolean,
  cache_key text,
  machine_class text,
  machine_cpu text,
  machine_ram_gb double precision,
  matrix text,
  logs_uri text,
  primary key (run_id, job_key)
);

create table test_summaries (
  run_id uuid primary key references runs (run_id) on delete cascade,
  total integer not null,
  failed integer not null,
  skipped integer,
  duration_ms bigint not null,
  coverage_lines double precision,
  coverage_branches double precision,
  coverage_statements double precision,
  mutants_total integer not null,
  killed integer not null,
  equiv integer not null,
  timeout integer not null,
  resilience_score double precision not null,
  delta_vs_main double precision,
  equivalent_mutants_dropped boolean
);

create table chaos_trials (
  run_id uuid not null references runs (run_id) on delete cascade,
  ordinal integer not null,
  fault text not null,
  target text not null,
  seed bigint not null,
  rate double precision,
  started_at timestamptz,
  ended_at timestamptz,
  outcome text not null,
  retries integer,
  primary key (run_id, ordinal)
);

create table policy_results (
  run_id uuid not null references runs (run_id) on delete cascade,
  ordinal integer not null,
  policy_id text not null,
  result text not null,
  reason text,
  docs_uri text,
  time_ns bigint,
  primary key (run_id, ordinal)
);

create table costs (
  run_id uuid primary key references runs (run_id) on delete cascade,
  usd double precision,
  cpu_seconds double precision,
  gpu_seconds double precision,
  carbon_g_co2e double precision,
  energy_kwh double precision
);

create table deployments (
  event_key text primary key,
  run_id uuid,
  source text not null,
  repo text not null,
  environment text not null,
  deployment_id text not null,
  commit_sha text,
  status text not null,
  rollout_step integer,
  strategy text,
  image_digest text,
  rollback_reason text,
  started_at timestamptz,
  finished_at timestamptz,
  canary_error_rate double precision,
  canary_success_rate double precision,
  canary_latency_p50_ms double precision,
  canary_latency_p95_ms double precision,
  canary_latency_p99_ms double precision,
  canary_reqs_per_s double precision
);
create index deployments_repo_env_idx on deployments (repo, environment, deployment_id);
create index deployments_finished_idx on deployments (finished_at);
create index deployments_run_idx on deployments (run_id);

create table commits (
  repo text not null,
  sha text not null,
  parents text[] not null default '{}',
  authored_at timestamptz,
  committed_at timestamptz,
  source text not null default 'api',
  primary key (repo, sha)
);

create table ingest_loads (
  load_id uuid primary key,
  received_at timestamptz not null default now(),
  source text not null,
  token_id text,
  lines integer not null,
  accepted integer not null,
  replaced integer not null,
  rejected integer not null,
  bytes bigint not null
);
create index ingest_loads_received_idx on ingest_loads (received_at);
`,
  },
  {
    id: 'core-0002-tokens-outbox',
    up: `
create table api_tokens (
  token_id text primary key,
  token_hash text not null unique,
  name text,
  repo_patterns text[] not null,
  scopes text[] not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz
);

create table outbox (
  id bigserial primary key,
  event_id text not null unique,
  type text not null,
  run_id uuid,
  repo text,
  kind text,
  object_key text,
  created_at timestamptz not null default now(),
  dispatched_at timestamptz,
  attempts integer not null default 0,
  last_error text
);
create index outbox_pending_idx on outbox (id) where dispatched_at is null;

create table outbox_done (
  consumer text not null,
  event_id text not null,
  done_at timestamptz not null default now(),
  primary key (consumer, event_id)
);
`,
  },
  {
    id: 'core-0003-idempotency-keys',
    up: `
create table idempotency_keys (
  id text primary key,
  status integer,
  content_type text,
  body text,
  created_at timestamptz not null default now()
);
create index idempotency_keys_created_idx on idempotency_keys (created_at);
`,
  },
  {
    // An NDJSON ingest batch emits one `runs.loaded` event naming its record blob; consumers find
    // the batch's runs by it (D10).
    id: 'core-0004-runs-record-key',
    up: `create index runs_record_key_idx on runs (record_key);`,
  },
  {
    // Dashboard sign-in: teams of the admin API, sessions (opaque cookie ids, hashed) and sign-ins under way.
    id: 'core-0005-access',
    up: `
create table teams (
  name text primary key,
  repo_patterns text[] not null,
  members text[] not null default '{}',
  groups text[] not null default '{}',
  updated_at timestamptz not null default now()
);
create table sessions (
  id_hash text primary key,
  subject text not null,
  email text,
  name text,
  groups text[] not null default '{}',
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index sessions_expires_idx on sessions (expires_at);
create table auth_logins (
  state_hash text primary key,
  verifier text not null,
  nonce text not null,
  return_to text not null,
  expires_at timestamptz not null
);
`,
  },
];
