// The hub's static analysis tables (issue 17 part 5 and issue 18 part 5):
//   sarif_issues        one row per deduplicated issue of a repository: its finding keys (tool, rule,
//                       line hash), tools, CWE ids, first/last seen commit, the commit that fixed it,
//                       and an in-source suppression's justification (it counts 30 days from first seen)
//   sarif_sightings     which issues each commit's uploads contained (new vs base is exact per commit)
//   sarif_uploads       one row per upload: commit, tool and version, findings (which tools a commit
//                       has reported decides what it fixed)
//   sarif_suppressions  suppressions made on the hub: reason, who, when, expiry (≤ 30 days); never
//                       deleted, so they are the audit trail
import type { Kysely } from 'kysely';
import type { CoreTables } from '../../../core/db/schema.js';
import type { Migration } from '../../../core/db/migrate.js';

export type SarifIssuesTable = {
  repo: string;
  id: string;
  keys: string[];
  severity: string;
  file: string;
  line: number;
  line_hash: string;
  cwes: number[];
  tools: string[];
  rules: string[];
  reports: string[];
  message: string;
  source_justification: string | null;
  first_seen_commit: string;
  first_seen_at: Date | string;
  last_seen_commit: string;
  last_seen_at: Date | string;
  fixed_in: string | null;
  fixed_at: Date | string | null;
};

export type SarifSightingsTable = { repo: string; commit: string; issue_id: string };

export type SarifUploadsTable = { repo: string; commit: string; tool: string; tool_version: string; uploaded_at: Date | string; findings: number };

export type SarifSuppressionsTable = {
  repo: string;
  issue_id: string;
  reason: string;
  created_by: string;
  created_at: Date | string;
  expires_at: Date | string;
};

export type SarifTables = {
  sarif_issues: SarifIssuesTable;
  sarif_sightings: SarifSightingsTable;
  sarif_uploads: SarifUploadsTable;
  sarif_suppressions: SarifSuppressionsTable;
};
export type SarifDb = Kysely<CoreTables & SarifTables>;

export const sarifMigrations: Migration[] = [
  {
    id: 'supply-chain-0001-sarif',
    up: `
create table sarif_issues (
  repo text not null,
  id text not null,
  keys text[] not null,
  severity text not null,
  file text not null,
  line integer not null,
  line_hash text not null,
  cwes integer[] not null,
  tools text[] not null,
  rules text[] not null,
  reports text[] not null,
  message text not null,
  source_justification text,
  first_seen_commit text not null,
  first_seen_at timestamptz not null,
  last_seen_commit text not null,
  last_seen_at timestamptz not null,
  fixed_in text,
  fixed_at timestamptz,
  primary key (repo, id)
);
create index sarif_issues_line on sarif_issues (repo, line_hash);
create table sarif_sightings (
  repo text not null,
  commit text not null,
  issue_id text not null,
  primary key (repo, commit, issue_id)
);
create table sarif_uploads (
  repo text not null,
  commit text not null,
  tool text not null,
  tool_version text not null,
  uploaded_at timestamptz not null,
  findings integer not null
);
create index sarif_uploads_commit on sarif_uploads (repo, commit);
create table sarif_suppressions (
  repo text not null,
  issue_id text not null,
  reason text not null,
  created_by text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null
);
create index sarif_suppressions_issue on sarif_suppressions (repo, issue_id);
`,
  },
];
