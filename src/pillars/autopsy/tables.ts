// The autopsy pillar's tables (seed 000 pillar 2 "Storage: failure_signatures, autopsy_reports"):
// migrations and their Kysely types. Queries are in store.ts.
import type { Kysely } from 'kysely';
import type { Migration } from '../../core/db/migrate.js';
import type { HubContext } from '../../core/registry.js';

export const migrations: Migration[] = [
  {
    id: 'autopsy-0001-tables',
    up: `
create table autopsy_logs (
  run_id uuid not null,
  job_id text not null,
  blob_key text not null,
  bytes bigint not null,
  lines bigint not null,
  job_failed boolean,
  uploaded_at timestamptz not null,
  analyzed_at timestamptz not null,
  primary key (run_id, job_id)
);
create index autopsy_logs_uploaded on autopsy_logs (uploaded_at);
create table autopsy_root_causes (
  run_id uuid not null,
  job_id text not null,
  rank int not null,
  category text not null,
  tool text not null,
  pattern text not null,
  message text not null,
  suggestion text not null,
  severity text not null,
  file text,
  line int,
  docs_uri text,
  repro text,
  evidence jsonb not null,
  decided_by jsonb not null,
  signature text not null,
  seen_at timestamptz not null,
  primary key (run_id, job_id, rank)
);
create index autopsy_root_causes_signature on autopsy_root_causes (signature);
create table failure_signatures (
  signature text primary key,
  repo text not null,
  tool text not null,
  category text not null,
  message text not null,
  count int not null,
  first_seen timestamptz not null,
  last_seen timestamptz not null,
  last_run_id uuid not null
);
create index failure_signatures_repo on failure_signatures (repo, last_seen desc);
create table autopsy_reports (
  run_id uuid primary key,
  markdown text not null,
  created_at timestamptz not null
);
create table autopsy_issues (
  signature text not null,
  repo text not null,
  number int not null,
  url text not null,
  created_at timestamptz not null,
  primary key (signature, repo)
);
`,
  },
  {
    // A run's logs, causes and report go with the run (retention deleting it, or a squatted run
    // replaced by the provider's): rows whose run is already gone are removed first.
    id: 'autopsy-0002-run-cascade',
    up: `
delete from autopsy_root_causes c where not exists (select 1 from runs r where r.run_id = c.run_id);
delete from autopsy_logs l where not exists (select 1 from runs r where r.run_id = l.run_id);
delete from autopsy_reports p where not exists (select 1 from runs r where r.run_id = p.run_id);
alter table autopsy_logs add foreign key (run_id) references runs (run_id) on delete cascade;
alter table autopsy_root_causes add foreign key (run_id) references runs (run_id) on delete cascade;
alter table autopsy_reports add foreign key (run_id) references runs (run_id) on delete cascade;
`,
  },
];
export type AutopsyTables = {
  autopsy_logs: {
    run_id: string;
    job_id: string;
    blob_key: string;
    bytes: number | string;
    lines: number | string;
    job_failed: boolean | null;
    uploaded_at: Date | string;
    analyzed_at: Date | string;
  };
  autopsy_root_causes: {
    run_id: string;
    job_id: string;
    rank: number;
    category: string;
    tool: string;
    pattern: string;
    message: string;
    suggestion: string;
    severity: string;
    file: string | null;
    line: number | null;
    docs_uri: string | null;
    repro: string | null;
    evidence: unknown;
    decided_by: unknown;
    signature: string;
    seen_at: Date | string;
  };
  failure_signatures: {
    signature: string;
    repo: string;
    tool: string;
    category: string;
    message: string;
    count: number;
    first_seen: Date | string;
    last_seen: Date | string;
    last_run_id: string;
  };
  autopsy_reports: { run_id: string; markdown: string; created_at: Date | string };
  autopsy_issues: { signature: string; repo: string; number: number; url: string; created_at: Date | string };
};
export type AutopsyDb = Kysely<AutopsyTables>;
export const db = (ctx: HubContext): AutopsyDb => ctx.db.withTables<AutopsyTables>() as unknown as AutopsyDb;
