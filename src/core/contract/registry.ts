// The schema registry (seed 000 "schema registry with semver, compatibility tests, ownership and
// deprecation windows"): each contract the hub accepts, its released versions frozen as files, and
// the rule a change must follow — the live schema against its latest release: the same version
// accepts exactly the same documents (full), a minor release may only widen (backward: new readers
// read every earlier record), a major release may break (with a migration on ingest).
import { readFileSync } from 'node:fs';
import { checkCompatibility, type CompatMode, type Incompatibility } from './compat.js';

export interface SchemaVersion {
  subject: string;
  /** Semver of the contract (pipeline_run v1.2 → 1.2.0). */
  version: string;
  owner: string;
  /** The released schema, frozen as a file (null: a version accepted only through its migration). */
  frozen: URL | null;
  /** Records of this version are accepted until this date (ISO), then refused; null: current. */
  deprecatedAfter: string | null;
  note: string;
}

/** What the hub validates with (or writes) today, and its version. */
export interface LiveSchema {
  version: string;
  schema: () => unknown;
}

/** A set of registered contracts: their released versions and each subject's live schema. Pillars add theirs. */
export interface SchemaSet {
  versions: readonly SchemaVersion[];
  live: Record<string, LiveSchema>;
}

const here = (rel: string) => new URL(rel, import.meta.url);
/** A JSON Schema file, read when asked (the registry is listed and checked, not loaded at start). */
export const loadSchema = (url: URL) => (): unknown => JSON.parse(readFileSync(url, 'utf8'));

const CORE = 'core contract (src/core/contract)';
const BUS = 'core bus (src/core/bus)';

export const REGISTRY: readonly SchemaVersion[] = [
  {
    subject: 'pipeline_run',
    version: '1.1.0',
    owner: CORE,
    frozen: null,
    deprecatedAfter: '2027-06-30',
    note: 'migrated on ingest: flakiness_index moves from tests.resilience to the top level',
  },
  {
    subject: 'pipeline_run',
    version: '1.2.0',
    owner: CORE,
    frozen: here('registry/pipeline_run.1.2.0.json'),
    deprecatedAfter: null,
    note: 'the authoritative contract',
  },
  {
    subject: 'bus_event',
    version: '1.0.0',
    owner: BUS,
    frozen: here('registry/bus_event.1.0.0.json'),
    deprecatedAfter: null,
    note: 'every event on the bus (outbox rows, NATS JetStream messages)',
  },
  {
    subject: 'budget_override_request',
    version: '1.0.0',
    owner: BUS,
    frozen: here('registry/budget_override_request.1.0.0.json'),
    deprecatedAfter: null,
    note: 'the object_key of a delivery.budget-override.requested event',
  },
];

/** The live schema of each subject (what the hub validates with today) and its version. */
export const LIVE: Record<string, LiveSchema> = {
  pipeline_run: { version: '1.2.0', schema: loadSchema(here('pipeline_run.v1.2.schema.json')) },
  bus_event: { version: '1.0.0', schema: loadSchema(here('../bus/bus_event.schema.json')) },
  budget_override_request: { version: '1.0.0', schema: loadSchema(here('../bus/budget_override_request.schema.json')) },
};

export const CORE_SCHEMAS: SchemaSet = { versions: REGISTRY, live: LIVE };

/** Core's contracts and the pillars' in one set; a subject registered twice is a programming error. */
export function schemaSet(sets: readonly SchemaSet[]): SchemaSet {
  const out: { versions: SchemaVersion[]; live: Record<string, LiveSchema> } = { versions: [], live: {} };
  for (const s of sets) {
    for (const subject of Object.keys(s.live)) {
      if (out.live[subject]) throw new Error(`schema subject ${subject} is registered twice`);
      out.live[subject] = s.live[subject]!;
    }
    out.versions.push(...s.versions);
  }
  return out;
}

const semver = (v: string) => v.split('.').map(Number) as [number, number, number];

/** The mode a change from `from` to `to` must satisfy, or null when it may break (a major release). */
export function requiredMode(from: string, to: string): CompatMode | null {
  const [a, b] = [semver(from), semver(to)];
  if (b[0] !== a[0]) return null;
  return b[1] !== a[1] ? 'backward' : 'full';
}

/**
 * Each subject's live schema against its latest frozen release (or a schema given instead of the
 * live file, for tests): the incompatibilities its version bump does not allow.
 */
export function registryProblems(
  live: Record<string, unknown> = {},
  set: SchemaSet = CORE_SCHEMAS,
): { subject: string; from: string; to: string; mode: CompatMode; problems: Incompatibility[] }[] {
  const out = [];
  for (const [subject, l] of Object.entries(set.live)) {
    const released = set.versions
      .filter((r) => r.subject === subject && r.frozen)
      .sort((x, y) => {
        const [a, b] = [semver(x.version), semver(y.version)];
        return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
      });
    const last = released.at(-1);
    if (!last) continue;
    const mode = requiredMode(last.version, l.version);
    if (!mode) continue;
    const current = subject in live ? live[subject] : l.schema();
    out.push({ subject, from: last.version, to: l.version, mode, problems: checkCompatibility(loadSchema(last.frozen!)(), current, mode) });
  }
  return out;
}

/** The registry entry of a record's declared schema (`pipeline_run.v1.1` → pipeline_run 1.1.0), or null. */
export function versionOfDeclared(declared: string): SchemaVersion | null {
  const m = /^(.+)\.v(\d+)\.(\d+)$/.exec(declared);
  if (!m) return null;
  return REGISTRY.find((r) => r.subject === m[1] && r.version === `${m[2]}.${m[3]}.0`) ?? null;
}
