// The data-quality pillar's relations:
//   pipeline_runs_all  the compat view (seed 000 "dbt compat view pipeline_runs_all coalesces v1.1
//                      and v1.2"): one row per run whatever contract version reported it. Ingest
//                      already moves v1.1's tests.resilience.flakiness_index to the top level; what
//                      the view coalesces is what older records lack — policies[] (the run's policy
//                      rows, else the backfilled default) and `security` (from the record's evidence
//                      URIs, else the backfilled default) — and the version as `contract_version`
//                      (1.1, 1.2; null for a run only a provider's webhook reported).
//   dq_run_defaults    what `ci-intel data backfill` filled for a historical run that carried no
//                      policies: the default policies[] and security object (one row per run, so
//                      running it again changes nothing).
//   dq_check_results   each check's outcome per load (contract tests, configured gates).
//   dq_ingest_latency  per run and source, workflow completion → stored (ingest freshness).
import type { Kysely } from 'kysely';
import type { Migration } from '../../core/db/migrate.js';
import type { CoreTables } from '../../core/db/schema.js';
import type { HubContext } from '../../core/registry.js';

export const migrations: Migration[] = [
  {
    id: 'data-quality-0001-compat-view',
    up: `
create table dq_run_defaults (
  run_id uuid primary key references runs (run_id) on delete cascade,
  policies jsonb not null,
  security jsonb not null,
  backfilled_at timestamptz not null
);
create view pipeline_runs_all as
select
  r.run_id, r.repo, r.workflow, r.commit_sha, r.branch, r.pr, r.status, r.started_at, r.ended_at, r.duration_ms,
  r.queue_ms, r.artifact_bytes, r.environment, r.deployment_id, r.rollout_step, r.strategy, r.runner_os, r.runner_type,
  r.region, r.spot, r.flakiness_index, r.cache_keys, r.rollback_reason,
  case r.schema_version when 'pipeline_run.v1.1' then '1.1' when 'pipeline_run.v1.2' then '1.2' end as contract_version,
  r.source,
  coalesce(p.policies, d.policies) as policies,
  r.image_digest, r.sbom_uri, r.provenance_uri, r.signature_uri, r.release_evidence_uri,
  case when num_nonnulls(r.image_digest, r.sbom_uri, r.provenance_uri, r.signature_uri, r.release_evidence_uri) > 0
    then jsonb_build_object('attested', num_nonnulls(r.sbom_uri, r.provenance_uri, r.signature_uri) = 3, 'evidence', 'recorded')
    else d.security end as security,
  d.run_id is not null as backfilled,
  t.total as tests_total, t.failed as tests_failed, t.coverage_lines, t.resilience_score,
  c.usd as cost_usd, c.carbon_g_co2e,
  r.ingested_at, r.updated_at
from runs r
left join lateral (
  select jsonb_agg(jsonb_strip_nulls(jsonb_build_object('id', pr.policy_id, 'result', pr.result, 'reason', pr.reason)) order by pr.ordinal) as policies
  from policy_results pr where pr.run_id = r.run_id
) p on true
left join dq_run_defaults d on d.run_id = r.run_id
left join test_summaries t on t.run_id = r.run_id
left join costs c on c.run_id = r.run_id;

create table dq_check_results (
  load_id uuid not null,
  check_name text not null,
  target text not null,
  severity text not null,
  passed boolean not null,
  value double precision,
  threshold double precision,
  message text not null,
  checked_at timestamptz not null,
  -- Orders outcomes of one instant (a clock given in tests, two loads within its resolution).
  seq bigserial not null,
  primary key (load_id, check_name, target)
);
create index dq_check_results_at on dq_check_results (checked_at);

create table dq_ingest_latency (
  run_id uuid not null,
  source text not null,
  completed_at timestamptz not null,
  stored_at timestamptz not null,
  latency_ms bigint not null,
  primary key (run_id, source)
);
create index dq_ingest_latency_at on dq_ingest_latency (stored_at);
`,
  },
];

export type DataQualityTables = {
  dq_run_defaults: { run_id: string; policies: unknown; security: unknown; backfilled_at: Date | string };
  dq_check_results: {
    load_id: string;
    check_name: string;
    target: string;
    severity: string;
    passed: boolean;
    value: number | null;
    threshold: number | null;
    message: string;
    checked_at: Date | string;
  };
  dq_ingest_latency: { run_id: string; source: string; completed_at: Date | string; stored_at: Date | string; latency_ms: number | string };
};

export type DqDb = Kysely<CoreTables & DataQualityTables>;
export const dqdb = (ctx: Pick<HubContext, 'db'>): DqDb => ctx.db.withTables<DataQualityTables>();
