// Read side of the core tables: the run list (keyset-paged, newest first) and one run's detail.
import { Type, type Static } from 'typebox';
import { sql, type Kysely } from 'kysely';
import type { CoreTables } from '../db/schema.js';
import { CiError } from '../errors.js';

/** A run's statuses, as the contract spells them. */
export const RUN_STATUSES = ['success', 'failed', 'canceled', 'skipped', 'queued', 'in_progress'] as const;

/** The run list's filters and page (GET /api/v1/runs): the route validates them with this schema. */
export const RunListQuery = Type.Object(
  {
    repo: Type.Optional(Type.String()),
    branch: Type.Optional(Type.String()),
    status: Type.Optional(Type.Union(RUN_STATUSES.map((s) => Type.Literal(s)))),
    environment: Type.Optional(Type.String()),
    workflow: Type.Optional(Type.String()),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
    cursor: Type.Optional(Type.String()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
export type RunListQuery = Static<typeof RunListQuery>;

export const iso = (d: Date | string | null | undefined): string | null => (d === null || d === undefined ? null : new Date(d).toISOString());

function decodeCursor(c: string): { t: string; id: string } {
  try {
    const [t, id] = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as [string, string];
    if (typeof t !== 'string' || typeof id !== 'string' || !Number.isFinite(Date.parse(t))) throw new Error('shape');
    return { t, id };
  } catch {
    throw new CiError('E_USAGE', 'invalid cursor', { where: 'cursor', hint: 'pass next_cursor from the previous page unchanged' });
  }
}

const encodeCursor = (t: string, id: string) => Buffer.from(JSON.stringify([t, id])).toString('base64url');

export const RUN_SUMMARY_COLUMNS = [
  'run_id',
  'repo',
  'workflow',
  'commit_sha',
  'branch',
  'pr',
  'status',
  'started_at',
  'ended_at',
  'duration_ms',
  'queue_ms',
  'environment',
  'deployment_id',
  'source',
] as const;

/**
 * Lists runs newest first. `repoRegexes` restricts to the caller's token patterns (null = all).
 */
export async function listRuns(db: Kysely<CoreTables>, q: RunListQuery, repoRegexes: string[] | null) {
  const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
  let query = db.selectFrom('runs').select(RUN_SUMMARY_COLUMNS);
  if (q.repo) query = query.where('repo', '=', q.repo.toLowerCase());
  if (q.branch) query = query.where('branch', '=', q.branch);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.environment) query = query.where('environment', '=', q.environment);
  if (q.workflow) query = query.where('workflow', '=', q.workflow);
  if (q.since) query = query.where('started_at', '>=', new Date(q.since));
  if (q.until) query = query.where('started_at', '<', new Date(q.until));
  if (repoRegexes) {
    const ors = repoRegexes.map((re) => sql<boolean>`repo ~ ${re}`);
    query = query.where(sql<boolean>`(${sql.join(ors, sql` or `)})`);
  }
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    query = query.where((eb) => eb.or([eb('started_at', '<', new Date(c.t)), eb.and([eb('started_at', '=', new Date(c.t)), eb('run_id', '<', c.id)])]));
  }
  const rows = await query
    .orderBy('started_at', 'desc')
    .orderBy('run_id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const items = page.map((r) => ({ ...r, started_at: iso(r.started_at), ended_at: iso(r.ended_at) }));
  const last = page[page.length - 1];
  return {
    items,
    next_cursor: rows.length > limit && last ? encodeCursor(iso(last.started_at)!, last.run_id) : null,
  };
}

/** The normalized run with its jobs, tests summary, cost, chaos trials, policies and deployment. */
export async function getRunDetail(db: Kysely<CoreTables>, runId: string): Promise<Record<string, unknown> | null> {
  if (!/^[0-9a-f-]{36}$/.test(runId)) return null;
  const run = await db.selectFrom('runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
  if (!run) return null;
  const [jobs, tests, cost, chaos, policies, deployments] = await Promise.all([
    db.selectFrom('jobs').selectAll().where('run_id', '=', runId).orderBy('job_key').execute(),
    db.selectFrom('test_summaries').selectAll().where('run_id', '=', runId).executeTakeFirst(),
    db.selectFrom('costs').selectAll().where('run_id', '=', runId).executeTakeFirst(),
    db.selectFrom('chaos_trials').selectAll().where('run_id', '=', runId).orderBy('ordinal').execute(),
    db.selectFrom('policy_results').selectAll().where('run_id', '=', runId).orderBy('ordinal').execute(),
    db.selectFrom('deployments').selectAll().where('run_id', '=', runId).orderBy('event_key').execute(),
  ]);
  const { record_key: _k, record_index: _i, ...rest } = run;
  const strip = <T extends { run_id?: string }>(o: T) => {
    const { run_id: _r, ...x } = o;
    return x;
  };
  return {
    ...rest,
    started_at: iso(run.started_at),
    ended_at: iso(run.ended_at),
    ingested_at: iso(run.ingested_at),
    updated_at: iso(run.updated_at),
    jobs: jobs.map((j) => ({ ...strip(j), matrix: j.matrix ? JSON.parse(j.matrix) : null, started_at: iso(j.started_at), ended_at: iso(j.ended_at) })),
    tests: tests ? strip(tests) : null,
    cost: cost ? strip(cost) : null,
    chaos: chaos.map((c) => ({ ...strip(c), started_at: iso(c.started_at), ended_at: iso(c.ended_at) })),
    policies: policies.map(strip),
    deployments: deployments.map((d) => ({ ...d, started_at: iso(d.started_at), finished_at: iso(d.finished_at) })),
  };
}
