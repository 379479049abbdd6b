// The agent's own work as OpenTelemetry spans. When the pipeline's own instrumentation (otel-cli,
// the Jenkins OpenTelemetry plugin, buildevents) sets TRACEPARENT, a CLI run records one span for
// the command, child of the pipeline's span, and one per phase of its work (`phase()`: analyze,
// parse, upload ...), and sends them to the configured OTLP collector after the command. Without a
// TRACEPARENT nothing is recorded: `phase()` then only calls its function. The exporter (module
// loading ~0.2 s) loads only when there are spans and an endpoint; a collector that cannot be
// reached costs one warning line, never the command's result (the agent runs in every pipeline).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { OtlpAttrValue, OtlpTarget, SpanRecord } from './otlp.js';
import { parseTraceparent } from './traceparent.js';

interface Scope {
  trace: AgentTrace;
  spanId: string;
}

// The command's trace and the span a phase nests under, through the command's async calls: pillar
// code calls phase() without being handed anything (and in-process CLI runs in tests stay apart).
const current = new AsyncLocalStorage<Scope>();

const SCOPE = { name: 'ci-intel/agent', version: '1' };

// The exporter retries a refused connection until its timeout: a collector that is down would hold
// every traced pipeline step for the hub's `traces.timeoutMs` (10 s by default). The agent waits
// at most this long; its spans are a nicety, the step's time is not.
export const AGENT_EXPORT_TIMEOUT_MS = 3000;

function newSpanId(): string {
  for (;;) {
    const id = randomBytes(8).toString('hex');
    if (!/^0+$/.test(id)) return id;
  }
}

export class AgentTrace {
  readonly spans: SpanRecord[] = [];
  private readonly root: SpanRecord;

  private constructor(
    readonly traceId: string,
    parentSpanId: string,
    private readonly now: () => number,
  ) {
    this.root = this.open('ci-intel', parentSpanId, {});
  }

  /** The trace of a CLI run under the pipeline's TRACEPARENT; null when it is unset or malformed. */
  static fromEnv(env: NodeJS.ProcessEnv, now: () => number = Date.now): AgentTrace | null {
    const parent = parseTraceparent(env.TRACEPARENT);
    return parent ? new AgentTrace(parent.traceId, parent.spanId, now) : null;
  }

  /** Runs the command with this trace current: the phases inside nest under the command's span. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return current.run({ trace: this, spanId: this.root.spanId }, fn);
  }

  /** Names the command's span (`ci-intel tests parse`) once the command is known. */
  command(path: string[]): void {
    this.root.name = ['ci-intel', ...path].join(' ');
    this.root.attributes['ci_intel.command'] = path.join(' ');
  }

  /** Ends the command's span: exit 0 and 1 (a check found something) are OK, 2 and above errors. */
  finish(exitCode: number): SpanRecord[] {
    this.close(this.root, exitCode >= 2 ? 'error' : 'ok', exitCode >= 2 ? `exit code ${exitCode}` : undefined);
    this.root.attributes['process.exit.code'] = exitCode;
    return this.spans;
  }

  open(name: string, parentSpanId: string, attributes: Record<string, OtlpAttrValue>): SpanRecord {
    const t = this.now();
    const span: SpanRecord = {
      traceId: this.traceId,
      spanId: newSpanId(),
      parentSpanId,
      name,
      kind: 'internal',
      startMs: t,
      endMs: t,
      status: 'unset',
      attributes,
      events: [],
    };
    this.spans.push(span);
    return span;
  }

  close(span: SpanRecord, status: 'ok' | 'error', message?: string): void {
    span.endMs = this.now();
    span.status = status;
    if (message) span.statusMessage = message;
  }
}

/**
 * Runs one phase of a command's work as a span under the current one (when the run is traced);
 * a phase that throws is an error span and the error goes on.
 */
export async function phase<T>(name: string, fn: () => Promise<T> | T, attributes: Record<string, OtlpAttrValue> = {}): Promise<T> {
  const scope = current.getStore();
  if (!scope) return fn();
  const span = scope.trace.open(name, scope.spanId, attributes);
  try {
    const result = await current.run({ trace: scope.trace, spanId: span.spanId }, fn);
    scope.trace.close(span, 'ok');
    return result;
  } catch (e) {
    scope.trace.close(span, 'error', e instanceof Error ? e.message.split('\n')[0] : String(e));
    throw e;
  }
}

/**
 * Sends the spans to the collector. Never throws: a failure is one warning line on `warn`, and the
 * answer is false. Nothing is sent (and the exporter is not loaded) without spans or an endpoint.
 */
export async function sendAgentSpans(spans: SpanRecord[], target: OtlpTarget & { serviceName: string }, warn: (line: string) => void): Promise<boolean> {
  if (!target.endpoint || spans.length === 0) return false;
  try {
    const { createExporter, exportSpans, toReadableSpan, traceResource } = await import('./otlp.js');
    const exporter = createExporter({ ...target, timeoutMs: Math.min(target.timeoutMs, AGENT_EXPORT_TIMEOUT_MS) });
    const resource = traceResource(target.serviceName);
    try {
      await exportSpans(
        exporter,
        spans.map((s) => toReadableSpan(s, resource, SCOPE)),
      );
    } finally {
      await exporter.shutdown().catch(() => undefined);
    }
    return true;
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).split('\n')[0] || 'no answer';
    warn(`warning: this command's trace spans were not sent to ${target.endpoint} (${reason}); the command's result is unaffected\n`);
    return false;
  }
}
