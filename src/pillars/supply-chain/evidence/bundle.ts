// The Release Evidence Bundle (seed 000): one JSON document naming everything a release claims —
// run, image digest, SBOM, provenance, signature, VEX (each with its SHA-256), the transparency-log
// entry, tests, perf, policies, drill — plus the verification verdicts and the hash of every file
// read, so `evidence verify` can re-check all of it offline. Paths are relative to the bundle's
// own folder, so the folder can be archived and moved.
import { createHash } from 'node:crypto';
import type { EvidenceCanary, EvidenceDrill } from './delivery.js';
import type { EvidenceReproducible } from './reproducible.js';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CiError } from '../../../core/errors.js';
import { parseJsonObject, readInputText } from '../io.js';
import { arr, isObj, str } from '../sbom/common.js';
import { readBundle } from '../verify/bundle.js';
import type { Check } from '../verify/checks.js';
import { leafHash } from '../verify/merkle.js';
import { verifyRelease, type VerifyInput } from '../verify/index.js';
import { EVIDENCE_ROLES, EVIDENCE_SCHEMA } from './schema.js';

export type Role = (typeof EVIDENCE_ROLES)[number];

export interface PinnedFile {
  role: Role;
  /** Relative to the evidence file's folder. */
  path: string;
  sha256: string;
}

export interface EvidenceInputs {
  runId: string;
  /** The pipeline_run record (the store's record as sent, or a file). */
  record?: Record<string, unknown>;
  recordFile?: string;
  artifact?: string;
  sbom?: string;
  bundle?: string;
  provenance?: string;
  vex: string[];
  trustedRoot?: string;
  policy?: VerifyInput['policy'];
  sourceUri?: string;
  builderId?: string;
  /** The canary judgement and DR drill the store holds for the release (null fields: none recorded). */
  delivery?: { canary: EvidenceCanary | null; dr_drill: EvidenceDrill | null };
  /** The determinism verdicts stored for the run's commit (absent: not looked up, the entry says so). */
  reproducible?: EvidenceReproducible;
}

const sha256File = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function pin(role: Role, file: string, outDir: string): PinnedFile {
  try {
    return { role, path: path.relative(outDir, path.resolve(file)).split(path.sep).join('/'), sha256: sha256File(file) };
  } catch (e) {
    throw new CiError('E_INPUT_UNREADABLE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      where: file,
      hint: 'check the path',
    });
  }
}

const num = (v: unknown) => (typeof v === 'number' ? v : null);

/** Builds the bundle; the caller writes it to `out` (paths are made relative to its folder). */
export async function buildEvidence(inp: EvidenceInputs, out: string): Promise<Record<string, unknown>> {
  const outDir = path.dirname(path.resolve(out));
  const files: PinnedFile[] = [];
  const add = (role: Role, f: string | undefined) => {
    if (!f) return undefined;
    const p = pin(role, f, outDir);
    files.push(p);
    return p;
  };
  const rec = inp.record ?? {};
  add('record', inp.recordFile);
  const artifact = add('artifact', inp.artifact);
  const sbom = add('sbom', inp.sbom);
  const signature = add('signature', inp.bundle);
  const provenance = add('provenance', inp.provenance);
  const vex = inp.vex.map((v) => add('vex', v)!);
  add('trusted_root', inp.trustedRoot);
  let verification: { pass: boolean; checks: Check[] } | null = null;
  let rekor: Record<string, unknown> | null = null;
  if (inp.bundle) {
    if (!inp.policy)
      throw new CiError('E_USAGE', 'a signature needs --certificate-identity and --certificate-oidc-issuer to be verified', {
        where: '--bundle',
      });
    const r = await verifyRelease({
      ...(inp.artifact ? { artifact: inp.artifact } : { digest: str(rec.image_digest) ?? '' }),
      bundle: inp.bundle,
      ...(inp.provenance ? { provenance: inp.provenance } : {}),
      ...(inp.trustedRoot ? { trustedRoot: inp.trustedRoot } : {}),
      policy: inp.policy,
      ...(inp.builderId ? { builderId: inp.builderId } : {}),
      ...(inp.sourceUri ? { sourceUri: inp.sourceUri } : {}),
    });
    verification = { pass: r.pass, checks: r.checks };
    const e = readBundle(inp.bundle).tlog[0];
    // Rekor names an entry by its Merkle leaf hash (the UUID without a tree-id prefix).
    if (e) rekor = { uuid: leafHash(e.body).toString('hex'), log_index: Number(e.logIndex), integrated_time: new Date(e.integratedTime * 1000).toISOString() };
  }
  const tests = isObj(rec.tests) ? rec.tests : {};
  const chaos = arr(rec.chaos).filter(isObj);
  const uri = (f: PinnedFile | undefined, recorded: unknown) =>
    f ? { uri: str(recorded) ?? f.path, sha256: f.sha256 } : str(recorded) ? { uri: str(recorded), sha256: null } : null;
  return {
    schema: EVIDENCE_SCHEMA,
    run_id: inp.runId,
    image_digest: str(rec.image_digest) ?? (artifact ? `sha256:${artifact.sha256}` : null),
    sbom: uri(sbom, rec.sbom_uri),
    provenance: uri(provenance ?? signature, rec.provenance_uri),
    signature: uri(signature, rec.signature_uri),
    vex: vex.map((v) => ({ uri: v.path, sha256: v.sha256 })),
    rekor,
    tests: {
      matrix: isObj(rec.tests) ? { total: num(tests.total), failed: num(tests.failed), skipped: num(tests.skipped) } : null,
      resilience: isObj(tests.resilience) ? tests.resilience : null,
      flake_index: num(rec.flakiness_index),
    },
    // The record has the canary's p95 but no latency budget: budget_pass stays null until one is configured.
    perf: isObj(rec.canary_metrics) ? { latency_p95_ms: num(rec.canary_metrics.latency_p95_ms), budget_pass: null } : null,
    policies: arr(rec.policies),
    drill: chaos.length ? { trials: chaos.length, failed: chaos.filter((c) => c.outcome === 'failed').length } : null,
    // From the store only (a record file carries neither): the canary verdict with its inputs' hash, the last DR drill.
    canary: inp.delivery?.canary ?? null,
    dr_drill: inp.delivery?.dr_drill ?? null,
    reproducible: inp.reproducible ?? {
      commit: str(rec.commit_sha) ?? null,
      compared: 0,
      reproducible: [],
      not_reproducible: [],
      note: 'not looked up: the record came from a file (--record); read it from the store (--db) or the hub (--hub without --record) to include the commit’s reproducibility verdicts',
    },
    verification,
    verify_policy: inp.policy
      ? {
          certificate_identity: inp.policy.identity,
          certificate_oidc_issuer: inp.policy.issuer,
          source_uri: inp.sourceUri ?? null,
          builder_id: inp.builderId ?? null,
        }
      : null,
    files: files.sort((a, b) => (a.role < b.role ? -1 : a.role > b.role ? 1 : a.path < b.path ? -1 : 1)),
  };
}

