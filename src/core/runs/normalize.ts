// pipeline_run v1.2 record -> normalized rows of the core tables. Pure: no I/O, no clock.
import type { Insertable } from 'kysely';
import type { PipelineRun } from '../contract/index.js';
import type { ChaosTrialsTable, CostsTable, DeploymentsTable, JobsTable, PolicyResultsTable, RunsTable, TestSummariesTable } from '../db/schema.js';
import { normalizeRepo } from '../identity.js';

export type RunRow = Omit<Insertable<RunsTable>, 'ingested_at' | 'updated_at'>;
export type JobRow = Insertable<JobsTable>;
export type ChaosRow = Insertable<ChaosTrialsTable>;
export type DeploymentRow = Insertable<DeploymentsTable>;

export interface NormalizedRun {
  run: RunRow;
  jobs: JobRow[];
  tests: TestSummariesTable;
  chaos: ChaosRow[];
  policies: PolicyResultsTable[];
  cost: CostsTable;
  deployment: DeploymentRow | null;
}

export interface RecordLocation {
  record_key: string;
  record_index: number;
  load_id: string;
  schema_version: string;
}

const n = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

function durationMs(start: string, end: string): number | null {
  const a = Date.parse(start);
  const b = Date.parse(end);
  return Number.isFinite(a) && Number.isFinite(b) ? Math.max(0, b - a) : null;
}

export function normalizeRecord(r: PipelineRun, loc: RecordLocation): NormalizedRun {
  const run_id = r.run_id.toLowerCase();
  const repo = normalizeRepo(r.repo);
  const run: RunRow = {
    run_id,
    repo,
    workflow: 'default',
    commit_sha: r.commit_sha.toLowerCase(),
    branch: r.branch,
    pr: n(r.pr),
    status: r.status,
    started_at: r.started_at,
    ended_at: r.ended_at,
    duration_ms: durationMs(r.started_at, r.ended_at),
    queue_ms: n(r.queue_ms),
    artifact_bytes: n(r.artifact_bytes),
    environment: n(r.environment),
    deployment_id: n(r.deployment_id),
    rollout_step: n(r.rollout_step),
    strategy: n(r.strategy),
    image_digest: n(r.image_digest),
    runner_os: n(r.runner_os),
    runner_type: n(r.runner_type),
    region: n(r.region),
    spot: n(r.spot),
    flakiness_index: n(r.flakiness_index),
    cache_keys: n(r.cache_keys),
    rollback_reason: n(r.rollback_reason),
    sbom_uri: n(r.sbom_uri),
    provenance_uri: n(r.provenance_uri),
    signature_uri: n(r.signature_uri),
    release_evidence_uri: n(r.release_evidence_uri),
    source: 'ndjson',
    provider: null,
    provider_run_id: null,
    attempt: null,
    schema_version: loc.schema_version,
    record_key: loc.record_key,
    record_index: loc.record_index,
    load_id: loc.load_id,
  };
  const jobs: JobRow[] = r.jobs.map((j, i) => ({
    run_id,
    job_key: String(i),
    job_id: j.id,
    name: j.name,
    status: j.status,
    attempt: j.attempt ?? 1,
    duration_ms: j.duration_ms,
    queue_ms: n(j.queue_ms),
    started_at: null,
    ended_at: null,
    cache_hit: n(j.cache?.hit),
    cache_key: n(j.cache?.key),
    machine_class: n(j.machine?.class),
    machine_cpu: n(j.machine?.cpu),
    machine_ram_gb: n(j.machine?.ram_gb),
    matrix: j.matrix ? JSON.stringify(j.matrix) : null,
    logs_uri: n(j.logs_uri),
  }));
  const t = r.tests;
  const tests: TestSummariesTable = {
    run_id,
    total: t.total,
    failed: t.failed,
    skipped: n(t.skipped),
    duration_ms: t.duration_ms,
    coverage_lines: n(t.coverage?.lines_pct),
    coverage_branches: n(t.coverage?.branches_pct),
    coverage_statements: n(t.coverage?.statements_pct),
    mutants_total: t.resilience.mutants_total,
    killed: t.resilience.killed,
    equiv: t.resilience.equiv,
    timeout: t.resilience.timeout,
    resilience_score: t.resilience.score,
    delta_vs_main: n(t.resilience.delta_vs_main),
    equivalent_mutants_dropped: n(t.resilience.equivalent_mutants_dropped),
  };
  const chaos: ChaosRow[] = (r.chaos ?? []).map((c, i) => ({
    run_id,
    ordinal: i,
    fault: c.fault,
    target: c.target,
    seed: c.seed,
    rate: n(c.rate),
    started_at: n(c.started_at),
    ended_at: n(c.ended_at),
    outcome: c.outcome,
    retries: n(c.retries),
  }));
  const policies: PolicyResultsTable[] = (r.policies ?? []).map((p, i) => ({
    run_id,
    ordinal: i,
    policy_id: p.id,
    result: p.result,
    reason: n(p.reason),
    docs_uri: n(p.docs_uri),
    time_ns: n(p.time_ns),
  }));
  const cost: CostsTable = {
    run_id,
    usd: n(r.cost.usd),
    cpu_seconds: n(r.cost.cpu_seconds),
    gpu_seconds: n(r.cost.gpu_seconds),
    carbon_g_co2e: n(r.carbon_g_co2e),
    energy_kwh: n(r.energy?.kwh),
  };
  // A run with an environment is a deployment report (seed 000's record: environment,
  // deployment_id, rollout_step, strategy). Without a deployment_id, the run itself is the deployment.
  const deployment: DeploymentRow | null = r.environment
    ? {
        event_key: `run:${run_id}`,
        run_id,
        source: 'ndjson',
        repo,
        environment: r.environment,
        deployment_id: r.deployment_id ?? `run:${run_id}`,
        commit_sha: r.commit_sha.toLowerCase(),
        status: r.status,
        rollout_step: n(r.rollout_step),
        strategy: n(r.strategy),
        image_digest: n(r.image_digest),
        rollback_reason: n(r.rollback_reason),
        started_at: r.started_at,
        finished_at: r.ended_at,
        canary_error_rate: n(r.canary_metrics?.error_rate),
        canary_success_rate: n(r.canary_metrics?.success_rate),
        canary_latency_p50_ms: n(r.canary_metrics?.latency_p50_ms),
        canary_latency_p95_ms: n(r.canary_metrics?.latency_p95_ms),
        canary_latency_p99_ms: n(r.canary_metrics?.latency_p99_ms),
        canary_reqs_per_s: n(r.canary_metrics?.reqs_per_s),
      }
    : null;
  return { run, jobs, tests, chaos, policies, cost, deployment };
}
