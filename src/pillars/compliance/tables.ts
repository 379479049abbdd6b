// The compliance pillar's table (seed 000 pillar 7 "Output policy_violations"):
//   policy_violations  one row per finding identity (repository, rule, file, message) with the
//                      commit and time it was first and last seen, and the commit that fixed it
//                      (a check of a later commit without it); a finding seen again reopens.
//   policy_checks      one row per recorded check: counts found, opened and fixed (trend, last check).
// The line is kept as last seen but is not part of the identity: a violation moved by an edit
// above it is the same violation.
import type { Kysely } from 'kysely';
import type { CoreTables } from '../../core/db/schema.js';
import type { Migration } from '../../core/db/migrate.js';

export type PolicyViolationsTable = {
  repo: string;
  fingerprint: string;
  rule: string;
  severity: string;
  file: string;
  line: number;
  message: string;
  first_seen_commit: string;
  first_seen_at: Date | string;
  last_seen_commit: string;
  last_seen_at: Date | string;
  fixed_in: string | null;
  fixed_at: Date | string | null;
};

/** One row per recorded check of a commit: what it found and changed (the trend and "last checked"). */
export type PolicyChecksTable = {
  repo: string;
  commit: string;
  checked_at: Date | string;
  errors: number;
  warnings: number;
  notes: number;
  opened: number;
  fixed: number;
};

export type ComplianceTables = { policy_violations: PolicyViolationsTable; policy_checks: PolicyChecksTable };
export type ComplianceDb = Kysely<CoreTables & ComplianceTables>;

export const migrations: Migration[] = [
  {
    id: 'compliance-0001-policy-violations',
    up: `
create table policy_violations (
  repo text not null,
  fingerprint text not null,
  rule text not null,
  severity text not null,
  file text not null,
  line integer not null,
  message text not null,
  first_seen_commit text not null,
  first_seen_at timestamptz not null,
  last_seen_commit text not null,
  last_seen_at timestamptz not null,
  fixed_in text,
  fixed_at timestamptz,
  primary key (repo, fingerprint)
);
create index policy_violations_open on policy_violations (repo) where fixed_in is null;
`,
  },
  {
    id: 'compliance-0002-policy-checks',
    up: `
create table policy_checks (
  repo text not null,
  commit text not null,
  checked_at timestamptz not null,
  errors integer not null,
  warnings integer not null,
  notes integer not null,
  opened integer not null,
  fixed integer not null,
  primary key (repo, checked_at, commit)
);
`,
  },
];
