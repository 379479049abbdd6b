// The determinism pillar's table:
//   repro_results  one row per (repository, commit, artifact) checked: the verdict, the count of
//                  differences per class, the first differences; re-checking a commit replaces it.
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

export type DeterminismTables = { repro_results: ReproResultsTable };
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
];
