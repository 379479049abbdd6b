// The commit graph (`commits` table): lead time needs exact ancestry, so parents are kept as sent.
import { sql, type Kysely } from 'kysely';
import { commitsTable } from './tables.js';
import type { CoreTables } from '../db/schema.js';
import { normalizeRepo } from '../identity.js';

export interface CommitInput {
  repo: string;
  sha: string;
  parents: string[];
  authored_at: string | null;
  committed_at: string | null;
  source: string;
}

/** Upserts commits in batches of 5,000 (idempotent: the same commit sent twice is one row). */
export async function insertCommits(db: Kysely<CoreTables>, commits: CommitInput[]): Promise<number> {
  const seen = new Map<string, CommitInput>();
  for (const c of commits) {
    const repo = normalizeRepo(c.repo);
    seen.set(`${repo}\u0000${c.sha.toLowerCase()}`, { ...c, repo, sha: c.sha.toLowerCase(), parents: c.parents.map((p) => p.toLowerCase()) });
  }
  const rows = [...seen.values()];
  for (let i = 0; i < rows.length; i += 5000) {
    const batch = rows.slice(i, i + 5000);
    await commitsTable
      .insert(
        batch,
        sql`on conflict (repo, sha) do update set parents = excluded.parents, authored_at = coalesce(excluded.authored_at, commits.authored_at), committed_at = coalesce(excluded.committed_at, commits.committed_at)`,
      )
      .execute(db);
  }
  return rows.length;
}
