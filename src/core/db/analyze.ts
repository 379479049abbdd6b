// PGlite runs no autovacuum, so nothing ever runs ANALYZE on the embedded store: after a bulk load
// the planner has no statistics and picks nested loops over tables of 100k+ rows (bench/dashboard:
// readiness 2,328 ms without statistics, 56 ms after one ANALYZE; the Overview 3,106 -> 715 ms).
// This is autovacuum's analyze threshold (50 rows + 10% of the estimate), checked on `runs`, the
// table the rest of the store grows with. PostgreSQL servers have autovacuum; this is for PGlite.
import { sql, type Kysely } from 'kysely';

/** Runs ANALYZE when `runs` has drifted from the planner's estimate; true when it did. */
export async function analyzeIfStale(db: Kysely<any>): Promise<boolean> {
  const r = await sql<{ n: number; est: number | null }>`
    select (select count(*) from runs)::int as n, (select reltuples from pg_class where oid = to_regclass('runs'))::float8 as est`.execute(db);
  const { n, est } = r.rows[0] ?? { n: 0, est: null };
  // reltuples is -1 until the first ANALYZE (PostgreSQL 14+).
  if (est !== null && est >= 0 && Math.abs(n - est) <= 50 + 0.1 * est) return false;
  await sql`analyze`.execute(db);
  return true;
}
