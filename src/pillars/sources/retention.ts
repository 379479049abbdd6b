// The sources pillar's share of retention: webhook deliveries go with the records as sent,
// pull requests with the derived rows (core prunes runs, commits and deployments).
import { sql, type Kysely } from 'kysely';
import type { RetentionHook } from '../../core/registry.js';
import type { SourcesTables } from './tables.js';

export const pruneSources: RetentionHook = async (ctx, { cutoffs, dryRun }) => {
  const db = ctx.db as unknown as Kysely<SourcesTables>;
  const deliveriesOld = sql`received_at < ${cutoffs.records}`;
  const prsOld = sql`coalesce(updated_at, created_at) < ${cutoffs.derived}`;
  const run = async (table: string, where: ReturnType<typeof sql>) =>
    dryRun
      ? Number((await sql<{ n: number }>`select count(*)::int8 as n from ${sql.table(table)} where ${where}`.execute(db)).rows[0]!.n)
      : Number((await sql`delete from ${sql.table(table)} where ${where}`.execute(db)).numAffectedRows ?? 0);
  return { webhook_deliveries: await run('sources_deliveries', deliveriesOld), pull_requests: await run('sources_pull_requests', prsOld) };
};
