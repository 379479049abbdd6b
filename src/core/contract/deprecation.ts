// Records carrying a deprecated schema version (issue 25 item 1: "counted and warned"): one
// warning per version per load in the ingest answer — not per line, a batch of 100k old records
// would bury everything else — and a counter by version on /metrics, so a producer still sending
// an old version is visible before its window closes.
import { Counter, type Registry } from 'prom-client';
import { REGISTRY, versionOfDeclared } from './registry.js';

/** A warning about accepted records: they were stored, but something about them needs attention. */
export interface IngestWarning {
  code: 'W_SCHEMA_DEPRECATED';
  /** The declared schema, as producers write it (`pipeline_run.v1.1`). */
  schema: string;
  records: number;
  /** The first lines (1-based) carrying it, at most FIRST_LINES. */
  lines: number[];
  deprecated_after: string;
  message: string;
}

export const FIRST_LINES = 10;
export const SCHEMA_RECORDS_METRIC = 'ci_intel_ingest_records_total';

/** The declared schema of a registered version (subject + major.minor, as records declare it). */
const declaredOf = (subject: string, version: string) => `${subject}.v${version.split('.').slice(0, 2).join('.')}`;

/** Tallies the declared schema of each accepted record of one load. */
export class SchemaTally {
  private readonly counts = new Map<string, { records: number; lines: number[] }>();

  add(declared: string, line: number): void {
    const c = this.counts.get(declared) ?? { records: 0, lines: [] };
    c.records++;
    if (c.lines.length < FIRST_LINES) c.lines.push(line);
    this.counts.set(declared, c);
  }

  /** Removes a record refused after it was tallied (another repository's run id). */
  remove(declared: string): void {
    const c = this.counts.get(declared);
    if (c) c.records--;
  }

  /** Accepted records by declared schema, sorted by schema. */
  bySchema(): Record<string, number> {
    return Object.fromEntries(
      [...this.counts]
        .filter(([, c]) => c.records > 0)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([s, c]) => [s, c.records]),
    );
  }

  warnings(): IngestWarning[] {
    const out: IngestWarning[] = [];
    for (const [schema, c] of [...this.counts].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const v = versionOfDeclared(schema);
      if (!v?.deprecatedAfter || c.records <= 0) continue;
      const live = REGISTRY.find((r) => r.subject === v.subject && r.deprecatedAfter === null);
      const instead = live ? `; send ${declaredOf(live.subject, live.version)}` : '';
      out.push({
        code: 'W_SCHEMA_DEPRECATED',
        schema,
        records: c.records,
        lines: c.lines,
        deprecated_after: v.deprecatedAfter,
        message: `${c.records} record(s) use ${schema}, deprecated: accepted until ${v.deprecatedAfter}, refused after${instead}`,
      });
    }
    return out;
  }
}

/** The counter of accepted records by declared schema (created once per registry; every registered version starts at 0). */
export function schemaRecordsCounter(registry: Registry): Counter<'schema' | 'deprecated'> {
  const existing = registry.getSingleMetric(SCHEMA_RECORDS_METRIC);
  if (existing) return existing as Counter<'schema' | 'deprecated'>;
  const c = new Counter({
    name: SCHEMA_RECORDS_METRIC,
    help: 'pipeline_run records accepted by ingest, by the schema version they declared (deprecated="true": past its current version, accepted until its deprecation date)',
    labelNames: ['schema', 'deprecated'],
    registers: [registry],
  });
  for (const r of REGISTRY.filter((x) => x.subject === 'pipeline_run'))
    c.inc({ schema: declaredOf(r.subject, r.version), deprecated: String(r.deprecatedAfter !== null) }, 0);
  return c;
}

/** Adds one load's tally to the counter. */
export function countSchemas(registry: Registry, bySchema: Record<string, number>): void {
  const c = schemaRecordsCounter(registry);
  for (const [schema, n] of Object.entries(bySchema)) c.inc({ schema, deprecated: String(versionOfDeclared(schema)?.deprecatedAfter != null) }, n);
}
