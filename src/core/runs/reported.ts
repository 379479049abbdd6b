// What a provider (a webhook, a backfilled API object) reports about a run and its jobs, and the
// rule for merging it into the stored run: a late event never moves a run backwards, and an
// NDJSON record is the authority on its run (a report only fills what the record lacks).
import type { Selectable } from 'kysely';
import type { RunsTable } from './tables.js';

type RunRow = Selectable<RunsTable>;

/** queued < in_progress < a terminal status: a late event never moves a run or job backwards. */
export function statusRank(status: string): number {
  if (status === 'queued' || status === 'pending') return 0;
  if (status === 'in_progress') return 1;
  return 2;
}

export const TERMINAL = ['success', 'failed', 'canceled', 'skipped'] as const;

export interface RunUpdate {
  run_id: string;
  repo: string;
  provider: 'github' | 'gitlab';
  provider_run_id: string;
  attempt: number;
  workflow: string | null;
  commit_sha: string | null;
  branch: string | null;
  pr: number | null;
  status: string;
  started_at: Date;
  ended_at: Date | null;
  duration_ms: number | null;
  queue_ms: number | null;
  runner_os: string | null;
  runner_type: string | null;
  /**
   * `run`: the event describes the run itself (workflow_run, pipeline) and owns its row.
   * `job`: a job event that may create a stub run or fill gaps, never overwrite.
   */
  origin: 'run' | 'job';
}

export interface JobUpdate {
  run_id: string;
  job_key: string;
  job_id: string;
  name: string;
  status: string;
  attempt: number;
  duration_ms: number | null;
  queue_ms: number | null;
  started_at: Date | null;
  ended_at: Date | null;
  /** Runner labels / tags, comma-separated. */
  machine_class: string | null;
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
