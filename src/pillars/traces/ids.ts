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

export interface TraceParent {
  traceId: string;
  spanId: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** Parses a W3C `traceparent` header value (version 00); null when it is not one. */
export function parseTraceparent(value: string | null | undefined): TraceParent | null {
  const m = TRACEPARENT.exec((value ?? '').trim().toLowerCase());
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return null;
  return { traceId: m[1]!, spanId: m[2]! };
}

/** The run's trace id: the pipeline's own when it propagated one, else derived from run_id. */
export function traceIdOf(runId: string, parent?: TraceParent | null): string {
  return parent?.traceId ?? hex(`ci-intel/trace/${runId}`, 32);
}

/** A span id derived from the run and the span's path inside it (`''` for the run's root span). */
export function spanIdOf(runId: string, path: string): string {
  return hex(`ci-intel/span/${runId}/${path}`, 16);
}
