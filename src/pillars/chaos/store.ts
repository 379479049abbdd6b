// Chaos trials in the store: one row per trial in chaos_results, from either path — the agent's
// `chaos run --record` or a run record's `chaos[]` item (core's chaos_trials) — under one trial id.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { ContractChaosTrial } from '../../core/contract/index.js';
import { listIssues, payloadContract } from '../../core/contract/payload.js';
import { CiError } from '../../core/errors.js';
import { buildReport, type ResilienceReport } from './report.js';
import type { ChaosDb, ChaosResultsTable } from './tables.js';

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

/** The upload's contract: chaos_trial_upload.schema.json, registered in the schema registry (schemas.ts). */
export const trialUploadContract = payloadContract('chaos_trial_upload', '1.0.0', new URL('./chaos_trial_upload.schema.json', import.meta.url));

/** Checks an upload's body against its schema; errors name the JSON pointer and what to send. */
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
  const issues = trialUploadContract.check(o);
  // Not expressible in the schema: a time is any string Date.parse reads (the store parses it so).
  if (!issues.length) {
    const t = (o as { trial: Record<string, unknown> }).trial;
    for (const k of ['started_at', 'ended_at'] as const)
      if (t[k] !== undefined && Number.isNaN(Date.parse(t[k] as string)))
        issues.push({ pointer: `/trial/${k}`, reason: `${k} must be a date-time (ISO 8601)` });
  }
  if (issues.length) throw bad(issues[0]!.pointer, listIssues(issues, ''));
  const { trial, added_ms } = o as TrialUpload;
  return { trial, ...(added_ms === undefined ? {} : { added_ms }) };
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
