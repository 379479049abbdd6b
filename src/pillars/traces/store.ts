// The traces pillar's queries: the export queue, what was sent, propagated traceparents, and the
// facts a run's trace is made of — read from core's run tables and, when those pillars are
// installed, the test reports', the autopsy's and the sources pillar's (job steps) tables (cross-pillar data flows through tables).
import { sql } from 'kysely';
import { anyOf, tableExists } from '../../core/db/index.js';
import { parseTraceparent } from './ids.js';
import type { RunFacts } from './map.js';
import type { TracesDb } from './tables.js';

/** Queues runs for export; a run already queued keeps its place. */
export async function queueRuns(db: TracesDb, runIds: string[], now: Date): Promise<void> {
  if (!runIds.length) return;
  await sql`insert into traces_queue (run_id, queued_at)
            select id, ${now} from unnest(${runIds}::uuid[]) as t(id)
            where exists (select 1 from runs where runs.run_id = t.id)
            on conflict (run_id) do update set version = traces_queue.version + 1`.execute(db);
}

/** Queues the runs an NDJSON batch stored (the rows whose record_key is the batch's blob). */
export async function queueLoadedRuns(db: TracesDb, recordKey: string, now: Date): Promise<void> {
  await sql`insert into traces_queue (run_id, queued_at)
            select run_id, ${now} from runs where record_key = ${recordKey}
            on conflict (run_id) do update set version = traces_queue.version + 1`.execute(db);
}

/** Queues every run started since `since` (optionally of one repository); returns how many runs matched. */
export async function queueSince(db: TracesDb, since: Date, repo: string | undefined, now: Date): Promise<number> {
  const r = await sql<{ n: string }>`with q as (
              insert into traces_queue (run_id, queued_at)
              select run_id, ${now} from runs where started_at >= ${since} and (${repo ?? null}::text is null or repo = ${repo?.toLowerCase() ?? null})
              on conflict (run_id) do update set version = traces_queue.version + 1 returning 1)
            select (select count(*) from runs where started_at >= ${since} and (${repo ?? null}::text is null or repo = ${repo?.toLowerCase() ?? null}))::text as n`.execute(
    db,
  );
  return Number(r.rows[0]?.n ?? 0);
}

/** A queued run as read: removing it later removes only this version. */
export interface Queued {
  runId: string;
  version: number;
}

export async function queuedRuns(db: TracesDb, limit: number): Promise<Queued[]> {
  const rows = await db.selectFrom('traces_queue').select(['run_id', 'version']).orderBy('queued_at').orderBy('run_id').limit(limit).execute();
  return rows.map((r) => ({ runId: r.run_id, version: r.version }));
}

