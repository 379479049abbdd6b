// The sources pillar's own tables: migrations and Kysely types. Domain data goes to the core tables (runs, jobs,
// deployments, commits); these hold what is specific to receiving it.
import type { Migration } from '../../core/db/migrate.js';
import type { ColumnType, Generated } from 'kysely';

type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null, Date | string | null>;

/**
 * One webhook delivery as received (the record as sent of the webhook path, DESIGN.md "Data
 * principles"): stored before the 2xx, mapped to domain rows afterwards from the outbox.
 */
export interface DeliveriesTable {
  /** github | gitlab */
  provider: string;
  /** X-GitHub-Delivery; for GitLab Idempotency-Key, else X-Gitlab-Event-UUID, else a body hash. */
  delivery_id: string;
  /** GitHub event name (X-GitHub-Event) or GitLab object_kind (`pipeline`, `build`, ...). */
  event: string;
  action: string | null;
  repo: string | null;
  received_at: DefaultTimestamp;
  /** The payload (redacted when it held secrets), gzip-compressed. */
  body: Buffer;
  bytes: number;
  /** received | mapped | ignored | malformed | failed */
  state: string;
  /** Why it was ignored, malformed or failed. */
  note: string | null;
  mapped_at: NullableTimestamp;
  /** How many times a mapping committed (1 after a successful map: the exactly-once check). */
  map_count: Generated<number>;
  /** Which hub process mapped it (`host:pid`). */
  mapped_by: string | null;
}

/** Pull requests (GitHub) and merge requests (GitLab), latest state. */
export interface PullRequestsTable {
  provider: string;
  repo: string;
  number: number;
  state: string;
  title: string | null;
  head_sha: string | null;
  head_ref: string | null;
  base_ref: string | null;
  merge_commit_sha: string | null;
  created_at: NullableTimestamp;
  merged_at: NullableTimestamp;
  closed_at: NullableTimestamp;
  updated_at: NullableTimestamp;
}

/**
 * The ChatOps audit trail: every `/ci-intel` command seen in a comment, who asked, when, and what
 * came of it (done, refused for want of write access, invalid, failed) with the reply posted.
 */
export interface ChatopsTable {
  /** provider:delivery:n */
  id: string;
  provider: string;
  repo: string;
  /** pull | issue */
  target: string;
  number: number;
  user_login: string;
  /** The command's name, or null when the line is not a valid command. */
  command: string | null;
  arg: string | null;
  line: string;
  requested_at: DefaultTimestamp;
  /** received | running | done | refused | invalid | failed */
  state: string;
  /** What acting needs (installation, project and user ids, default branch), JSON. */
  context: string;
  /** The reply posted (or that could not be posted), and where. */
  reply: string | null;
  reply_url: string | null;
  note: string | null;
  finished_at: NullableTimestamp;
}

/** Switches a repository's pipelines read, set by ChatOps (`/ci-intel chaos on`). */
export interface SwitchesTable {
  repo: string;
  name: string;
  value: string;
  set_by: string;
  set_at: DefaultTimestamp;
}

/** The steps of a job (GitHub Actions sends them with workflow_job); a job's latest delivery replaces them. */
export interface JobStepsTable {
  run_id: string;
  job_key: string;
  number: number;
  name: string;
  status: string;
  conclusion: string | null;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
}

export interface SourcesTables {
  sources_job_steps: JobStepsTable;
  sources_deliveries: DeliveriesTable;
  sources_pull_requests: PullRequestsTable;
  sources_chatops: ChatopsTable;
  sources_switches: SwitchesTable;
}

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
  {
    id: 'sources-0002-chatops',
    up: `
create table sources_chatops (
  id text primary key,
  provider text not null,
  repo text not null,
  target text not null,
  number integer not null,
  user_login text not null,
  command text,
  arg text,
  line text not null,
  requested_at timestamptz not null default now(),
  state text not null default 'received',
  context text not null,
  reply text,
  reply_url text,
  note text,
  finished_at timestamptz
);
create index sources_chatops_repo_idx on sources_chatops (repo, requested_at);

create table sources_switches (
  repo text not null,
  name text not null,
  value text not null,
  set_by text not null,
  set_at timestamptz not null default now(),
  primary key (repo, name)
);
`,
  },
  {
    // Steps are kept with the job they belong to (deleted with it: retention of runs cascades).
    id: 'sources-0003-job-steps',
    up: `
create table sources_job_steps (
  run_id uuid not null,
  job_key text not null,
  number integer not null,
  name text not null,
  status text not null,
  conclusion text,
  started_at timestamptz,
  completed_at timestamptz,
  primary key (run_id, job_key, number),
  foreign key (run_id, job_key) references jobs (run_id, job_key) on delete cascade
);
`,
  },
];
