// Our own JSON upload payloads (a chaos trial, reproducibility verdicts, an SBOM scan, a compliance
// finding line, a commit line, a replay record): each a JSON Schema file next to the pillar that owns
// it, registered in the schema registry and the only check of its shape, so the registry's
// compatibility test guards exactly what the hub accepts. Problems are named by JSON pointer in the
// schema's field order (the order a producer writes and reads them); a field's `description` says
// what is needed and is the reason given when its value is refused.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv2020 as Ajv2020Class, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { pointerOf, reasonOf } from './index.js';
import type { SchemaSet, SchemaVersion } from './registry.js';

export interface PayloadIssue {
  pointer: string;
  reason: string;
}

type Schema = Record<string, unknown>;

export interface PayloadContract {
  subject: string;
  version: string;
  schema: Schema;
  /** All the problems of a parsed body, first in field order; [] when the schema accepts it. */
  check(value: unknown): PayloadIssue[];
}

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

// Ajv is loaded on the first check, not on import: the light CLI commands import modules that
// declare a payload contract (`sbom diff` imports the scan upload's) without ever checking one.
const require = createRequire(import.meta.url);

function compile(schema: Schema): ValidateFunction {
  const { Ajv2020 } = require('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020Class };
  // `unicode: false`: lengths count UTF-16 units and patterns run without the `u` flag — what the
  // hand-written checks these schemas replaced did (`s.length`, `/re/.test(s)`), so the same
  // bodies are accepted (`unicode` is a deprecated Ajv option: no logger, so no warning at each
  // start; strict mode throws on a bad schema instead of logging). `verbose`: errors carry the
  // failing subschema, for its description. `strictTuples: false`: a list checked on its first
  // items only (prefixItems, the rest free) is meant, not an unfinished tuple.
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    strictTuples: false,
    allowUnionTypes: true,
    unicodeRegExp: false,
    unicode: false,
    verbose: true,
    logger: false,
  });
  return ajv.compile(schema);
}

/** Where an error points; a refused property name (propertyNames) is named itself. */
function pointerOfPayload(e: ErrorObject): string {
  if (e.propertyName !== undefined) return `${e.instancePath}/${escapePointer(e.propertyName)}`;
  return pointerOf(e);
}

function reasonOfPayload(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') return 'is not a field of this upload';
  if (e.keyword === 'required') {
    // What the missing field needs, when its schema says ("is required: an array of parent SHAs").
    const field = ((e.parentSchema as Schema | undefined)?.properties as Record<string, Schema> | undefined)?.[String(e.params.missingProperty)];
    return typeof field?.description === 'string' ? `is required: ${field.description.replace(/^must be /, '')}` : reasonOf(e);
  }
  const described = (e.parentSchema as Schema | undefined)?.description;
  // The root's description documents the whole body; a field's says what the field needs.
  return typeof described === 'string' && e.instancePath !== '' ? described : reasonOf(e);
}

/**
 * A pointer's rank in the schema: per segment, the property's place in `properties` (or the item's
 * index), so problems come in the order the schema lists the fields, nested ones after their parent's.
 */
function rankOf(schema: Schema, pointer: string): number[] {
  const out: number[] = [];
  let s: Schema | undefined = schema;
  const deref = (x: Schema | undefined): Schema | undefined => {
    // Local references only (`#/$defs/…`), as every payload schema uses them.
    for (let i = 0; x && typeof x.$ref === 'string' && i < 8; i++)
      x = (x.$ref as string)
        .slice(2)
        .split('/')
        .reduce<Schema | undefined>((o, k) => o?.[k] as Schema | undefined, schema);
    return x;
  };
  for (const raw of pointer.split('/').slice(1)) {
    s = deref(s);
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const props = (s?.properties ?? {}) as Record<string, Schema>;
    if (seg in props) {
      out.push(Object.keys(props).indexOf(seg));
      s = props[seg];
    } else if (/^\d+$/.test(seg)) {
      out.push(Number(seg));
      s = ((s?.prefixItems as Schema[] | undefined)?.[Number(seg)] ?? s?.items) as Schema | undefined;
    } else {
      out.push(Object.keys(props).length);
      s = s?.additionalProperties as Schema | undefined;
    }
    if (typeof s !== 'object') s = undefined;
  }
  return out;
}

function byRank(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** A payload's contract from its schema file; the validator is compiled on first use. */
export function payloadContract(subject: string, version: string, file: URL): PayloadContract {
  const schema = JSON.parse(readFileSync(file, 'utf8')) as Schema;
  let validate: ValidateFunction | undefined;
  return {
    subject,
    version,
    schema,
    check(value) {
      validate ??= compile(schema);
      if (validate(value)) return [];
      // A union's or a `not`'s own error repeats what its branches said: keep one reason per pointer.
      const byPointer = new Map<string, string>();
      for (const e of validate.errors ?? []) {
        if (e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'propertyNames') continue;
        const p = pointerOfPayload(e);
        if (!byPointer.has(p)) byPointer.set(p, reasonOfPayload(e));
      }
      return [...byPointer]
        .map(([pointer, reason]) => ({ pointer, reason, rank: rankOf(schema, pointer) }))
        .sort((a, b) => byRank(a.rank, b.rank))
        .map(({ pointer, reason }) => ({ pointer, reason }));
    },
  };
}

const MAX_LISTED = 5;

/** The issues in one line of an error message: `prefix/pointer: reason; …; and N more`. */
export function listIssues(issues: PayloadIssue[], prefix: string): string {
  const shown = issues.slice(0, MAX_LISTED).map((i) => `${prefix}${i.pointer || '/'}: ${i.reason}`);
  return shown.join('; ') + (issues.length > MAX_LISTED ? `; and ${issues.length - MAX_LISTED} more` : '');
}

/** A payload in the registry: a schema file's contract, or a route's body schema (Fastify validates it). */
export interface RegisteredPayload {
  subject: string;
  version: string;
  schema: object;
  note: string;
}

/**
 * A pillar's payloads in the registry: each at its version, frozen under src/core/contract/registry/
 * as `<subject>.<version>.json` (the registry test compares the live schema with it), no deprecation.
 * A later version lists the earlier one's frozen file too.
 */
export function payloadSchemas(owner: string, entries: RegisteredPayload[]): SchemaSet {
  const versions: SchemaVersion[] = entries.map((e) => ({
    subject: e.subject,
    version: e.version,
    owner,
    frozen: new URL(`./registry/${e.subject}.${e.version}.json`, import.meta.url),
    deprecatedAfter: null,
    note: e.note,
  }));
  // JSON round trip: a plain copy (a TypeBox schema's symbol keys dropped), never the live object.
  const live = Object.fromEntries(entries.map((e) => [e.subject, { version: e.version, schema: () => JSON.parse(JSON.stringify(e.schema)) as unknown }]));
  return { versions, live };
}
