// DR drills (seed 000 "DR: weekly rollback/restore drills stored in warehouse and shown as DR SLO
// card; block promotion if last drill > 7 days"; RPO ≤ 60 s, RTO ≤ 300 s): recording, the card's
// summary and the gate's verdict. `drillVerdict` is pure: drills + targets + instant → verdict.
import { createHash } from 'node:crypto';
import type { DeliveryDb, DrillsTable } from './tables.js';

export interface Drill {
  drill_id: string;
  type: 'rollback' | 'restore';
  environment: string;
  repo: string | null;
  result: 'pass' | 'fail';
  rpo_s: number;
  rto_s: number;
  performed_at: string;
  recorded_by: string | null;
  evidence: { file: string; sha256: string; bytes: number } | null;
}

export interface DrillTargets {
  rpoTargetS: number;
  rtoTargetS: number;
}

/** The same drill recorded twice (same type, place, time and figures) is one row. */
export const drillIdOf = (d: Omit<Drill, 'drill_id' | 'recorded_by' | 'evidence'>) =>
  createHash('sha256')
    .update(JSON.stringify([d.type, d.environment, d.repo, d.result, d.rpo_s, d.rto_s, d.performed_at]))
    .digest('hex')
    .slice(0, 32);

export async function recordDrill(db: DeliveryDb, d: Drill): Promise<boolean> {
  const row: DrillsTable = { ...d, evidence: d.evidence ? JSON.stringify(d.evidence) : null };
  const r = await db
    .insertInto('delivery_drills')
    .values(row)
    .onConflict((oc) => oc.column('drill_id').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function listDrills(db: DeliveryDb, f: { environment?: string; type?: string; limit?: number }): Promise<Drill[]> {
  let q = db.selectFrom('delivery_drills').selectAll();
  if (f.environment) q = q.where('environment', '=', f.environment);
  if (f.type) q = q.where('type', '=', f.type);
  const rows = await q
    .orderBy('performed_at', 'desc')
    .orderBy('drill_id')
    .limit(f.limit ?? 100)
    .execute();
  return rows.map((r) => ({
    ...(r as unknown as Drill),
    rpo_s: Number(r.rpo_s),
    rto_s: Number(r.rto_s),
    performed_at: new Date(r.performed_at).toISOString(),
  }));
}

export interface DrillVerdict {
  pass: boolean;
  /** Age of the latest drill in days, or null without one. */
  age_days: number | null;
  latest: Drill | null;
  reason: string;
}

/** Blocks without a drill within maxAgeMs, or when the latest one failed or missed RPO/RTO. */
export function drillVerdict(drills: Drill[], t: DrillTargets, now: Date, maxAgeMs: number): DrillVerdict {
  const latest = [...drills].sort((a, b) => b.performed_at.localeCompare(a.performed_at) || a.drill_id.localeCompare(b.drill_id))[0] ?? null;
  if (!latest) return { pass: false, age_days: null, latest, reason: 'no DR drill recorded' };
  const ageMs = now.getTime() - Date.parse(latest.performed_at);
  const age_days = Math.round((ageMs / 86_400_000) * 100) / 100;
  const what = `last drill (${latest.type}, ${latest.performed_at.slice(0, 16).replace('T', ' ')} UTC)`;
  const maxDays = Math.round((maxAgeMs / 86_400_000) * 100) / 100;
  if (ageMs > maxAgeMs) return { pass: false, age_days, latest, reason: `${what} is ${age_days} days old, over ${maxDays}` };
  if (latest.result === 'fail') return { pass: false, age_days, latest, reason: `${what} failed` };
  const missed = [
    latest.rpo_s > t.rpoTargetS ? `RPO ${latest.rpo_s} s over ${t.rpoTargetS} s` : '',
    latest.rto_s > t.rtoTargetS ? `RTO ${latest.rto_s} s over ${t.rtoTargetS} s` : '',
  ].filter(Boolean);
  if (missed.length) return { pass: false, age_days, latest, reason: `${what} missed its targets: ${missed.join(', ')}` };
  return {
    pass: true,
    age_days,
    latest,
    reason: `${what} passed ${age_days} days ago: RPO ${latest.rpo_s} s, RTO ${latest.rto_s} s within ${t.rpoTargetS} s / ${t.rtoTargetS} s`,
  };
}
