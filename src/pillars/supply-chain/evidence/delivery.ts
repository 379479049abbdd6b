// What the delivery pillar recorded about a run's release, read from the store for the evidence
// bundle (seed 000: "Canary scorer decision and inputs embedded in Evidence Bundle"; the DR drill
// card): the latest canary judgement of the run's deployment and the latest DR drill of its
// environment. Read by SQL, guarded by to_regclass, because a pillar does not import another: a hub
// without the delivery pillar's tables gives null.
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { tableExists } from '../../../core/db/index.js';

export interface EvidenceCanary {
  decision_id: string;
  template: string;
  verdict: string;
  score: number;
  reason: string;
  decided_at: string;
  /** sha256 of the decision's inputs as stored (queries, windows, sample hashes). */
  inputs_sha256: string;
}

export interface EvidenceDrill {
  type: string;
  result: string;
  rpo_s: number;
  rto_s: number;
  performed_at: string;
}

export async function deliveryEvidence(
  db: Kysely<unknown>,
  rec: { repo?: unknown; deployment_id?: unknown; environment?: unknown },
): Promise<{ canary: EvidenceCanary | null; dr_drill: EvidenceDrill | null }> {
  const repo = typeof rec.repo === 'string' ? rec.repo.toLowerCase() : null;
  let canary: EvidenceCanary | null = null;
  let drill: EvidenceDrill | null = null;
  if (repo && typeof rec.deployment_id === 'string' && (await tableExists(db, 'delivery_canary_decisions'))) {
    const r = (
      await sql<{ decision_id: string; template: string; verdict: string; score: number; reason: string; decided_at: Date | string; inputs: unknown }>`
        select decision_id, template, verdict, score, reason, decided_at, inputs from delivery_canary_decisions
        where lower(repo) = ${repo} and deployment_id = ${rec.deployment_id} order by decided_at desc, decision_id limit 1`.execute(db)
    ).rows[0];
    if (r) {
      const inputs = typeof r.inputs === 'string' ? r.inputs : JSON.stringify(r.inputs);
      canary = {
        decision_id: r.decision_id,
        template: r.template,
        verdict: r.verdict,
        score: Number(r.score),
        reason: r.reason,
        decided_at: new Date(r.decided_at).toISOString(),
        inputs_sha256: createHash('sha256').update(inputs).digest('hex'),
      };
    }
  }
  if (typeof rec.environment === 'string' && (await tableExists(db, 'delivery_drills'))) {
    const d = (
      await sql<{ type: string; result: string; rpo_s: number; rto_s: number; performed_at: Date | string }>`
        select type, result, rpo_s, rto_s, performed_at from delivery_drills
        where environment = ${rec.environment} and (repo is null or lower(repo) = ${repo ?? ''}) order by performed_at desc limit 1`.execute(db)
    ).rows[0];
    if (d) drill = { type: d.type, result: d.result, rpo_s: Number(d.rpo_s), rto_s: Number(d.rto_s), performed_at: new Date(d.performed_at).toISOString() };
  }
  return { canary, dr_drill: drill };
}