export async function queueLength(db: TracesDb): Promise<number> {
  const r = await db
    .selectFrom('traces_queue')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Takes runs off the queue, unless they were queued again since they were read. */
export async function dequeue(db: TracesDb, items: Queued[]): Promise<void> {
  if (!items.length) return;
  await sql`delete from traces_queue q using unnest(${items.map((i) => i.runId)}::uuid[], ${items.map((i) => i.version)}::int4[]) as t(id, v)
            where q.run_id = t.id and q.version = t.v`.execute(db);
}

export async function exportedHashes(db: TracesDb, runIds: string[]): Promise<Map<string, string>> {
  if (!runIds.length) return new Map();
  const rows = await db.selectFrom('traces_exported').select(['run_id', 'content_hash']).where('run_id', '=', anyOf(runIds, 'uuid')).execute();
  return new Map(rows.map((r) => [r.run_id, r.content_hash]));
}

/** Records what was sent and takes the runs off the queue, in one transaction. */
export async function markExported(db: TracesDb, sent: (Queued & { traceId: string; hash: string; spans: number })[], now: Date): Promise<void> {
  if (!sent.length) return;
  await db.transaction().execute(async (trx) => {
    await sql`insert into traces_exported (run_id, trace_id, content_hash, spans, exported_at)
              select * from unnest(${sent.map((s) => s.runId)}::uuid[], ${sent.map((s) => s.traceId)}::text[], ${sent.map((s) => s.hash)}::text[],
                                   ${sent.map((s) => s.spans)}::int4[], array_fill(${now}::timestamptz, array[${sent.length}::int4]))
              on conflict (run_id) do update set trace_id = excluded.trace_id, content_hash = excluded.content_hash,
                spans = excluded.spans, exported_at = excluded.exported_at`.execute(trx);
    await dequeue(trx, sent);
  });
}

/** Remembers the traceparent a pipeline propagated for its run (the latest one wins). */
export async function saveTraceparent(db: TracesDb, runId: string, traceparent: string, now: Date): Promise<void> {
  await db
    .insertInto('traces_parents')
    .values({ run_id: runId, traceparent, received_at: now })
    .onConflict((oc) => oc.column('run_id').doUpdateSet({ traceparent, received_at: now }))
    .execute();
}

export async function traceparentOf(db: TracesDb, runId: string): Promise<string | null> {
  const r = await db.selectFrom('traces_parents').select('traceparent').where('run_id', '=', runId).executeTakeFirst();
  return r?.traceparent ?? null;
}

const groupBy = <T extends { run_id: string }>(rows: T[]): Map<string, T[]> => {
  const m = new Map<string, T[]>();
  for (const r of rows) m.set(r.run_id, [...(m.get(r.run_id) ?? []), r]);
  return m;
};

export interface LoadedRun {
  facts: RunFacts;
  /** When the run's row last changed (a run still settling is not exported yet). */
  updatedAt: Date;
}

/** The facts of each run, in a fixed number of statements whatever the count of runs. */
export async function loadRunFacts(db: TracesDb, runIds: string[]): Promise<LoadedRun[]> {
  if (!runIds.length) return [];
  const ids = anyOf(runIds, 'uuid');
  const [runs, jobs, tests, costs, deployments, parents, hasReports, hasCauses, hasSteps] = await Promise.all([
    db.selectFrom('runs').selectAll().where('run_id', '=', ids).orderBy('run_id').execute(),
    db.selectFrom('jobs').selectAll().where('run_id', '=', ids).orderBy('run_id').orderBy('job_key').execute(),
    db.selectFrom('test_summaries').select(['run_id', 'total', 'failed', 'skipped', 'duration_ms']).where('run_id', '=', ids).execute(),
    db.selectFrom('costs').select(['run_id', 'usd', 'carbon_g_co2e', 'energy_kwh', 'cpu_seconds']).where('run_id', '=', ids).execute(),
    db.selectFrom('deployments').selectAll().where('run_id', '=', ids).orderBy('event_key').execute(),
    db.selectFrom('traces_parents').select(['run_id', 'traceparent']).where('run_id', '=', ids).execute(),
    tableExists(db, 'tests_reports'),
    tableExists(db, 'autopsy_root_causes'),
    tableExists(db, 'sources_job_steps'),
  ]);
  type Report = RunFacts['reports'][number] & { run_id: string };
  const reports = hasReports
    ? (
        await sql<Report>`select run_id, report_id::text as report_id, format, runner, tests, passed, failed, errored, skipped, duration_ms
                          from tests_reports where run_id = any(${runIds}::uuid[]) order by run_id, received_at, report_id`.execute(db)
      ).rows
    : [];
  const causes = hasCauses
    ? (
        await sql<{ run_id: string; job_id: string; category: string }>`select run_id, job_id, category from autopsy_root_causes
                          where run_id = any(${runIds}::uuid[]) and rank = 0 order by run_id, job_id`.execute(db)
      ).rows
    : [];
  type Step = RunFacts['steps'][number] & { run_id: string };
  const steps = hasSteps
    ? (
        await sql<Step>`select run_id, job_key, number, name, status, conclusion, started_at, completed_at from sources_job_steps
                        where run_id = any(${runIds}::uuid[]) order by run_id, job_key, number`.execute(db)
      ).rows
    : [];
  const bySteps = groupBy(steps);
  const byJobs = groupBy(jobs);
  const byReports = groupBy(reports);
  const byCauses = groupBy(causes);
  const byDeploys = groupBy(deployments.filter((d): d is typeof d & { run_id: string } => d.run_id !== null));
  const testsOf = new Map(tests.map((t) => [t.run_id, t]));
  const costOf = new Map(costs.map((c) => [c.run_id, c]));
  const parentOf = new Map(parents.map((p) => [p.run_id, parseTraceparent(p.traceparent)]));
  return runs.map((run) => ({
    updatedAt: new Date(run.updated_at),
    facts: {
      run,
      jobs: byJobs.get(run.run_id) ?? [],
      tests: testsOf.get(run.run_id) ?? null,
      cost: costOf.get(run.run_id) ?? null,
      reports: (byReports.get(run.run_id) ?? []).map(({ run_id: _r, ...rest }) => rest),
      deployments: byDeploys.get(run.run_id) ?? [],
      rootCauses: byCauses.get(run.run_id) ?? [],
      steps: (bySteps.get(run.run_id) ?? []).map(({ run_id: _r, ...rest }) => rest),
      parent: parentOf.get(run.run_id) ?? null,
    },
  }));
}
