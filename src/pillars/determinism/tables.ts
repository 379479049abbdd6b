// The determinism pillar's table:
//   repro_results  one row per (repository, commit, artifact) checked: the verdict, the count of
//                  differences per class, the first differences; re-checking a commit replaces it.
//   repro_identities  what each built artifact said it was, per (repository, artifact, commit) and
//                  distinct SHA-256: ELF build id, JAR Implementation-Version and Build-Jdk, the
//                  content hash without those stamps; kept across re-checks (first and last seen), so
//                  a commit built again later with another build id is seen (the cross-time gate).
// The reproducibility rate per artifact and its first drift commit are computed from these rows.
import type { Kysely } from 'kysely';
import type { CoreTables } from '../../core/db/schema.js';
import type { Migration } from '../../core/db/migrate.js';

export type ReproResultsTable = {
  repo: string;
  commit: string;
  artifact: string;
  verdict: string;
  classes: string;
  differences: string;
  checked_at: Date | string;
};

export type ReproIdentitiesTable = {
  repo: string;
  artifact: string;
  commit: string;
  sha256: string;
  content_sha256: string;
  build_id: string | null;
  implementation_version: string | null;
  build_jdk: string | null;
  first_seen: Date | string;
  last_seen: Date | string;
};

export type DeterminismTables = { repro_results: ReproResultsTable; repro_identities: ReproIdentitiesTable };
export type DeterminismDb = Kysely<CoreTables & DeterminismTables>;

export const migrations: Migration[] = [
  {
    id: 'determinism-0001-repro-results',
    up: `
create table repro_results (
  repo text not null,
  commit text not null,
  artifact text not null,
  verdict text not null,
  classes jsonb not null,
  differences jsonb not null,
  checked_at timestamptz not null,
  primary key (repo, commit, artifact)
);
create index repro_results_by_time on repro_results (repo, artifact, checked_at);
`,
  },
  {
    id: 'determinism-0002-repro-identities',
    up: `
create table repro_identities (
  repo text not null,
  artifact text not null,
  commit text not null,
  sha256 text not null,
  content_sha256 text not null,
  build_id text,
  implementation_version text,
  build_jdk text,
  first_seen timestamptz not null,
  last_seen timestamptz not null,
  primary key (repo, artifact, commit, sha256)
);
create index repro_identities_by_content on repro_identities (repo, artifact, content_sha256);
`,
  },
];
