// The delivery pillar's tables:
//   delivery_canary_decisions  one row per canary judgement (issue 22 "the decision and its inputs
//                              stored with the deployment"): the deployment it belongs to
//                              (repo, environment, deployment_id — the DORA deployment of core's
//                              `deployments`), the verdict, score and reason, and as JSON the whole
//                              decision (per-metric statistics) and its inputs (files or Prometheus
//                              queries, window, sha256 of everything read). decision_id is the sha256
//                              of decision + input hashes: judging the same inputs again is one row.
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

export type DeliveryTables = { delivery_canary_decisions: CanaryDecisionsTable };
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
];
