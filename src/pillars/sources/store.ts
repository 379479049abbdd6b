// Applies a Mapping to the store inside the caller's transaction. Webhooks arrive out of order
// and more than once, so every write is an idempotent upsert that never moves a run or job
// backwards (queued < in_progress < finished). An NDJSON record is the authority on its run: a
// webhook only adds what the record lacks (provider ids, workflow name, queue time).
import { sql, type Kysely, type Selectable } from 'kysely';
import type { BusEvent } from '../../core/bus/index.js';
import type { CoreTables, RunsTable } from '../../core/db/schema.js';
import { unnestInsert, type UnnestColumn } from '../../core/db/index.js';
import { COMMIT_COLUMNS, type CommitInput } from '../../core/runs/commits.js';
import { DEPLOYMENT_COLUMNS } from '../../core/runs/ingest.js';
import { statusRank, type JobUpdate, type Mapping, type RunUpdate } from './model.js';
import type { SourcesTables } from './tables.js';

type Trx = Kysely<CoreTables & SourcesTables>;
type RunRow = Selectable<RunsTable>;

export interface Applied {
  runs: number;
  jobs: number;
  deployments: number;
  commits: number;
  pulls: number;
  /** Follow-up events (run.ingested when a run finished), to enqueue in the same transaction. */
  events: Omit<BusEvent, 'id'>[];
}

export async function applyMapping(trx: Trx, m: Mapping): Promise<Applied> {
  const out: Applied = { runs: 0, jobs: 0, deployments: 0, commits: 0, pulls: 0, events: [] };
  const owners = new Map<string, RunRow>();
  for (const r of m.runs) {
    const { row, finished } = await upsertRun(trx, r);
    owners.set(r.run_id, row);
    out.runs++;
    if (finished) out.events.push({ type: 'run.ingested', run_id: row.run_id, repo: row.repo, kind: r.provider });
  }
  // Jobs of a run reported by an NDJSON record belong to that record (its re-ingest replaces them).
  const jobs = m.jobs.filter((j) => owners.get(j.run_id)?.source !== 'ndjson');
  if (jobs.length) {
    await upsertJobs(trx, jobs);
    out.jobs = jobs.length;
    for (const id of new Set(jobs.map((j) => j.run_id))) await deriveRunFromJobs(trx, id);
  }
  if (m.deployments.length) {
    let runId: string | null = null;
    if (m.deployableJob) {
      const j = await trx.selectFrom('jobs').select('run_id').where('job_key', '=', m.deployableJob).executeTakeFirst();
      runId = j?.run_id ?? null;
    }
    const rows = m.deployments.map((d) => ({ ...d, run_id: d.run_id ?? runId }));
    await unnestInsert(
      'deployments',
      DEPLOYMENT_COLUMNS,
      rows,
      sql`on conflict (event_key) do update set status = excluded.status, run_id = coalesce(excluded.run_id, deployments.run_id),
          commit_sha = coalesce(excluded.commit_sha, deployments.commit_sha), environment = excluded.environment,
          started_at = coalesce(deployments.started_at, excluded.started_at), finished_at = coalesce(excluded.finished_at, deployments.finished_at)`,
    ).execute(trx);
    out.deployments = rows.length;
  }
  if (m.pushCommits.length) out.commits = await insertPushCommits(trx, m.pushCommits);
  for (const pr of m.pulls) {
    await trx
      .insertInto('sources_pull_requests')
      .values(pr)
      .onConflict((oc) =>
        oc.columns(['provider', 'repo', 'number']).doUpdateSet((eb) => ({
          state: eb.ref('excluded.state'),
          title: eb.ref('excluded.title'),
          head_sha: eb.ref('excluded.head_sha'),
          head_ref: eb.ref('excluded.head_ref'),
          base_ref: eb.ref('excluded.base_ref'),
          merge_commit_sha: sql`coalesce(excluded.merge_commit_sha, sources_pull_requests.merge_commit_sha)`,
          created_at: sql`coalesce(sources_pull_requests.created_at, excluded.created_at)`,
          merged_at: sql`coalesce(excluded.merged_at, sources_pull_requests.merged_at)`,
          closed_at: eb.ref('excluded.closed_at'),
          updated_at: eb.ref('excluded.updated_at'),
        })).where(sql<boolean>`sources_pull_requests.updated_at is null or excluded.updated_at is null or excluded.updated_at >= sources_pull_requests.updated_at`),
      )
      .execute();
    out.pulls++;
  }
  return out;
}

