// Applies a Mapping to the store inside the caller's transaction. Webhooks arrive out of order
// and more than once, so every write is an idempotent upsert that never moves a run or job
// backwards (queued < in_progress < finished). An NDJSON record is the authority on its run: a
// webhook only adds what the record lacks (provider ids, workflow name, queue time).
import { sql, type Kysely } from 'kysely';
import type { BusEvent } from '../../core/bus/index.js';
import type { CoreTables } from '../../core/db/schema.js';
import type { CommitInput } from '../../core/runs/commits.js';
import { commitsTable } from '../../core/runs/tables.js';
import { deriveQueueFromJobs, upsertReportedDeployments, upsertReportedJobs, upsertReportedRun, type RunRow } from '../../core/runs/write.js';
import type { Mapping } from './model.js';
import type { ChatRequest } from './chatops/map.js';
import type { SourcesTables } from './tables.js';

type Trx = Kysely<CoreTables & SourcesTables>;

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
    const { row, finished } = await upsertReportedRun(trx, r);
    owners.set(r.run_id, row);
    out.runs++;
    if (finished) out.events.push({ type: 'run.ingested', run_id: row.run_id, repo: row.repo, kind: r.provider });
  }
  // Jobs of a run reported by an NDJSON record belong to that record (its re-ingest replaces them).
  const jobs = m.jobs.filter((j) => owners.get(j.run_id)?.source !== 'ndjson');
  if (jobs.length) {
    await upsertReportedJobs(trx, jobs);
    out.jobs = jobs.length;
    for (const id of new Set(jobs.map((j) => j.run_id))) await deriveQueueFromJobs(trx, id);
  }
  // Steps follow their job: skipped when the job is not stored (an NDJSON record owns the run).
  if (m.steps && jobs.some((j) => j.run_id === m.steps!.run_id && j.job_key === m.steps!.job_key)) await replaceSteps(trx, m.steps);
  if (m.deployments.length) {
    let runId: string | null = null;
    if (m.deployableJob) {
      const j = await trx.selectFrom('jobs').select('run_id').where('job_key', '=', m.deployableJob).executeTakeFirst();
      runId = j?.run_id ?? null;
    }
    const rows = m.deployments.map((d) => ({ ...d, run_id: d.run_id ?? runId }));
    await upsertReportedDeployments(trx, rows);
    out.deployments = rows.length;
  }
  if (m.pushCommits.length) out.commits = await insertPushCommits(trx, m.pushCommits);
  for (const pr of m.pulls) {
    await trx
      .insertInto('sources_pull_requests')
      .values(pr)
      .onConflict((oc) =>
        oc
          .columns(['provider', 'repo', 'number'])
          .doUpdateSet((eb) => ({
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
          }))
          .where(
            sql<boolean>`sources_pull_requests.updated_at is null or excluded.updated_at is null or excluded.updated_at >= sources_pull_requests.updated_at`,
          ),
      )
      .execute();
    out.pulls++;
  }
  if (m.chat?.length) out.events.push(...(await insertChatRequests(trx, m.chat)));
  return out;
}

/**
 * A job's steps as its delivery lists them. Deliveries come out of order: a list with fewer
 * completed steps than the stored one is older, and never replaces it.
 */
async function replaceSteps(trx: Trx, s: NonNullable<Mapping['steps']>): Promise<void> {
  const done =
    (
      await sql<{ n: number }>`select count(*)::int as n from sources_job_steps
      where run_id = ${s.run_id} and job_key = ${s.job_key} and completed_at is not null`.execute(trx)
    ).rows[0]?.n ?? 0;
  if (s.steps.filter((st) => st.completed_at !== null).length < Number(done)) return;
  await trx.deleteFrom('sources_job_steps').where('run_id', '=', s.run_id).where('job_key', '=', s.job_key).execute();
  await trx
    .insertInto('sources_job_steps')
    .values(s.steps.map((st) => ({ run_id: s.run_id, job_key: s.job_key, ...st })))
    .onConflict((oc) => oc.columns(['run_id', 'job_key', 'number']).doNothing())
    .execute();
}

/** The event the ChatOps consumer acts on; object_key is the audit row's id. */
export const CHAT_EVENT = 'chatops.command';

/** Records the commands (once per delivery: ids are `provider:delivery:n`) and returns their bus events. */
async function insertChatRequests(trx: Trx, reqs: ChatRequest[]): Promise<Omit<BusEvent, 'id'>[]> {
  const inserted = await trx
    .insertInto('sources_chatops')
    .values(
      reqs.map((r) => ({
        id: r.id,
        provider: r.provider,
        repo: r.repo,
        target: r.target,
        number: r.number,
        user_login: r.user,
        command: r.command.ok ? r.command.name : null,
        arg: r.command.ok ? r.command.arg : null,
        line: r.command.line,
        state: 'received',
        context: JSON.stringify(r.context),
        note: r.command.ok ? null : r.command.problem,
      })),
    )
    .onConflict((oc) => oc.column('id').doNothing())
    .returning(['id', 'repo', 'command'])
    .execute();
  return inserted.map((r) => ({ type: CHAT_EVENT, repo: r.repo, kind: r.command ?? 'invalid', object_key: r.id }));
}

/**
 * Push payloads carry no parents, and lead time needs exact ancestry: a push commit is stored
 * with `parents = {}` and source `*-push` only when the commit is not known yet, and never
 * overwrites a row that came from git itself (`ci-intel commits upload`, the commits API, backfill).
 * A later upload of the same commit replaces the empty parents with the real ones.
 */
async function insertPushCommits(trx: Trx, commits: CommitInput[]): Promise<number> {
  const rows = [...new Map(commits.map((c) => [`${c.repo}\u0000${c.sha}`, c])).values()];
  await commitsTable.insert(rows, sql`on conflict (repo, sha) do nothing`).execute(trx);
  return rows.length;
}
