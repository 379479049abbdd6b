// What a webhook (or a backfilled API object) says about the domain, before it is applied to the
// store: pure data produced by the provider mappers, applied by store.ts in one transaction.
import type { Insertable } from 'kysely';
import type { DeploymentsTable } from '../../core/db/schema.js';
import type { CommitInput } from '../../core/runs/commits.js';
import type { PullRequestsTable } from './tables.js';
import type { ChatRequest } from './chatops/map.js';

import type { JobUpdate, RunUpdate } from '../../core/runs/reported.js';

export { statusRank, TERMINAL, type JobUpdate, type RunUpdate } from '../../core/runs/reported.js';

export type DeploymentRow = Insertable<DeploymentsTable>;
export type PullRequestRow = Insertable<PullRequestsTable>;

export interface Mapping {
  runs: RunUpdate[];
  jobs: JobUpdate[];
  deployments: DeploymentRow[];
  /** Push commits: their parents are unknown (push payloads do not carry them), see store.ts. */
  pushCommits: CommitInput[];
  pulls: PullRequestRow[];
  /** The steps of a job, when the source has them (GitHub's workflow_job): they replace the job's stored steps. */
  steps?: { run_id: string; job_key: string; steps: StepRow[] };
  /** GitLab deployments name the job that deployed (`gl:<id>`); its run becomes the deployment's run. */
  deployableJob?: string;
  /** ChatOps commands of a comment (recorded in sources_chatops, acted on from the bus). */
  chat?: ChatRequest[];
  /** Set when the delivery maps to nothing (unknown event, covered elsewhere): why. */
  ignored?: string;
}

/** One step of a job (GitHub Actions: `workflow_job.steps[]`). */
export interface StepRow {
  number: number;
  name: string;
  status: string;
  conclusion: string | null;
  started_at: Date | null;
  completed_at: Date | null;
}

export function emptyMapping(): Mapping {
  return { runs: [], jobs: [], deployments: [], pushCommits: [], pulls: [] };
}

export function ignored(reason: string): Mapping {
  return { ...emptyMapping(), ignored: reason };
}

/** A JSON object from a payload, or an empty one. */
export type J = Record<string, unknown>;

export function obj(v: unknown): J {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as J) : {};
}

export function str(v: unknown): string | null {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

export function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/**
 * Parses the time formats the providers send: RFC 3339 (GitHub, GitLab's *_iso fields) and
 * GitLab's `2016-08-12 15:23:28 UTC` / `2021-04-28 21:50:00 +0200`.
 */
export function time(v: unknown): Date | null {
  if (typeof v !== 'string' || v === '') return null;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*(UTC|Z|[+-]\d{2}:?\d{2})?$/i.exec(v.trim());
  let iso = v;
  if (m) {
    const zone = !m[3] || /^(utc|z)$/i.test(m[3]) ? 'Z' : m[3].length === 5 ? `${m[3].slice(0, 3)}:${m[3].slice(3)}` : m[3];
    iso = `${m[1]}T${m[2]}${zone}`;
  }
  const t = Date.parse(iso);
  return Number.isFinite(t) ? new Date(t) : null;
}

export function msBetween(a: Date | null, b: Date | null): number | null {
  return a && b ? Math.max(0, b.getTime() - a.getTime()) : null;
}

/** A full commit SHA (SHA-1, or SHA-256 repositories), lower-cased; null otherwise. */
export function sha(v: unknown): string | null {
  return typeof v === 'string' && /^([0-9a-f]{40}|[0-9a-f]{64})$/i.test(v) ? v.toLowerCase() : null;
}
