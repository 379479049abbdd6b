// Chaos trials in the store: one row per trial in chaos_results, from either path — the agent's
// `chaos run --record` or a run record's `chaos[]` item (core's chaos_trials) — under one trial id.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { ContractChaosTrial } from '../../core/contract/index.js';
import { CiError } from '../../core/errors.js';
import { FAULTS } from './faults.js';
import { buildReport, type ResilienceReport } from './report.js';
import type { ChaosDb, ChaosResultsTable } from './tables.js';

const OUTCOMES = ['recovered', 'degraded', 'failed'] as const;

/**
 * The trial's identity: the same trial gives the same id whichever path it came by (repository,
 * target, fault, seed and start instant; a replay by seed starts at another instant, so it is
 * another trial).
 */
export function trialId(repo: string, t: { target: string; fault: string; seed: number | string; started_at: string }): string {
  const at = new Date(t.started_at).toISOString();
  return createHash('sha256').update(`${repo.toLowerCase()}\n${t.target}\n${t.fault}\n${t.seed}\n${at}`).digest('hex').slice(0, 32);
}

/** What `chaos run --record` sends: the run record's `chaos[]` item and the time the fault added. */
export interface TrialUpload {
  trial: ContractChaosTrial & { started_at: string };
  added_ms?: number;
}

/** Checks an upload's body; errors name the JSON pointer and what to send. */
export function parseTrialUpload(text: string): TrialUpload {
  const bad = (where: string, what: string) =>
    new CiError('E_CHAOS_TRIAL_INVALID', what, {
      where,
      hint: 'send what ci-intel chaos run --record sends: {"trial": <the run record’s chaos item>, "added_ms": n}',
    });
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    throw bad('the request body', 'not JSON');
  }
  const t = (o as { trial?: unknown } | null)?.trial as Record<string, unknown> | undefined;
  if (!t || typeof t !== 'object') throw bad('/trial', 'the trial is missing');
  if (!(FAULTS as readonly string[]).includes(t.fault as string))
    throw bad('/trial/fault', `not a fault: ${JSON.stringify(t.fault)} (one of ${FAULTS.join(', ')})`);
  if (typeof t.target !== 'string' || !t.target) throw bad('/trial/target', 'the target must be a non-empty string');
  if (!Number.isSafeInteger(t.seed) || (t.seed as number) < 0) throw bad('/trial/seed', 'the seed must be a whole number ≥ 0');
  if (t.rate !== undefined && (typeof t.rate !== 'number' || t.rate < 0 || t.rate > 1)) throw bad('/trial/rate', 'the rate must be a number 0..1');
  for (const k of ['started_at', 'ended_at'] as const)
    if ((k === 'started_at' || t[k] !== undefined) && (typeof t[k] !== 'string' || Number.isNaN(Date.parse(t[k] as string))))
      throw bad(`/trial/${k}`, `${k} must be a date-time (ISO 8601)`);
  if (!(OUTCOMES as readonly string[]).includes(t.outcome as string)) throw bad('/trial/outcome', `the outcome must be one of ${OUTCOMES.join(', ')}`);
  if (t.retries !== undefined && (!Number.isInteger(t.retries) || (t.retries as number) < 0)) throw bad('/trial/retries', 'retries must be a whole number ≥ 0');
  const added = (o as { added_ms?: unknown }).added_ms;
  if (added !== undefined && (!Number.isInteger(added) || (added as number) < 0)) throw bad('/added_ms', 'added_ms must be a whole number ≥ 0');
  return { trial: t as unknown as TrialUpload['trial'], ...(added === undefined ? {} : { added_ms: added as number }) };
}

