// Deterministic trace and span ids: the same run (and job, report, deployment) always maps to the
// same ids, so re-ingesting or re-exporting a run overwrites its trace in the backend instead of
// adding a second one. A W3C traceparent the pipeline set (the agent's TRACEPARENT) makes the
// pipeline's own trace id the run's trace id, and its span the parent of the run's root span.
import { createHash } from 'node:crypto';

const hex = (text: string, chars: number): string => {
  const h = createHash('sha256').update(text).digest('hex').slice(0, chars);
  // An all-zero id is invalid in W3C trace context; one hash in 2^64 would be, so flip its last digit.
  return /^0+$/.test(h) ? `${h.slice(0, -1)}1` : h;
};

import { parseTraceparent, type TraceParent } from '../../core/traceparent.js';

// The parser lives in core: the agent reads TRACEPARENT and the hub's upload routes take it too.
export { parseTraceparent, type TraceParent };

/** The run's trace id: the pipeline's own when it propagated one, else derived from run_id. */
export function traceIdOf(runId: string, parent?: TraceParent | null): string {
  return parent?.traceId ?? hex(`ci-intel/trace/${runId}`, 32);
}

/** A span id derived from the run and the span's path inside it (`''` for the run's root span). */
export function spanIdOf(runId: string, path: string): string {
  return hex(`ci-intel/span/${runId}/${path}`, 16);
}

/** A change's trace id (commit → production deploy), derived from its repository and commit. */
export function changeTraceIdOf(repo: string, sha: string): string {
  return hex(`ci-intel/change/${repo}/${sha}`, 32);
}

/** A span id in a change's trace (`''` for its root, else the segment's id). */
export function changeSpanIdOf(repo: string, sha: string, path: string): string {
  return hex(`ci-intel/change-span/${repo}/${sha}/${path}`, 16);
}