export function writeEvidence(doc: Record<string, unknown>, out: string): void {
  writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
}

export interface EvidenceCheck {
  check: string;
  pass: boolean;
  reason: string;
}

const evidenceError = (message: string, where: string) =>
  new CiError('E_EVIDENCE_INVALID', message, { where, hint: 'pass the evidence.json that ci-intel evidence build wrote' });

/** Re-checks every pinned hash and, when the bundle names a signature, every signature — offline. */
export async function verifyEvidence(file: string): Promise<{ pass: boolean; checks: EvidenceCheck[] }> {
  const doc = parseJsonObject(readInputText(file), file, 'an evidence bundle', evidenceError);
  if (doc.schema !== EVIDENCE_SCHEMA) throw evidenceError(`schema ${JSON.stringify(doc.schema)} is not ${EVIDENCE_SCHEMA}`, `${file}#/schema`);
  const dir = path.dirname(path.resolve(file));
  const files = arr(doc.files).map((f, i) => {
    if (!isObj(f) || typeof f.path !== 'string' || typeof f.sha256 !== 'string' || typeof f.role !== 'string')
      throw evidenceError('a file entry needs role, path and sha256', `${file}#/files/${i}`);
    return { role: f.role as Role, path: f.path, sha256: f.sha256 };
  });
  const checks: EvidenceCheck[] = files.map((f) => {
    const abs = path.resolve(dir, f.path);
    let actual: string;
    try {
      actual = sha256File(abs);
    } catch (e) {
      return { check: `${f.role} ${f.path}`, pass: false, reason: `missing: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
    }
    return actual === f.sha256
      ? { check: `${f.role} ${f.path}`, pass: true, reason: `sha256 ${actual.slice(0, 16)}… as pinned` }
      : {
          check: `${f.role} ${f.path}`,
          pass: false,
          reason: `sha256 is ${actual.slice(0, 16)}…, the bundle pins ${f.sha256.slice(0, 16)}… — the file changed`,
        };
  });
  const vp = isObj(doc.verify_policy) ? doc.verify_policy : null;
  const at = (role: Role) => files.find((f) => f.role === role);
  const sig = at('signature');
  if (sig && vp && checks.every((c) => c.pass)) {
    const root = at('trusted_root');
    const artifact = at('artifact');
    const prov = at('provenance');
    const r = await verifyRelease({
      ...(artifact ? { artifact: path.resolve(dir, artifact.path) } : { digest: str(doc.image_digest) ?? '' }),
      bundle: path.resolve(dir, sig.path),
      ...(prov ? { provenance: path.resolve(dir, prov.path) } : {}),
      // No pinned root: the bundle was verified against the public-good root shipped with ci-intel.
      ...(root ? { trustedRoot: path.resolve(dir, root.path) } : {}),
      policy: { identity: str(vp.certificate_identity) ?? '', issuer: str(vp.certificate_oidc_issuer) ?? '' },
      ...(str(vp.builder_id) ? { builderId: str(vp.builder_id) } : {}),
      ...(str(vp.source_uri) ? { sourceUri: str(vp.source_uri) } : {}),
    });
    for (const c of r.checks) checks.push({ check: c.check, pass: c.pass, reason: c.reason });
  }
  return { pass: checks.every((c) => c.pass), checks };
}
