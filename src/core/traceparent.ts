// W3C Trace Context `traceparent` (version 00): what a pipeline's own instrumentation sets in
// TRACEPARENT (otel-cli, the Jenkins OpenTelemetry plugin, buildevents), so the agent can pass it
// on with its uploads and the hub's trace of the run joins the pipeline's trace.

export interface TraceParent {
  traceId: string;
  spanId: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** Parses a `traceparent` value; null when it is not one (all-zero ids are invalid). */
export function parseTraceparent(value: string | null | undefined): TraceParent | null {
  const m = TRACEPARENT.exec((value ?? '').trim().toLowerCase());
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return null;
  return { traceId: m[1]!, spanId: m[2]! };
}
