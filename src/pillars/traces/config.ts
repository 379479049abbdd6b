// The `traces:` section of ci-intel.yml: where runs are exported as OpenTelemetry traces, and the
// trace viewer the run page links to.
import { Type, type Static } from 'typebox';
import { configSection, sectionOf, setting, type Config } from '../../core/config.js';

const tracesSchema = Type.Object(
  {
    endpoint: Type.Optional(
      Type.String(
        setting({
          pattern: '^https?://',
          description:
            'OTLP/HTTP traces endpoint of a collector, e.g. http://otel-collector:4318/v1/traces: the hub exports runs there, and the agent its own spans under a TRACEPARENT (unset: no export).',
          env: ['CI_INTEL_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'],
        }),
      ),
    ),
    protocol: Type.Union(
      [Type.Literal('http/protobuf'), Type.Literal('http/json')],
      setting({
        default: 'http/protobuf',
        description: 'OTLP encoding: http/protobuf or http/json.',
        env: ['CI_INTEL_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'],
      }),
    ),
    headers: Type.Record(Type.String(), Type.String(), setting({ default: {}, description: 'Extra HTTP headers sent to the collector (e.g. an API key).' })),
    serviceName: Type.String(setting({ minLength: 1, default: 'ci-intel', description: 'service.name of the exported traces.' })),
    batchSpans: Type.Integer(setting({ minimum: 1, maximum: 100000, default: 2048, description: 'Spans per export request (whole runs are never split).' })),
    timeoutMs: Type.Integer(setting({ minimum: 100, default: 10000, description: 'Timeout of one export request, ms.' })),
    retryMinMs: Type.Integer(setting({ minimum: 1, default: 1000, description: 'First wait after a failed export, ms (doubles up to retryMaxMs).' })),
    retryMaxMs: Type.Integer(setting({ minimum: 1, default: 60000, description: 'Longest wait between export attempts, ms.' })),
    settleMs: Type.Integer(
      setting({ minimum: 0, default: 5000, description: 'A finished run is exported once unchanged for this long (webhook jobs arrive after the run).' }),
    ),
    quietMs: Type.Integer(setting({ minimum: 0, default: 1000, description: 'Export waits until no run was stored for this long (ingest comes first), ms.' })),
    maxDelayMs: Type.Integer(
      setting({ minimum: 0, default: 30000, description: 'Under ingest that never pauses, export anyway this long after the first run waiting, ms.' }),
    ),
    traceUrl: Type.Optional(
      Type.String(
        setting({
          description:
            'Link from the run page to the trace: a URL with {traceId}, e.g. https://grafana.example/explore?traceId={traceId} or http://jaeger:16686/trace/{traceId}.',
          env: 'CI_INTEL_TRACE_URL',
        }),
      ),
    ),
  },
  { additionalProperties: false },
);

export const tracesConfigSection = configSection('traces', tracesSchema);
export type TracesConfig = Static<typeof tracesSchema>;
export const tracesConfig = (config: Pick<Config, 'pillars'>): TracesConfig => sectionOf(config, tracesConfigSection);