/**
 * Push payloads carry no parents, and lead time needs exact ancestry: a push commit is stored
 * with `parents = {}` and source `*-push` only when the commit is not known yet, and never
 * overwrites a row that came from git itself (`ci-intel commits upload`, the commits API, backfill).
 * A later upload of the same commit replaces the empty parents with the real ones.
 */
async function insertPushCommits(trx: Trx, commits: CommitInput[]): Promise<number> {
  const rows = [...new Map(commits.map((c) => [`${c.repo}\u0000${c.sha}`, c])).values()];
  await unnestInsert('commits', COMMIT_COLUMNS, rows, sql`on conflict (repo, sha) do nothing`).execute(trx);
  return rows.length;
}

async function upsertRun(trx: Trx, u: RunUpdate): Promise<{ row: RunRow; finished: boolean }> {
  for (let tries = 0; tries < 3; tries++) {
    const existing = await trx.selectFrom('runs').selectAll().where('run_id', '=', u.run_id).forUpdate().executeTakeFirst();
    if (!existing) {
      const row = newRun(u);
      const ins = await trx.insertInto('runs').values(row).onConflict((oc) => oc.column('run_id').doNothing()).returningAll().executeTakeFirst();
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

function newRun(u: RunUpdate) {
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
    artifact_bytes: null,
    environment: null,
    deployment_id: null,
    rollout_step: null,
    strategy: null,
    image_digest: null,
    runner_os: u.runner_os,
    runner_type: u.runner_type,
    region: null,
    spot: null,
    flakiness_index: null,
    cache_keys: null,
    rollback_reason: null,
    sbom_uri: null,
    provenance_uri: null,
    signature_uri: null,
    release_evidence_uri: null,
    source: u.provider,
    provider: u.provider,
    provider_run_id: u.provider_run_id,
    attempt: u.attempt,
    schema_version: null,
    record_key: null,
    record_index: null,
    load_id: null,
  };
}

type RunPatch = Partial<Omit<RunRow, 'run_id' | 'ingested_at' | 'updated_at'>>;

/** What an update changes on an existing run (pure; exported for tests). */
export function mergeRun(e: RunRow, u: RunUpdate): RunPatch {
  const p: RunPatch = {};
  const fill = <K extends keyof RunPatch>(k: K, v: RunPatch[K] | null | undefined) => {
    if (v !== null && v !== undefined && (e[k as keyof RunRow] === null || e[k as keyof RunRow] === undefined)) p[k] = v;
  };
  const workflowUnset = e.workflow === 'default' && u.workflow && u.workflow !== 'default';
  // Provider ids and gaps only: the record (NDJSON) or an earlier run event owns the rest.
  const gapsOnly = () => {
    if (workflowUnset) p.workflow = u.workflow!;
    fill('provider', u.provider);
    fill('provider_run_id', u.provider_run_id);
    fill('attempt', u.attempt);
    fill('commit_sha', u.commit_sha);
    fill('branch', u.branch);
    fill('pr', u.pr);
    fill('queue_ms', u.queue_ms);
    fill('runner_os', u.runner_os);
    fill('runner_type', u.runner_type);
  };
  if (e.source === 'ndjson') {
    gapsOnly();
    return p;
  }
  if (u.origin === 'job') {
    gapsOnly();
    // A job that started means a queued run runs (never moves a finished run).
    if (statusRank(e.status) < statusRank(u.status) && statusRank(u.status) < 2) p.status = u.status;
    if (e.source === 'agent') p.source = u.provider;
    return p;
  }
  // A late `requested` after `completed`, or an older verdict after a newer one (a re-run's
  // earlier report arriving last): fill gaps only.
  const olderVerdict = statusRank(u.status) === 2 && statusRank(e.status) === 2 && e.ended_at && u.ended_at && u.ended_at < e.ended_at;
  if (statusRank(u.status) < statusRank(e.status) || olderVerdict) {
    gapsOnly();
    return p;
  }
  const set = <K extends keyof RunPatch>(k: K, v: RunPatch[K]) => {
    const cur = e[k as keyof RunRow];
    const same = cur instanceof Date && v instanceof Date ? cur.getTime() === v.getTime() : cur === v;
    if (!same) p[k] = v;
  };
  if (u.workflow) set('workflow', u.workflow);
  set('status', u.status);
  set('started_at', u.started_at);
  set('ended_at', u.ended_at);
  set('duration_ms', u.duration_ms);
  set('source', u.provider);
  set('provider', u.provider);
  set('provider_run_id', u.provider_run_id);
  set('attempt', u.attempt);
  if (u.commit_sha) set('commit_sha', u.commit_sha);
  if (u.branch) set('branch', u.branch);
  if (u.pr !== null) set('pr', u.pr);
  if (u.queue_ms !== null) set('queue_ms', u.queue_ms);
  if (u.runner_os) set('runner_os', u.runner_os);
  if (u.runner_type) set('runner_type', u.runner_type);
  return p;
}

const JOB_COLUMNS: UnnestColumn[] = [
  ['run_id', 'uuid'], ['job_key', 'text'], ['job_id', 'text'], ['name', 'text'], ['status', 'text'], ['attempt', 'int4'],
  ['duration_ms', 'int8'], ['queue_ms', 'int8'], ['started_at', 'timestamptz'], ['ended_at', 'timestamptz'], ['machine_class', 'text'],
].map(([name, type]) => ({ name: name!, type: type! }));

const RANK = (t: string) => sql.raw(`case ${t}.status when 'queued' then 0 when 'pending' then 0 when 'in_progress' then 1 else 2 end`);

async function upsertJobs(trx: Trx, jobs: JobUpdate[]): Promise<void> {
  const rows = [...new Map(jobs.map((j) => [`${j.run_id}\u0000${j.job_key}`, j])).values()];
  await unnestInsert(
    'jobs',
    JOB_COLUMNS,
    rows,
    sql`on conflict (run_id, job_key) do update set name = excluded.name, status = excluded.status, attempt = excluded.attempt,
        duration_ms = coalesce(excluded.duration_ms, jobs.duration_ms), queue_ms = coalesce(excluded.queue_ms, jobs.queue_ms),
        started_at = coalesce(excluded.started_at, jobs.started_at), ended_at = coalesce(excluded.ended_at, jobs.ended_at),
        machine_class = coalesce(excluded.machine_class, jobs.machine_class)
        where ${RANK('excluded')} >= ${RANK('jobs')}`,
  ).execute(trx);
}

/**
 * GitHub reports no queue time for a run: it is the wait until its first job started (seed 000
 * "queue vs compute time"). GitLab pipelines carry queued_duration, used as sent.
 */
async function deriveRunFromJobs(trx: Trx, runId: string): Promise<void> {
  await sql`
    update runs set queue_ms = greatest(0, (extract(epoch from j.first_start - runs.started_at) * 1000)::bigint)
    from (select min(started_at) as first_start from jobs where run_id = ${runId}) j
    where runs.run_id = ${runId} and runs.source = 'github' and j.first_start is not null and runs.queue_ms is null`.execute(trx);
}