/** Stores one trial sent by the agent; a trial already known from its run keeps its run and gains the added time. */
export async function recordTrial(db: ChaosDb, r: { repo: string; commit: string | null; at: Date; upload: TrialUpload }): Promise<string> {
  const t = r.upload.trial;
  const id = trialId(r.repo, t);
  await db
    .insertInto('chaos_results')
    .values({
      trial_id: id,
      repo: r.repo.toLowerCase(),
      commit: r.commit,
      run_id: null,
      fault: t.fault,
      target: t.target,
      seed: t.seed,
      rate: t.rate ?? null,
      started_at: t.started_at,
      ended_at: t.ended_at ?? null,
      outcome: t.outcome,
      retries: t.retries ?? null,
      added_ms: r.upload.added_ms ?? null,
      recorded_at: r.at,
    })
    .onConflict((oc) =>
      oc.column('trial_id').doUpdateSet({
        added_ms: sql`coalesce(excluded.added_ms, chaos_results.added_ms)`,
        commit: sql`coalesce(chaos_results.commit, excluded.commit)`,
      }),
    )
    .execute();
  return id;
}

/** Copies the `chaos[]` items of ingested runs (core's chaos_trials) into chaos_results; returns how many. */
export async function copyRunTrials(db: ChaosDb, runIds: string[], at: Date): Promise<number> {
  if (!runIds.length) return 0;
  const rows = await db
    .selectFrom('chaos_trials as c')
    .innerJoin('runs as r', 'r.run_id', 'c.run_id')
    .select([
      'c.run_id',
      'c.fault',
      'c.target',
      'c.seed',
      'c.rate',
      'c.started_at',
      'c.ended_at',
      'c.outcome',
      'c.retries',
      'r.repo',
      'r.commit_sha',
      'r.started_at as run_started',
    ])
    .where('c.run_id', 'in', runIds)
    .execute();
  for (const c of rows) {
    const started = new Date((c.started_at ?? c.run_started) as Date | string).toISOString();
    await db
      .insertInto('chaos_results')
      .values({
        trial_id: trialId(c.repo, { target: c.target, fault: c.fault, seed: String(c.seed), started_at: started }),
        repo: c.repo.toLowerCase(),
        commit: c.commit_sha ?? null,
        run_id: c.run_id,
        fault: c.fault,
        target: c.target,
        seed: c.seed,
        rate: c.rate,
        started_at: started,
        ended_at: c.ended_at,
        outcome: c.outcome,
        retries: c.retries,
        added_ms: null,
        recorded_at: at,
      })
      // Known from the agent already: the run's copy only links it to its run.
      .onConflict((oc) => oc.column('trial_id').doUpdateSet({ run_id: sql`excluded.run_id` }))
      .execute();
  }
  return rows.length;
}

export type TrialRow = Pick<ChaosResultsTable, 'repo' | 'target' | 'fault' | 'outcome' | 'retries' | 'added_ms'> & { started_at: Date };

/** Trials started in [since, until), optionally of one repository, in start order. */
export async function readTrials(db: ChaosDb, o: { since: Date; until: Date; repo?: string }): Promise<TrialRow[]> {
  let q = db
    .selectFrom('chaos_results')
    .select(['repo', 'target', 'fault', 'outcome', 'retries', 'added_ms', 'started_at'])
    .where('started_at', '>=', o.since)
    .where('started_at', '<', o.until);
  if (o.repo) q = q.where('repo', '=', o.repo.toLowerCase());
  const rows = await q.orderBy('started_at').orderBy('trial_id').execute();
  return rows.map((r) => ({ ...r, started_at: new Date(r.started_at) }));
}

/** The resilience report over [since, until) and its trend against the window of the same length before. */
export async function loadReport(
  db: ChaosDb,
  o: { since: Date; until: Date; repo?: string; allowsRepo?: (repo: string) => boolean },
): Promise<ResilienceReport> {
  const previousSince = new Date(o.since.getTime() - (o.until.getTime() - o.since.getTime()));
  const rows = (await readTrials(db, { since: previousSince, until: o.until, repo: o.repo })).filter((r) => !o.allowsRepo || o.allowsRepo(r.repo));
  return buildReport(rows, { previousSince, since: o.since, until: o.until });
}
