// The delivery pillar's tables:
//   delivery_canary_decisions  one row per canary judgement (issue 22 "the decision and its inputs
//                              stored with the deployment"): the deployment it belongs to
//                              (repo, environment, deployment_id — the DORA deployment of core's
//                              `deployments`), the verdict, score and reason, and as JSON the whole
//                              decision (per-metric statistics) and its inputs (files or Prometheus
//                              queries, window, sha256 of everything read). decision_id is the sha256
//                              of decision + input hashes: judging the same inputs again is one row.
//   delivery_drills            one row per DR drill.
//   delivery_budget_overrides  one row per budget override of one pull request (the audit: who, when,
//                              why, until when, from where); delivery_budget_override_uses one row
//                              each time a gate let an over-budget PR through because of one.
import type { Kysely } from 'kysely';
import type { Migration } from '../../core/db/migrate.js';
import type { CoreTables } from '../../core/db/schema.js';

export type CanaryDecisionsTable = {
  decision_id: string;
  repo: string;
  environment: string;
  deployment_id: string;
  template: string;
  verdict: string;
  score: number;
  reason: string;
  decided_at: Date | string;
  decision: unknown;
  inputs: unknown;
};

export type DrillsTable = {
  drill_id: string;
  type: string;
  environment: string;
  repo: string | null;
  result: string;
  rpo_s: number;
  rto_s: number;
  performed_at: Date | string;
  recorded_by: string | null;
  evidence: unknown;
};

export type BudgetOverridesTable = {
  override_id: string;
  repo: string;
  pr: number;
  reason: string;
  created_by: string;
  created_at: Date | string;
  expires_at: Date | string;
  source: string;
};

export type BudgetOverrideUsesTable = {
  use_id: string;
  override_id: string;
  used_at: Date | string;
  used_by: string | null;
  over: unknown;
};

export type DeliveryTables = {
  delivery_canary_decisions: CanaryDecisionsTable;
  delivery_drills: DrillsTable;
  delivery_budget_overrides: BudgetOverridesTable;
  delivery_budget_override_uses: BudgetOverrideUsesTable;
};
export type DeliveryDb = Kysely<CoreTables & DeliveryTables>;

export const migrations: Migration[] = [
  {
    id: 'delivery-0001-canary-decisions',
    up: `
create table delivery_canary_decisions (
  decision_id text primary key,
  repo text not null,
  environment text not null,
  deployment_id text not null,
  template text not null,
  verdict text not null check (verdict in ('promote', 'hold', 'rollback')),
  score double precision not null,
  reason text not null,
  decided_at timestamptz not null,
  decision jsonb not null,
  inputs jsonb not null
);
create index delivery_canary_decisions_deployment on delivery_canary_decisions (repo, environment, deployment_id, decided_at);
create index delivery_canary_decisions_template on delivery_canary_decisions (repo, template, decided_at);
`,
  },
  {
    // DR drills (seed 000: "weekly rollback/restore drills stored in warehouse ... block promotion if
    // last drill > 7 days"; RPO <= 60 s, RTO <= 300 s): one row per drill, as recorded.
    id: 'delivery-0002-drills',
    up: `
create table delivery_drills (
  drill_id text primary key,
  type text not null check (type in ('rollback', 'restore')),
  environment text not null,
  repo text,
  result text not null check (result in ('pass', 'fail')),
  rpo_s double precision not null check (rpo_s >= 0),
  rto_s double precision not null check (rto_s >= 0),
  performed_at timestamptz not null,
  recorded_by text,
  evidence jsonb
);
create index delivery_drills_env on delivery_drills (environment, performed_at);
`,
  },
  {
    // Budget overrides and their audit (seed 000 "block PRs exceeding cost or CO2e limits without
    // explicit override"): who let which PR through, when, why and until when; each time a gate
    // passed an over-budget PR because of it, who ran the gate, when, and the figures it let through.
    // Rows are never updated or deleted by the gate: the table is the audit trail.
    id: 'delivery-0003-budget-overrides',
    up: `
create table delivery_budget_overrides (
  override_id text primary key,
  repo text not null,
  pr integer not null check (pr > 0),
  reason text not null,
  created_by text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  source text not null check (source in ('cli', 'api', 'chatops')),
  check (expires_at > created_at)
);
create index delivery_budget_overrides_pr on delivery_budget_overrides (repo, pr, expires_at);
create table delivery_budget_override_uses (
  use_id text primary key,
  override_id text not null references delivery_budget_overrides (override_id),
  used_at timestamptz not null,
  used_by text,
  over jsonb not null
);
create index delivery_budget_override_uses_override on delivery_budget_override_uses (override_id, used_at);
`,
  },
];
