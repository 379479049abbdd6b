// Canary decisions in the store: written by `canary judge --record`, read by the run page (through
// the deployments of a run), by GET /api/v1/delivery/canary and by /metrics.
import { sql } from 'kysely';
import type { Redactor } from '../../core/redact/index.js';
import type { Decision } from './canary/judge.js';
import type { CanaryDecisionsTable, DeliveryDb } from './tables.js';

export interface DeploymentRef {
  repo: string;
  environment: string;
  deploymentId: string;
}

export type StoredDecision = Omit<CanaryDecisionsTable, 'decided_at'> & { decided_at: string };

/** Stores a decision; judging the same inputs again keeps the first row (same id). Returns whether it was new. */
export async function recordDecision(
  db: DeliveryDb,
  redactor: Redactor,
  at: Date,
  id: string,
  dep: DeploymentRef,
  d: Decision,
  inputs: unknown,
): Promise<boolean> {
  const row: CanaryDecisionsTable = {
    decision_id: id,
    repo: dep.repo,
    environment: dep.environment,
    deployment_id: dep.deploymentId,
    template: d.template,
    verdict: d.verdict,
    score: d.score,
    // Queries and file names can carry tokens (basic-auth URLs); they go through the redactor like every stored text.
    reason: redactor.apply(d.reason),
    decided_at: at,
    decision: JSON.stringify(redactor.redactValue(d).value),
    inputs: JSON.stringify(redactor.redactValue(inputs).value),
  };
  const r = await db
    .insertInto('delivery_canary_decisions')
    .values(row)
    .onConflict((oc) => oc.column('decision_id').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());
const out = (r: CanaryDecisionsTable): StoredDecision => ({ ...r, score: Number(r.score), decided_at: iso(r.decided_at) });

export async function listDecisions(
  db: DeliveryDb,
  f: { repo?: string; environment?: string; deploymentId?: string; limit?: number; repoRegexes?: string[] | null },
): Promise<StoredDecision[]> {
  let q = db.selectFrom('delivery_canary_decisions').selectAll();
  // A token limited to some repositories sees only their decisions (lower-cased like the patterns).
  if (f.repoRegexes) q = q.where(sql<boolean>`lower(repo) ~ any(${f.repoRegexes}::text[])`);
  if (f.repo) q = q.where('repo', '=', f.repo);
  if (f.environment) q = q.where('environment', '=', f.environment);
  if (f.deploymentId) q = q.where('deployment_id', '=', f.deploymentId);
  const rows = await q
    .orderBy('decided_at', 'desc')
    .orderBy('decision_id')
    .limit(f.limit ?? 100)
    .execute();
  return rows.map(out);
}

/** The decisions about the deployments a run reported (for the run page and its evidence). */
export async function decisionsOfRun(db: DeliveryDb, runId: string): Promise<StoredDecision[]> {
  const rows = await db
    .selectFrom('delivery_canary_decisions as c')
    .selectAll('c')
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('deployments as d')
          .select(sql`1`.as('one'))
          .where('d.run_id', '=', runId)
          .whereRef('d.repo', '=', 'c.repo')
          .whereRef('d.environment', '=', 'c.environment')
          .whereRef('d.deployment_id', '=', 'c.deployment_id'),
      ),
    )
    .orderBy('c.decided_at')
    .orderBy('c.decision_id')
    .execute();
  return rows.map(out);
}

/** The latest conclusive decision per (repo, template): what cicd_canary_analysis_result shows. */
export async function latestConclusive(db: DeliveryDb): Promise<Array<{ repo: string; template: string; verdict: string }>> {
  const r = await sql<{ repo: string; template: string; verdict: string }>`
    select distinct on (repo, template) repo, template, verdict
    from delivery_canary_decisions where verdict in ('promote', 'rollback')
    order by repo, template, decided_at desc, decision_id`.execute(db);
  return r.rows;
}
