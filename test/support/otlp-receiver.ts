// A local OTLP/HTTP trace receiver for tests: it accepts POST /v1/traces in protobuf (decoded with
// the generated code of the official opentelemetry-proto definitions, as the OpenTelemetry JS
// project ships them in @opentelemetry/otlp-transformer, installed here as `otlp-proto-root`) and
// in OTLP JSON, and keeps the spans flattened. It can answer 503 for a while or stop listening
// (connection refused), to play a collector outage. No OpenTelemetry Collector is packaged for
// Debian or npm, so this is the collector the tests have.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = require('otlp-proto-root/build/src/generated/root.js') as {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: ProtoType } } } } };
};
interface ProtoType {
  decode(buf: Uint8Array): unknown;
  toObject(msg: unknown, opts: Record<string, unknown>): Record<string, any>;
}
const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

export type AttrValue = string | number | boolean | null;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startMs: number;
  endMs: number;
  status: { code: number; message?: string };
  attributes: Record<string, AttrValue>;
  events: { name: string; timeMs: number; attributes: Record<string, AttrValue> }[];
  resource: Record<string, AttrValue>;
  /** Which encoding the request came in. */
  encoding: 'protobuf' | 'json';
}

function anyValue(v: Record<string, any> | undefined): AttrValue {
  if (!v) return null;
  if ('stringValue' in v) return v.stringValue as string;
  if ('boolValue' in v) return v.boolValue as boolean;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  return JSON.stringify(v);
}

const kv = (list: Array<{ key: string; value?: Record<string, any> }> | undefined): Record<string, AttrValue> =>
  Object.fromEntries((list ?? []).map((a) => [a.key, anyValue(a.value)]));

/** Protobuf ids decode as base64 (toObject bytes: String); OTLP JSON sends them hex. */
const id = (v: string | undefined, encoding: 'protobuf' | 'json'): string =>
  !v ? '' : encoding === 'json' ? v.toLowerCase() : Buffer.from(v, 'base64').toString('hex');

const nanosToMs = (v: string | number | undefined): number => Number(BigInt(String(v ?? 0)) / 1_000_000n);

export function flattenRequest(req: Record<string, any>, encoding: 'protobuf' | 'json'): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of req.resourceSpans ?? []) {
    const resource = kv(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: id(s.traceId, encoding),
          spanId: id(s.spanId, encoding),
          parentSpanId: id(s.parentSpanId, encoding),
          name: s.name,
          kind: typeof s.kind === 'number' ? s.kind : Number(s.kind ?? 0),
          startMs: nanosToMs(s.startTimeUnixNano),
          endMs: nanosToMs(s.endTimeUnixNano),
          status: { code: Number(s.status?.code ?? 0), ...(s.status?.message ? { message: s.status.message } : {}) },
          attributes: kv(s.attributes),
          events: (s.events ?? []).map((e: Record<string, any>) => ({ name: e.name, timeMs: nanosToMs(e.timeUnixNano), attributes: kv(e.attributes) })),
          resource,
          encoding,
        });
      }
    }
  }
  return out;
}

export interface OtlpReceiver {
  url: string;
  port: number;
  spans: ReceivedSpan[];
  /** Requests accepted (each a batch of spans). */
  requests: number;
  /** Requests answered 503 while `failing`. */
  refused: number;
  /** Answer 503 to every request while true. */
  failing: boolean;
  /** Stops listening (connections are refused) until `start()`. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  let server: http.Server | null = null;
  let port = 0;
  const state: OtlpReceiver = {
    url: '',
    port: 0,
    spans: [],
    requests: 0,
    refused: 0,
    failing: false,
    async stop() {
      if (!server) return;
      const s = server;
      server = null;
      s.closeAllConnections();
      await new Promise<void>((res) => s.close(() => res()));
    },
    async start() {
      if (server) return;
      const s = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          if (req.method !== 'POST' || req.url !== '/v1/traces') {
            res.writeHead(404).end();
            return;
          }
          if (state.failing) {
            state.refused++;
            res.writeHead(503, { 'content-type': 'text/plain' }).end('collector unavailable');
            return;
          }
          let body = Buffer.concat(chunks);
          if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
          const type = String(req.headers['content-type'] ?? '');
          try {
            if (type.startsWith('application/x-protobuf')) {
              const msg = ExportTraceServiceRequest.decode(body);
              const obj = ExportTraceServiceRequest.toObject(msg, { longs: String, bytes: String, enums: Number, defaults: false });
              state.spans.push(...flattenRequest(obj, 'protobuf'));
              res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
            } else if (type.startsWith('application/json')) {
              state.spans.push(...flattenRequest(JSON.parse(body.toString('utf8')) as Record<string, any>, 'json'));
              res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
            } else {
              res.writeHead(415).end(`unsupported content-type ${type}`);
              return;
            }
            state.requests++;
          } catch (e) {
            res.writeHead(400).end((e as Error).message);
          }
        });
      });
      await new Promise<void>((res) => s.listen(port, '127.0.0.1', () => res()));
      port = (s.address() as AddressInfo).port;
      state.port = port;
      state.url = `http://127.0.0.1:${port}/v1/traces`;
      server = s;
    },
    async close() {
      await state.stop();
    },
  };
  await state.start();
  return state;
}

/** The spans of one trace as a tree of names, children sorted by name: easy to compare whole. */
export function spanTree(spans: ReceivedSpan[], traceId: string): unknown {
  const of = spans.filter((s) => s.traceId === traceId);
  const ids = new Set(of.map((s) => s.spanId));
  const node = (s: ReceivedSpan): unknown => {
    const kids = of.filter((c) => c.parentSpanId === s.spanId).sort((a, b) => a.name.localeCompare(b.name) || a.startMs - b.startMs);
    return kids.length ? { [s.name]: kids.map(node) } : s.name;
  };
  return of.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId)).map(node);
}
