// The OpenTelemetry SDK side: our span records as the SDK's ReadableSpan (ended spans with the
// times, ids and parents the caller chose, not the clock's), and the official OTLP/HTTP exporters
// (protobuf or JSON), which encode, send and retry a request on 429/502/503/504 themselves. Shared
// by the hub's run traces (the traces pillar's worker: export order, batching across runs and
// retrying across a longer outage are its) and the agent's own spans (core/agent-spans.ts, which
// loads this module only when it has spans to send: the exporters cost module loading).
import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type HrTime, type SpanContext } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as OTLPProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as OTLPJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export type OtlpAttrValue = string | number | boolean;

/** One finished span, with the ids, parent and times the caller chose. */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: 'server' | 'internal';
  startMs: number;
  endMs: number;
  status: 'ok' | 'error' | 'unset';
  statusMessage?: string;
  attributes: Record<string, OtlpAttrValue>;
  events: { name: string; timeMs: number; attributes: Record<string, OtlpAttrValue> }[];
}

/** Where and how spans are sent (the `traces:` settings of ci-intel.yml). */
export interface OtlpTarget {
  endpoint?: string;
  protocol: 'http/protobuf' | 'http/json';
  headers: Record<string, string>;
  timeoutMs: number;
}

const hr = (ms: number): HrTime => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

const SCOPE = { name: 'ci-intel/traces', version: '1' };

export function traceResource(serviceName: string): Resource {
  return resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName });
}

export function toReadableSpan(s: SpanRecord, resource: Resource, scope: { name: string; version: string } = SCOPE): ReadableSpan {
  const ctx: SpanContext = { traceId: s.traceId, spanId: s.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: false };
  return {
    name: s.name,
    kind: s.kind === 'server' ? SpanKind.SERVER : SpanKind.INTERNAL,
    spanContext: () => ctx,
    parentSpanContext: s.parentSpanId ? { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: false } : undefined,
    startTime: hr(s.startMs),
    endTime: hr(s.endMs),
    duration: hr(s.endMs - s.startMs),
    status:
      s.status === 'error' ? { code: SpanStatusCode.ERROR, message: s.statusMessage } : { code: s.status === 'ok' ? SpanStatusCode.OK : SpanStatusCode.UNSET },
    attributes: s.attributes as Attributes,
    links: [],
    events: s.events.map((e) => ({ name: e.name, time: hr(e.timeMs), attributes: e.attributes as Attributes })),
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/** The official OTLP/HTTP exporter for the configured protocol and endpoint. */
export function createExporter(cfg: OtlpTarget): SpanExporter {
  const opts = { url: cfg.endpoint, headers: cfg.headers, timeoutMillis: cfg.timeoutMs };
  return cfg.protocol === 'http/json' ? new OTLPJsonExporter(opts) : new OTLPProtoExporter(opts);
}

/** One export call as a promise; a failure carries the exporter's error. */
export function exportSpans(exporter: SpanExporter, spans: ReadableSpan[]): Promise<void> {
  return new Promise((resolve, reject) => {
    exporter.export(spans, (r: ExportResult) => {
      if (r.code === ExportResultCode.SUCCESS) resolve();
      else reject(r.error ?? new Error('the collector refused the spans'));
    });
  });
}
