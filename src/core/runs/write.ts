// The one writer of the run tables (runs and the rows it owns: jobs, test summaries, chaos trials,
// policy results, costs, deployments). Every path that reports a run — an NDJSON record, an agent
// upload, a webhook or a backfilled API object — calls these functions, so the rules of a run hold
// in one place: a run never changes repository, the record is the authority on what it carries,
// and a late report never moves a run backwards.
import { sql, type Kysely, type Selectable } from 'kysely';
import { anyOf, deleteInBatches } from '../db/index.js';
import type { CoreTables } from '../db/schema.js';
import { columnsExcept } from '../db/table.js';
import type { NormalizedRun } from './normalize.js';
import { mergeRun, statusRank, type JobUpdate, type RunUpdate } from './reported.js';
import {
  chaosTrialsTable,
  costsTable,
  deploymentsTable,
  jobsTable,
  policyResultsTable,
  runsTable,
  testSummariesTable,
  type DeploymentsTable,
  type RunsTable,
} from './tables.js';
import type { Insertable } from 'kysely';

type Db = Kysely<CoreTables>;
/** Any store handle that has the core tables (a pillar's widened one too). */
type WithCore<T extends CoreTables> = Kysely<T>;
const asCore = <T extends CoreTables>(db: WithCore<T>) => db as unknown as Db;
export type RunRow = Selectable<RunsTable>;

/**
 * What a re-ingested record replaces: every column it owns, but never the run id, its repository
 * (a run does not move between repositories, whoever sends the record) nor what a webhook added
 * (provider ids, workflow name).
 */
const RECORD_OWNED = columnsExcept(runsTable, 'run_id', 'repo', 'provider', 'provider_run_id', 'attempt', 'workflow');

/** The repository each of these runs belongs to (absent ids: not stored yet). */
export async function repoOfRuns<T extends CoreTables>(db_: WithCore<T>, ids: string[]): Promise<Map<string, string>> {
  const db = asCore(db_);
  if (!ids.length) return new Map();
  const rows = await db.selectFrom('runs').select(['run_id', 'repo']).where('run_id', '=', anyOf(ids, 'uuid')).execute();
  return new Map(rows.map((r) => [r.run_id, r.repo]));
}

/** Upserts runs from records and replaces their record-owned child rows (one transaction: `trx`). */
export async function writeNormalized<T extends CoreTables>(trx_: WithCore<T>, norm: NormalizedRun[], existingIds: string[]): Promise<void> {
  const trx = asCore(trx_);
  if (norm.length === 0) return;
  if (existingIds.length) {
    // Child rows owned by the record are replaced wholesale; derived tables of pillars are keyed
    // by run_id and untouched (re-ingest re-runs the analyzers through runs.loaded).
    for (const t of ['jobs', 'test_summaries', 'chaos_trials', 'policy_results', 'costs'] as const) {
      await trx.deleteFrom(t).where('run_id', '=', anyOf(existingIds, 'uuid')).execute();
    }
    await trx
      .deleteFrom('deployments')
      .where(
        'event_key',
        '=',
        anyOf(
          existingIds.map((id) => `run:${id}`),
          'text',
        ),
      )
      .execute();
  }
  const update = sql.join(RECORD_OWNED.map((c) => sql`${sql.id(c.name)} = excluded.${sql.id(c.name)}`));
  // `where runs.repo = excluded.repo`: a record can never move a run to its repository (the
  // caller has already refused such lines; this is the last line of defence).
  await runsTable
    .insert(
      norm.map((x) => x.run),
      sql`on conflict (run_id) do update set ${update}, updated_at = now() where runs.repo = excluded.repo`,
    )
    .execute(trx);
  await jobsTable.insert(norm.flatMap((x) => x.jobs)).execute(trx);
  await testSummariesTable.insert(norm.map((x) => x.tests)).execute(trx);
  const chaos = norm.flatMap((x) => x.chaos);
  if (chaos.length) await chaosTrialsTable.insert(chaos).execute(trx);
  const policies = norm.flatMap((x) => x.policies);
  if (policies.length) await policyResultsTable.insert(policies).execute(trx);
  await costsTable.insert(norm.map((x) => x.cost)).execute(trx);
  const deployments = norm.flatMap((x) => (x.deployment ? [x.deployment] : []));
  if (deployments.length) await deploymentsTable.insert(deployments).execute(trx);
}

