// `ci-intel data backfill` (seed 000 "Backfill script populates policy[] and security defaults
// for historical runs"): a run recorded before its producer sent policies or security evidence
// (v1.1 records, provider-only runs, v1.2 records without them) gets the defaults once, in
// dq_run_defaults; the compat view shows them where the run has nothing of its own. One row per
// run and `on conflict do nothing`: running it again changes no row.
import { sql } from '../../core/db/index.js';
import type { DqDb } from './tables.js';

/** The policies[] of a run no policy was evaluated on: one `warn`, so it never reads as allowed. */
export const DEFAULT_POLICIES = [{ id: 'not_evaluated', result: 'warn', reason: 'run recorded before policies were evaluated (backfilled)' }];
/** Its security object: not attested, because no evidence was recorded. */
export const DEFAULT_SECURITY = { attested: false, evidence: 'not recorded' };

export interface BackfillResult {
  /** Historical runs without policies or evidence, ended before the cutoff. */
  candidates: number;
  /** Of those, filled now (the others were filled by an earlier run of the command). */
  filled: number;
}

export async function backfillDefaults(db: DqDb, before: Date, now: Date, repo?: string): Promise<BackfillResult> {
  const historical = sql`
    from runs r
    where r.ended_at < ${before}
      ${repo ? sql`and r.repo = ${repo.toLowerCase()}` : sql``}
      and (not exists (select 1 from policy_results p where p.run_id = r.run_id)
           or num_nonnulls(r.image_digest, r.sbom_uri, r.provenance_uri, r.signature_uri, r.release_evidence_uri) = 0)`;
  const candidates = Number((await sql<{ n: string }>`select count(*) as n ${historical}`.execute(db)).rows[0]!.n);
  const inserted = await sql`
    insert into dq_run_defaults (run_id, policies, security, backfilled_at)
    select r.run_id, ${JSON.stringify(DEFAULT_POLICIES)}::jsonb, ${JSON.stringify(DEFAULT_SECURITY)}::jsonb, ${now} ${historical}
    on conflict (run_id) do nothing`.execute(db);
  return { candidates, filled: Number(inserted.numAffectedRows ?? 0n) };
}
