// SLSA v1.0 provenance (slsa.dev/spec/v1.0/provenance) in an in-toto statement: the subject digest
// must be the artifact's, the required fields present, the builder and the source on the
// allowlists (seed 000: "Standardize on SLSA v1.0 provenance predicate; validate required fields
// before promotion").
import { RE2JS } from 're2js';
import { isObj, str, arr } from '../sbom/common.js';
import { fail, pass, type Check } from './checks.js';

export interface ProvenancePolicy {
  /** Artifact digests by algorithm (sha256, sha512), hex. */
  digests: Record<string, string>;
  /** RE2 pattern the builder id must match. */
  builderId?: string;
  /** Expected source repository: github.com/o/r (scheme, .git and @ref ignored). */
  sourceUri?: string;
}

const STATEMENT_TYPES = new Set(['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1']);
const SLSA_V1 = 'https://slsa.dev/provenance/v1';

/** `git+https://github.com/o/r.git@refs/tags/v1` → `github.com/o/r`. */
export const normaliseRepo = (uri: string) =>
  uri
    .replace(/^git\+/, '')
    .replace(/^[a-z]+:\/\//, '')
    .replace(/@.*$/, '')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '')
    .toLowerCase();

export function checkProvenance(payload: Buffer, policy: ProvenancePolicy): Check {
  let st: unknown;
  try {
    st = JSON.parse(payload.toString('utf8'));
  } catch {
    return fail('provenance', 'the attestation payload is not JSON');
  }
  if (!isObj(st) || !STATEMENT_TYPES.has(str(st._type) ?? '')) return fail('provenance', 'not an in-toto statement (_type)');
  if (st.predicateType !== SLSA_V1) return fail('provenance', `predicateType ${JSON.stringify(st.predicateType)} is not SLSA v1.0 (${SLSA_V1})`);
  const subjects = arr(st.subject).filter(isObj);
  const match = subjects.find(
    (s) => isObj(s.digest) && Object.entries(policy.digests).some(([alg, hex]) => str((s.digest as Record<string, unknown>)[alg])?.toLowerCase() === hex),
  );
  if (!match) {
    const claimed = subjects.flatMap((s) => (isObj(s.digest) ? Object.entries(s.digest).map(([a, v]) => `${a}:${String(v).slice(0, 16)}…`) : []));
    const have = Object.entries(policy.digests).map(([a, v]) => `${a}:${v.slice(0, 16)}…`);
    return fail('provenance', `subject digest ${claimed.join(', ') || '(none)'} does not match the artifact (${have.join(', ')})`);
  }
  const p = isObj(st.predicate) ? st.predicate : {};
  const bd = isObj(p.buildDefinition) ? p.buildDefinition : {};
  const rd = isObj(p.runDetails) ? p.runDetails : {};
  const builderId = isObj(rd.builder) ? str(rd.builder.id) : undefined;
  const missing = [
    !str(bd.buildType) && 'buildDefinition.buildType',
    !isObj(bd.externalParameters) && 'buildDefinition.externalParameters',
    !builderId && 'runDetails.builder.id',
  ].filter(Boolean);
  if (missing.length) return fail('provenance', `required SLSA v1.0 field${missing.length > 1 ? 's' : ''} missing: ${missing.join(', ')}`);
  if (policy.builderId && !RE2JS.compile(policy.builderId).matcher(builderId!).find())
    return fail('provenance', `builder ${builderId} does not match --builder-id ${policy.builderId}`);
  const ext = bd.externalParameters as Record<string, unknown>;
  const sources = [
    isObj(ext.workflow) ? str(ext.workflow.repository) : undefined,
    str(ext.source),
    ...arr(bd.resolvedDependencies).map((d) => (isObj(d) ? str(d.uri) : undefined)),
  ].filter((x): x is string => !!x);
  if (policy.sourceUri && !sources.some((s) => normaliseRepo(s) === normaliseRepo(policy.sourceUri!)))
    return fail('provenance', `source ${sources.map(normaliseRepo).join(', ') || '(none)'} is not ${normaliseRepo(policy.sourceUri)}`);
  return pass(
    'provenance',
    `SLSA v1.0 for ${str(match.name) ?? 'the artifact'}, built by ${builderId}${sources[0] ? ` from ${normaliseRepo(sources[0])}` : ''}`,
  );
}
