// The shape of a Release Evidence Bundle as `evidence build` writes it, as a JSON Schema: the hub
// checks an uploaded bundle against it field by field before storing it, and names the first
// problems by JSON pointer (the same wording as the pipeline_run contract's). Unknown fields are
// refused, so a bundle stored on the hub is exactly what the build command can write.
import { Ajv, type ValidateFunction } from 'ajv';
import { Type, type TSchema } from 'typebox';
import { pointerOf, reasonOf } from '../../../core/contract/index.js';
import type { SchemaSet } from '../../../core/contract/registry.js';
import { CiError } from '../../../core/errors.js';

export const EVIDENCE_SCHEMA = 'ci-intel/release-evidence/v1';
export const EVIDENCE_ROLES = ['artifact', 'sbom', 'provenance', 'signature', 'vex', 'trusted_root', 'record'] as const;

const strict = <T extends Record<string, TSchema>>(props: T) => Type.Object(props, { additionalProperties: false });
const nullable = (t: TSchema) => Type.Union([t, Type.Null()]);
const sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const text = (max = 4096) => Type.String({ maxLength: max });
const count = Type.Integer({ minimum: 0 });
const time = Type.String({ maxLength: 64 });
const uri = nullable(strict({ uri: text(), sha256: nullable(sha256) }));

export const bundleSchema = strict({
  schema: Type.Literal(EVIDENCE_SCHEMA),
  run_id: Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' }),
  image_digest: nullable(text(200)),
  sbom: uri,
  provenance: uri,
  signature: uri,
  vex: Type.Array(strict({ uri: text(), sha256 }), { maxItems: 100 }),
  rekor: nullable(strict({ uuid: sha256, log_index: count, integrated_time: time })),
  tests: strict({
    matrix: nullable(strict({ total: nullable(count), failed: nullable(count), skipped: nullable(count) })),
    // The record's own tests.resilience object, as its contract defines it.
    resilience: nullable(Type.Object({})),
    flake_index: nullable(Type.Number()),
  }),
  perf: nullable(strict({ latency_p95_ms: nullable(Type.Number()), budget_pass: nullable(Type.Boolean()) })),
  // The record's policies[] entries, as its contract defines them.
  policies: Type.Array(Type.Object({}), { maxItems: 1000 }),
  drill: nullable(strict({ trials: count, failed: count })),
  canary: nullable(
    strict({
      decision_id: text(200),
      template: text(200),
      verdict: text(64),
      score: Type.Number(),
      reason: text(),
      decided_at: time,
      inputs_sha256: sha256,
    }),
  ),
  dr_drill: nullable(strict({ type: text(64), result: text(64), rpo_s: Type.Number(), rto_s: Type.Number(), performed_at: time })),
  // Since 1.1.0; optional so a bundle written before it still uploads (the registry's backward rule).
  reproducible: Type.Optional(
    strict({
      commit: nullable(text(200)),
      compared: count,
      reproducible: Type.Array(text(), { maxItems: 10000 }),
      not_reproducible: Type.Array(strict({ artifact: text(), classes: Type.Record(Type.String({ maxLength: 64 }), count) }), { maxItems: 10000 }),
      note: nullable(text()),
    }),
  ),
  verification: nullable(
    strict({
      pass: Type.Boolean(),
      checks: Type.Array(strict({ check: text(64), pass: Type.Boolean(), reason: text() }), { maxItems: 100 }),
    }),
  ),
  verify_policy: nullable(
    strict({ certificate_identity: text(), certificate_oidc_issuer: text(), source_uri: nullable(text()), builder_id: nullable(text()) }),
  ),
  files: Type.Array(strict({ role: Type.Union(EVIDENCE_ROLES.map((r) => Type.Literal(r))), path: text(), sha256 }), { maxItems: 200 }),
});

let compiled: ValidateFunction | undefined;
const validator = () => (compiled ??= new Ajv({ allErrors: true, strict: false }).compile(bundleSchema));

const MAX_LISTED = 5;

/**
 * Parses and checks an uploaded bundle; E_EVIDENCE_INVALID naming each problem's JSON pointer
 * (the first five) otherwise. `runId` is the run the upload is for: the bundle must be that run's.
 */
export function checkEvidence(text: string, runId: string, where: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CiError('E_EVIDENCE_INVALID', `the evidence bundle is not JSON: ${(e as Error).message}`, {
      where,
      hint: 'send the evidence.json that ci-intel evidence build wrote',
    });
  }
  const validate = validator();
  if (!validate(doc)) {
    // A union's branches each report at one pointer: keep the first reason per pointer.
    const byPointer = new Map<string, string>();
    for (const e of validate.errors ?? []) {
      const pointer = pointerOf(e);
      if (e.keyword !== 'anyOf' && !byPointer.has(pointer))
        byPointer.set(pointer, e.keyword === 'additionalProperties' ? 'is not a field of a release evidence bundle' : reasonOf(e));
    }
    const issues = [...byPointer].sort(([a], [b]) => (a < b ? -1 : 1)).map(([p, r]) => `${where}#${p}: ${r}`);
    const listed = issues.slice(0, MAX_LISTED).join('; ') + (issues.length > MAX_LISTED ? `; and ${issues.length - MAX_LISTED} more` : '');
    throw new CiError('E_EVIDENCE_INVALID', `the evidence bundle does not match ${EVIDENCE_SCHEMA}: ${listed}`, {
      where: issues[0]?.split(': ')[0] ?? where,
      hint: 'send the evidence.json that ci-intel evidence build wrote, unchanged',
    });
  }
  const bundle = doc as Record<string, unknown>;
  if (String(bundle.run_id).toLowerCase() !== runId.toLowerCase())
    throw new CiError('E_EVIDENCE_INVALID', `the evidence bundle is for run ${String(bundle.run_id)}, not run ${runId}`, {
      where: `${where}#/run_id`,
      hint: 'upload the bundle to the run it was built for (evidence build --run)',
    });
  return bundle;
}

/**
 * The bundle in the schema registry: released versions frozen in registry/, the live one the
 * schema above. A change to the bundle's shape needs a version bump the registry test accepts.
 */
const OWNER = 'supply-chain pillar (src/pillars/supply-chain/evidence)';

export const evidenceSchemas: SchemaSet = {
  versions: [
    {
      subject: 'release_evidence',
      version: '1.0.0',
      owner: OWNER,
      frozen: new URL('./registry/release_evidence.1.0.0.json', import.meta.url),
      deprecatedAfter: null,
      note: `the Release Evidence Bundle (${EVIDENCE_SCHEMA}) that evidence build writes and the hub stores`,
    },
    {
      subject: 'release_evidence',
      version: '1.1.0',
      owner: OWNER,
      frozen: new URL('./registry/release_evidence.1.1.0.json', import.meta.url),
      deprecatedAfter: null,
      note: 'adds the optional reproducible entry (the reproducibility verdicts of the commit)',
    },
  ],
  live: { release_evidence: { version: '1.1.0', schema: () => JSON.parse(JSON.stringify(bundleSchema)) as unknown } },
};
