// The pillar's tables. Per-test results are the high-volume table (millions of rows a day): one
// narrow row per execution, range-partitioned by day so retention drops whole partitions and
// queries on a window touch only its days; test ids and failure messages are stored once each and
// referenced by key. Works the same on PGlite and PostgreSQL (declarative partitioning is core SQL).
import type { Kysely } from 'kysely';
import type { CoreTables } from '../../core/db/index.js';
import type { HubContext } from '../../core/registry.js';
import type { Generated } from 'kysely';
import type { Migration } from '../../core/db/migrate.js';

export type TestsTables = {
  tests_ids: {
    test_key: Generated<number>;
    repo: string;
    test_id: string;
    suite: string | null;
    classname: string | null;
    name: string;
    file: string | null;
    suite_type: string;
  };
  tests_reports: {
    report_id: string;
    run_id: string;
    repo: string;
    commit_sha: string | null;
    branch: string | null;
    day: string;
    format: string;
    runner: string | null;
    tests: number;
    passed: number;
    failed: number;
    errored: number;
    skipped: number;
    duration_ms: number | null;
    problems: string | null;
    idempotency_key: string | null;
    received_at: Date;
  };
  tests_results: {
    day: string;
    run_id: string;
    report_id: string;
    test_key: number;
    ordinal: number;
    attempt: number;
    /** The attempt this one retried (attempt - 1), null for a first attempt. */
    retry_of: number | null;
    /** 0 passed, 1 failed, 2 errored, 3 skipped. */
    status: number;
    duration_ms: number | null;
    message_hash: string | null;
    /** A failure contradicted by a pass of the same test on the same commit. */
    flaky: boolean;
  };
  tests_messages: {
    repo: string;
    message_hash: string;
    message: string;
  };
  tests_quarantine: {
    entry_id: Generated<number>;
    repo: string;
    test_key: number;
    test_id: string;
    /** flaky | broken (tests-0002). */
    kind: Generated<string>;
    owner: string | null;
    reason: string;
    source: string;
    quarantined_at: Date;
    expires_at: Date | null;
    proof_runs: string[];
    flaky_failures: number;
    clean_runs: number;
    released_at: Date | null;
    release_reason: string | null;
  };
  tests_coverage: {
    run_id: string;
    repo: string;
    branch: string | null;
    commit_sha: string | null;
    format: string;
    lines_pct: number | null;
    branches_pct: number | null;
    statements_pct: number | null;
    lines_covered: number;
    lines_total: number;
    branches_covered: number;
    branches_total: number;
    statements_covered: number;
    statements_total: number;
    files: number;
    received_at: Date;
  };
  tests_coverage_files: {
    run_id: string;
    file: string;
    lines_covered: number;
    lines_total: number;
    branches_covered: number;
    branches_total: number;
    statements_covered: number;
    statements_total: number;
  };
  tests_codeowners: {
    repo: string;
    content: string;
    updated_at: Date;
  };
};

export const STATUS_CODE = { passed: 0, failed: 1, errored: 2, skipped: 3 } as const;
export const STATUS_NAME = ['passed', 'failed', 'errored', 'skipped'] as const;

export const testsMigrations: Migration[] = [
  {
    id: 'tests-0001-results',
    up: `
create table tests_ids (
  test_key bigint generated always as identity primary key,
  repo text not null,
  test_id text not null,
  suite text,
  classname text,
  name text not null,
  file text,
  suite_type text not null,
  unique (repo, test_id)
);

create table tests_reports (
  report_id uuid primary key,
  run_id uuid not null references runs (run_id) on delete cascade,
  repo text not null,
  commit_sha text,
  branch text,
  day date not null,
  format text not null,
  runner text,
  tests integer not null,
  passed integer not null,
  failed integer not null,
  errored integer not null,
  skipped integer not null,
  duration_ms bigint,
  problems text,
  idempotency_key text,
  received_at timestamptz not null
);
create index tests_reports_run_idx on tests_reports (run_id);
create index tests_reports_commit_idx on tests_reports (repo, commit_sha);
create index tests_reports_repo_day_idx on tests_reports (repo, day);
create unique index tests_reports_idem_idx on tests_reports (run_id, idempotency_key) where idempotency_key is not null;

create table tests_results (
  day date not null,
  run_id uuid not null,
  report_id uuid not null,
  test_key bigint not null,
  ordinal integer not null,
  attempt smallint not null,
  retry_of smallint,
  status smallint not null,
  duration_ms real,
  message_hash text,
  flaky boolean not null default false
) partition by range (day);
create table tests_results_default partition of tests_results default;
create index tests_results_run_idx on tests_results (run_id, test_key);
create index tests_results_test_idx on tests_results (test_key, day);
create index tests_results_flaky_idx on tests_results (day, test_key) where flaky;

create table tests_messages (
  repo text not null,
  message_hash text not null,
  message text not null,
  primary key (repo, message_hash)
);

create table tests_quarantine (
  entry_id bigint generated always as identity primary key,
  repo text not null,
  test_key bigint not null,
  test_id text not null,
  owner text,
  reason text not null,
  source text not null,
  quarantined_at timestamptz not null,
  expires_at timestamptz,
  proof_runs text[] not null default '{}',
  flaky_failures integer not null default 0,
  clean_runs integer not null default 0,
  released_at timestamptz,
  release_reason text
);
create unique index tests_quarantine_active_idx on tests_quarantine (repo, test_key) where released_at is null;

create table tests_coverage (
  run_id uuid primary key references runs (run_id) on delete cascade,
  repo text not null,
  branch text,
  commit_sha text,
  format text not null,
  lines_pct double precision,
  branches_pct double precision,
  statements_pct double precision,
  lines_covered integer not null,
  lines_total integer not null,
  branches_covered integer not null,
  branches_total integer not null,
  statements_covered integer not null,
  statements_total integer not null,
  files integer not null,
  received_at timestamptz not null
);
create index tests_coverage_branch_idx on tests_coverage (repo, branch, received_at desc);

create table tests_coverage_files (
  run_id uuid not null references tests_coverage (run_id) on delete cascade,
  file text not null,
  lines_covered integer not null,
  lines_total integer not null,
  branches_covered integer not null,
  branches_total integer not null,
  statements_covered integer not null,
  statements_total integer not null,
  primary key (run_id, file)
);

create table tests_codeowners (
  repo text primary key,
  content text not null,
  updated_at timestamptz not null
);
`,
  },
  {
    // Quarantine counts broken tests too (issue 16): each entry says which kind it is.
    id: 'tests-0002-quarantine-kind',
    up: `alter table tests_quarantine add column kind text not null default 'flaky';`,
  },
];

export type TestsDb = Kysely<CoreTables & TestsTables>;
export const tdb = (ctx: Pick<HubContext, 'db'>): TestsDb => ctx.db.withTables<TestsTables>() as unknown as TestsDb;
