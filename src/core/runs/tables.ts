// The run tables — the normalized form of pipeline_run records and of what webhooks and agents
// report — declared once (core/db/table.ts): their Kysely types and the bulk-insert columns come
// from here. Only src/core/runs/ writes them. Their SQL is in the core migrations (schema.ts).
import { defineTable, type TableOf } from '../db/table.js';

export const runsTable = defineTable('runs', {
  run_id: 'uuid',
  repo: 'text',
  /** Workflow / pipeline name; `default` for NDJSON runs (the contract has no workflow field). */
  workflow: 'text',
  commit_sha: 'text?',
  branch: 'text?',
  pr: 'int4?',
  /** success | failed | canceled | skipped (contract) or queued | in_progress (partial, from webhooks). */
  status: 'text',
  /** When the run started (or was created, for a queued run): never null, the API pages by it. */
  started_at: 'timestamptz',
  ended_at: 'timestamptz?',
  duration_ms: 'int8?',
  queue_ms: 'int8?',
  artifact_bytes: 'int8?',
  environment: 'text?',
  deployment_id: 'text?',
  rollout_step: 'int4?',
  strategy: 'text?',
  image_digest: 'text?',
  runner_os: 'text?',
  runner_type: 'text?',
  region: 'text?',
  spot: 'bool?',
  flakiness_index: 'float8?',
  cache_keys: 'text[]?',
  rollback_reason: 'text?',
  sbom_uri: 'text?',
  provenance_uri: 'text?',
  signature_uri: 'text?',
  release_evidence_uri: 'text?',
  /** ndjson | github | gitlab | agent (stub created by an upload for a run not reported yet). */
  source: 'text',
  provider: 'text?',
  provider_run_id: 'text?',
  attempt: 'int4?',
  /** The schema the producer declared (v1.1 records are stored migrated). */
  schema_version: 'text?',
  /** Where the record as sent is: blob key of its batch, and its line inside that batch. */
  record_key: 'text?',
  record_index: 'int4?',
  load_id: 'uuid?',
  ingested_at: 'timestamptz=',
  updated_at: 'timestamptz=',
});

export const jobsTable = defineTable('jobs', {
  run_id: 'uuid',
  /** Unique per run, chosen by the writer: the ordinal for NDJSON (`0`, `1`...), `gh:<id>` for webhooks. */
  job_key: 'text',
  job_id: 'text',
  name: 'text',
  status: 'text',
  attempt: 'int4',
  duration_ms: 'int8?',
  queue_ms: 'int8?',
  started_at: 'timestamptz?',
  ended_at: 'timestamptz?',
  cache_hit: 'bool?',
  cache_key: 'text?',
  machine_class: 'text?',
  machine_cpu: 'text?',
  machine_ram_gb: 'float8?',
  /** The matrix object as JSON text. */
  matrix: 'text?',
  logs_uri: 'text?',
});

/** The run's `tests` object. `total == 0` and `mutants_total == 0` mean "no data", never zero. */
export const testSummariesTable = defineTable('test_summaries', {
  run_id: 'uuid',
  total: 'int4',
  failed: 'int4',
  skipped: 'int4?',
  duration_ms: 'int8',
  coverage_lines: 'float8?',
  coverage_branches: 'float8?',
  coverage_statements: 'float8?',
  mutants_total: 'int4',
  killed: 'int4',
  equiv: 'int4',
  timeout: 'int4',
  resilience_score: 'float8',
  delta_vs_main: 'float8?',
  equivalent_mutants_dropped: 'bool?',
});

export const chaosTrialsTable = defineTable('chaos_trials', {
  run_id: 'uuid',
  ordinal: 'int4',
  fault: 'text',
  target: 'text',
  seed: 'int8',
  rate: 'float8?',
  started_at: 'timestamptz?',
  ended_at: 'timestamptz?',
  outcome: 'text',
  retries: 'int4?',
});

export const policyResultsTable = defineTable('policy_results', {
  run_id: 'uuid',
  ordinal: 'int4',
  policy_id: 'text',
  result: 'text',
  reason: 'text?',
  docs_uri: 'text?',
  time_ns: 'int8?',
});

export const costsTable = defineTable('costs', {
  run_id: 'uuid',
  usd: 'float8?',
  cpu_seconds: 'float8?',
  gpu_seconds: 'float8?',
  carbon_g_co2e: 'float8?',
  energy_kwh: 'float8?',
});

/**
 * Deployment events: one row per report (a run record with an environment, a GitHub
 * deployment_status, a GitLab deployment event). The DORA deployment is the distinct
 * (repo, environment, deployment_id); canary steps of one deployment are several rows of one.
 */
export const deploymentsTable = defineTable('deployments', {
  /** Unique per report: `run:<run_id>` for NDJSON, `github:<delivery or status id>`, `gitlab:<...>`. */
  event_key: 'text',
  run_id: 'uuid?',
  source: 'text',
  repo: 'text',
  environment: 'text',
  deployment_id: 'text',
  commit_sha: 'text?',
  /** success | failed | canceled | skipped | in_progress | queued | pending */
  status: 'text',
  rollout_step: 'int4?',
  strategy: 'text?',
  image_digest: 'text?',
  rollback_reason: 'text?',
  started_at: 'timestamptz?',
  finished_at: 'timestamptz?',
  canary_error_rate: 'float8?',
  canary_success_rate: 'float8?',
  canary_latency_p50_ms: 'float8?',
  canary_latency_p95_ms: 'float8?',
  canary_latency_p99_ms: 'float8?',
  canary_reqs_per_s: 'float8?',
});

/** The commit graph: lead time needs exact ancestry, so parents are kept as sent. */
export const commitsTable = defineTable('commits', {
  repo: 'text',
  sha: 'text',
  parents: 'text[]',
  authored_at: 'timestamptz?',
  committed_at: 'timestamptz?',
  source: 'text',
});

export type RunsTable = TableOf<typeof runsTable>;
export type JobsTable = TableOf<typeof jobsTable>;
export type TestSummariesTable = TableOf<typeof testSummariesTable>;
export type ChaosTrialsTable = TableOf<typeof chaosTrialsTable>;
export type PolicyResultsTable = TableOf<typeof policyResultsTable>;
export type CostsTable = TableOf<typeof costsTable>;
export type DeploymentsTable = TableOf<typeof deploymentsTable>;
export type CommitsTable = TableOf<typeof commitsTable>;
