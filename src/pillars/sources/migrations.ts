import type { Migration } from '../../core/db/migrate.js';

export const migrations: Migration[] = [
  {
    id: 'sources-0001-deliveries',
    up: `
create table sources_deliveries (
  provider text not null,
  delivery_id text not null,
  event text not null,
  action text,
  repo text,
  received_at timestamptz not null default now(),
  body bytea not null,
  bytes integer not null,
  state text not null default 'received',
  note text,
  mapped_at timestamptz,
  map_count integer not null default 0,
  mapped_by text,
  primary key (provider, delivery_id)
);
create index sources_deliveries_received_idx on sources_deliveries (received_at);
create index sources_deliveries_state_idx on sources_deliveries (state) where state <> 'mapped';

create table sources_pull_requests (
  provider text not null,
  repo text not null,
  number integer not null,
  state text not null,
  title text,
  head_sha text,
  head_ref text,
  base_ref text,
  merge_commit_sha text,
  created_at timestamptz,
  merged_at timestamptz,
  closed_at timestamptz,
  updated_at timestamptz,
  primary key (provider, repo, number)
);
create index sources_pull_requests_merge_idx on sources_pull_requests (repo, merge_commit_sha);
-- GitLab deployments name their job (deployable_id); finding its run goes through job_key gl:<id>.
create index sources_jobs_job_key_idx on jobs (job_key);
`,
  },
];
