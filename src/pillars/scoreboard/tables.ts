// The scoreboard's one table: who wrote a commit, and which commit it reverts. The run tables
// keep no author (the contract has none), so points go to a person only for commits listed here
// (POST /api/v1/scoreboard/commits, or the demo); other commits' points go to "unknown".
import type { Kysely } from 'kysely';
import type { Migration } from '../../core/db/migrate.js';
import type { CoreTables } from '../../core/db/schema.js';
import type { HubContext } from '../../core/registry.js';

export const migrations: Migration[] = [
  {
    id: 'scoreboard-0001-commits',
    up: `
create table scoreboard_commits (
  repo text not null,
  sha text not null,
  author text not null,
  reverts text,
  primary key (repo, sha)
);
`,
  },
];

export type ScoreboardTables = {
  scoreboard_commits: { repo: string; sha: string; author: string; reverts: string | null };
};

export type ScoreboardDb = Kysely<CoreTables & ScoreboardTables>;
export const sbdb = (ctx: Pick<HubContext, 'db'>): ScoreboardDb => ctx.db.withTables<ScoreboardTables>() as unknown as ScoreboardDb;