/**
 * A stub for a run an agent uploads to before any record or webhook reported it (source `agent`,
 * status `in_progress`); the later report fills it. Returns false when the id was taken meanwhile.
 */
export async function createRunStub<T extends CoreTables>(
  db_: WithCore<T>,
  stub: { run_id: string; repo: string; commit_sha: string | null; branch: string | null; started_at: Date },
): Promise<boolean> {
  const db = asCore(db_);
  const r = await runsTable
    .insert([{ ...stub, workflow: 'default', status: 'in_progress', source: 'agent' }], sql`on conflict (run_id) do nothing`)
    .execute(db);
  return Number(r.numAffectedRows ?? 0) > 0;
}

/**
 * Applies what a provider reported about a run (webhook or backfill), inside the caller's
 * transaction: creates the run, or merges into it by the rules of `mergeRun`. A run stored under
 * another repository is not this provider run: its id was squatted (an id is the provider run's
 * coordinates hashed, and this report comes from the provider itself), so the squatter's row
 * goes and the provider's run takes its place — nothing of one repository merges into another's.
 */
export async function upsertReportedRun<T extends CoreTables>(
  trx_: WithCore<T>,
  u: RunUpdate,
  log?: { warn(o: object, msg: string): void },
): Promise<{ row: RunRow; finished: boolean }> {
  const trx = asCore(trx_);
  for (let tries = 0; tries < 3; tries++) {
    const existing = await trx.selectFrom('runs').selectAll().where('run_id', '=', u.run_id).forUpdate().executeTakeFirst();
    if (existing && existing.repo !== u.repo) {
      log?.warn({ run_id: u.run_id, provider: u.provider }, 'a run id of this provider run was held by another repository; the provider run replaces it');
      await trx.deleteFrom('deployments').where('run_id', '=', u.run_id).execute();
      await trx.deleteFrom('runs').where('run_id', '=', u.run_id).execute();
      continue;
    }
    if (!existing) {
      const ins = await trx
        .insertInto('runs')
        .values(newRun(u))
        .onConflict((oc) => oc.column('run_id').doNothing())
        .returningAll()
        .executeTakeFirst();
      // Another process created it between our select and insert: read it again, locked.
      if (!ins) continue;
      return { row: ins, finished: u.origin === 'run' && statusRank(ins.status) === 2 };
    }
    const patch = mergeRun(existing, u);
    if (Object.keys(patch).length === 0) return { row: existing, finished: false };
    const row = await trx
      .updateTable('runs')
      .set({ ...patch, updated_at: sql`now()` as never })
      .where('run_id', '=', u.run_id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const finished = existing.source !== 'ndjson' && statusRank(existing.status) < 2 && statusRank(row.status) === 2;
    return { row, finished };
  }
  throw new Error(`run ${u.run_id} could not be created or locked`);
}

function newRun(u: RunUpdate): Insertable<RunsTable> {
  return {
    run_id: u.run_id,
    repo: u.repo,
    workflow: u.workflow ?? 'default',
    commit_sha: u.commit_sha,
    branch: u.branch,
    pr: u.pr,
    status: u.status,
    started_at: u.started_at,
    ended_at: u.ended_at,
    duration_ms: u.duration_ms,
    queue_ms: u.queue_ms,
    runner_os: u.runner_os,
    runner_type: u.runner_type,
    source: u.provider,
    provider: u.provider,
    provider_run_id: u.provider_run_id,
    attempt: u.attempt,
  };
}

const RANK = (t: string) => sql.raw(`case ${t}.status when 'queued' then 0 when 'pending' then 0 when 'in_progress' then 1 else 2 end`);

/** Upserts jobs a provider reported; a late event never moves a job backwards. */
export async function upsertReportedJobs<T extends CoreTables>(trx_: WithCore<T>, jobs: JobUpdate[]): Promise<void> {
  const trx = asCore(trx_);
  const rows = [...new Map(jobs.map((j) => [`${j.run_id}\u0000${j.job_key}`, j])).values()];
  await jobsTable
    .insert(
      rows,
      sql`on conflict (run_id, job_key) do update set name = excluded.name, status = excluded.status, attempt = excluded.attempt,
        duration_ms = coalesce(excluded.duration_ms, jobs.duration_ms), queue_ms = coalesce(excluded.queue_ms, jobs.queue_ms),
        started_at = coalesce(excluded.started_at, jobs.started_at), ended_at = coalesce(excluded.ended_at, jobs.ended_at),
        machine_class = coalesce(excluded.machine_class, jobs.machine_class)
        where ${RANK('excluded')} >= ${RANK('jobs')}`,
    )
    .execute(trx);
}

/**
 * GitHub reports no queue time for a run: it is the wait until its first job started (seed 000
 * "queue vs compute time"). GitLab pipelines carry queued_duration, used as sent.
 */
export async function deriveQueueFromJobs<T extends CoreTables>(trx_: WithCore<T>, runId: string): Promise<void> {
  const trx = asCore(trx_);
  await sql`
    update runs set queue_ms = greatest(0, (extract(epoch from j.first_start - runs.started_at) * 1000)::bigint)
    from (select min(started_at) as first_start from jobs where run_id = ${runId}) j
    where runs.run_id = ${runId} and runs.source = 'github' and j.first_start is not null and runs.queue_ms is null`.execute(trx);
}

/** Deployment reports of a provider (a status may arrive before or after its run is known). */
export async function upsertReportedDeployments<T extends CoreTables>(trx_: WithCore<T>, rows: Array<Insertable<DeploymentsTable>>): Promise<void> {
  const trx = asCore(trx_);
  await deploymentsTable
    .insert(
      rows,
      sql`on conflict (event_key) do update set status = excluded.status, run_id = coalesce(excluded.run_id, deployments.run_id),
          commit_sha = coalesce(excluded.commit_sha, deployments.commit_sha), environment = excluded.environment,
          started_at = coalesce(deployments.started_at, excluded.started_at), finished_at = coalesce(excluded.finished_at, deployments.finished_at)`,
    )
    .execute(trx);
}

/**
 * A run's flakiness_index, derived by the tests pillar from its per-test results: `rows` is a
 * query yielding (run_id, idx).
 */
export async function setFlakinessIndex<T extends CoreTables>(db_: WithCore<T>, rows: ReturnType<typeof sql>): Promise<void> {
  const db = asCore(db_);
  await sql`update runs set flakiness_index = s.idx, updated_at = now() from (${rows}) s where runs.run_id = s.run_id`.execute(db);
}

/** Retention: forget where the records as sent were, for the batches about to be deleted. */
export async function unlinkRecords<T extends CoreTables>(db_: WithCore<T>, keys: string[]): Promise<number> {
  const db = asCore(db_);
  const u = await db.updateTable('runs').set({ record_key: null, record_index: null }).where('record_key', '=', anyOf(keys, 'text')).executeTakeFirst();
  return Number(u.numUpdatedRows);
}

/**
 * Retention of the run tables: runs that started, deployments that ended and commits made before
 * `cutoff` (their child rows cascade). Counts only on a dry run.
 */
export async function pruneRunTables<T extends CoreTables>(
  db_: WithCore<T>,
  cutoff: Date,
  dryRun: boolean,
): Promise<{ runs: number; deployments: number; commits: number }> {
  const db = asCore(db_);
  const old = {
    runs: ['run_id', sql`started_at < ${cutoff}`],
    deployments: ['event_key', sql`coalesce(finished_at, started_at) < ${cutoff}`],
    commits: ['sha', sql`coalesce(committed_at, authored_at) < ${cutoff}`],
  } as const;
  const out = { runs: 0, deployments: 0, commits: 0 };
  for (const [table, [key, where]] of Object.entries(old) as Array<[keyof typeof out, readonly [string, ReturnType<typeof sql>]]>) {
    out[table] = dryRun
      ? Number((await sql<{ n: number }>`select count(*)::int8 as n from ${sql.table(table)} where ${where}`.execute(db)).rows[0]!.n)
      : table === 'commits'
        ? Number((await sql`delete from commits where ${where}`.execute(db)).numAffectedRows ?? 0)
        : await deleteInBatches(db, table, key, where);
  }
  return out;
}
