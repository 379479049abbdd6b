// The deploy gate's checks (seed 000: "block deploy on missing or invalid attestation"; issue 18
// part 4): a release may ship only when its signature, provenance, SBOM (present and referenced by
// the run record), SBOM diff with VEX, policies and readiness all pass. Each check reuses the
// command that owns it (`verify`, `sbom diff`); this file only turns their verdicts into one line
// each. MISSING is its own state — nothing to check is not a pass (DESIGN.md: no data is not zero).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { GateResult } from '../../../core/registry.js';
import { readAdvisories } from '../advisories/index.js';
import { diffSboms } from '../diff.js';
import { readSbom } from '../sbom/index.js';
import { arr, isObj, str } from '../sbom/common.js';
import { readVex } from '../vex.js';
import { verifyRelease, type VerifyInput } from '../verify/index.js';

export const RELEASE_CHECKS = ['signature', 'provenance', 'sbom', 'sbom-diff', 'policies', 'readiness'] as const;
export type ReleaseCheckName = (typeof RELEASE_CHECKS)[number];
export type ReleaseStatus = 'PASS' | 'FAIL' | 'MISSING';

export interface ReleaseCheck {
  check: ReleaseCheckName;
  status: ReleaseStatus;
  reason: string;
}

/** The stored compliance check of the release's commit (policy_checks), when one was recorded. */
export interface StoredCompliance {
  commit: string;
  checked_at: string;
  errors: number;
  warnings: number;
}

/** Everything the gate checks, resolved to local files (a URI that is not a local file is not fetched). */
export interface ReleaseInputs {
  record: Record<string, unknown> | null;
  /** Where the record came from, for messages (`--record F`, `run ID in the store`). */
  recordSource: string;
  artifact?: string;
  digest?: string;
  bundle?: string;
  provenance?: string;
  sbom?: string;
  baseSbom?: string;
  advisories: string[];
  vex: string[];
  /** Why a file the record names is not checked (an https URI), by role. */
  unresolved: Partial<Record<'bundle' | 'provenance' | 'sbom', string>>;
  trustedRoot?: string;
  policy?: VerifyInput['policy'];
  sourceUri?: string;
  builderId?: string;
  maxRisk: number;
  compliance: StoredCompliance | null;
  /** The readiness gate's verdict (null: it could not run, with why). */
  readiness: GateResult | { missing: string };
}

const line = (check: ReleaseCheckName, status: ReleaseStatus, reason: string): ReleaseCheck => ({ check, status, reason });

/** Signature and provenance: `verify`'s checks, split into who signed (signature) and what they claim (provenance). */
async function signatureChecks(inp: ReleaseInputs): Promise<ReleaseCheck[]> {
  if (!inp.bundle) {
    const why = inp.unresolved.bundle ?? (inp.record && str(inp.record.signature_uri) ? '' : 'the record names no signature_uri and no --bundle was given');
    return [line('signature', 'MISSING', why || 'no --bundle given'), line('provenance', 'MISSING', 'no signed provenance to check: no signature bundle')];
  }
  const digest = inp.digest ?? str(inp.record?.image_digest);
  if (!inp.artifact && !digest)
    return [
      line('signature', 'MISSING', 'no artifact to verify: pass --artifact or --digest (the record has no image_digest)'),
      line('provenance', 'MISSING', 'no artifact digest to compare the provenance subject with'),
    ];
  const r = await verifyRelease({
    ...(inp.artifact ? { artifact: inp.artifact } : { digest: digest! }),
    bundle: inp.bundle,
    ...(inp.provenance ? { provenance: inp.provenance } : {}),
    ...(inp.trustedRoot ? { trustedRoot: inp.trustedRoot } : {}),
    policy: inp.policy!,
    ...(inp.builderId ? { builderId: inp.builderId } : {}),
    ...(inp.sourceUri ? { sourceUri: inp.sourceUri } : {}),
  });
  // A separate provenance bundle's own signature checks are prefixed "provenance bundle:" by verify.
  const isProv = (c: { check: string; reason: string }) => c.check === 'provenance' || c.reason.startsWith('provenance bundle:');
  const fold = (name: ReleaseCheckName, cs: typeof r.checks) => {
    const failed = cs.filter((c) => !c.pass);
    const shown = failed.length ? failed : cs;
    return line(
      name,
      failed.length ? 'FAIL' : 'PASS',
      shown.map((c) => (name === 'provenance' && c.check === 'provenance' ? c.reason : `${c.check}: ${c.reason}`)).join('; '),
    );
  };
  return [
    fold(
      'signature',
      r.checks.filter((c) => !isProv(c)),
    ),
    fold('provenance', r.checks.filter(isProv)),
  ];
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * The SBOM is present (it parses) and referenced: the record's sbom_uri pins its sha256
 * (`…sha256:HEX` or `…sha256=HEX`), or, carrying no digest, ends in the file's name.
 */
function sbomCheck(inp: ReleaseInputs): ReleaseCheck {
  const uri = str(inp.record?.sbom_uri);
  if (!inp.sbom)
    return line('sbom', 'MISSING', inp.unresolved.sbom ?? (uri ? `the record names ${uri}; pass --sbom` : 'no --sbom given and the record names no sbom_uri'));
  const s = readSbom(inp.sbom);
  const hash = sha256(inp.sbom);
  const what = `${path.basename(inp.sbom)} (${s.format}, ${s.components.length} components, sha256 ${hash.slice(0, 16)}…)`;
  if (!inp.record) return line('sbom', 'FAIL', `${what} is not referenced: no run record to name it (pass --run or --record)`);
  if (!uri) return line('sbom', 'FAIL', `${what} is not referenced: ${inp.recordSource} has no sbom_uri`);
  const pinned = /sha256[:=]([0-9a-f]{64})/i.exec(uri)?.[1]?.toLowerCase();
  if (pinned)
    return pinned === hash
      ? line('sbom', 'PASS', `${what}, pinned by the record's sbom_uri`)
      : line('sbom', 'FAIL', `${what} is not the SBOM the record pins (sha256 ${pinned.slice(0, 16)}… in ${uri})`);
  const named = decodeURIComponent(
    uri
      .replace(/[?#].*$/, '')
      .split('/')
      .pop() ?? '',
  );
  return named === path.basename(inp.sbom)
    ? line('sbom', 'PASS', `${what}, named by the record's sbom_uri ${uri}`)
    : line('sbom', 'FAIL', `${what} is not the SBOM the record names (${uri})`);
}

function sbomDiffCheck(inp: ReleaseInputs): ReleaseCheck {
  if (!inp.sbom) return line('sbom-diff', 'MISSING', 'no SBOM of the release to compare');
  if (!inp.baseSbom) return line('sbom-diff', 'MISSING', 'no --base-sbom (the SBOM of the release it replaces) given');
  const d = diffSboms(readSbom(inp.baseSbom), readSbom(inp.sbom), {
    reports: inp.advisories.flatMap(readAdvisories),
    vex: inp.vex.flatMap(readVex),
    maxRisk: inp.maxRisk,
  });
  const changes = `${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed; ${d.introduced.length} new vulnerabilities`;
  if (d.pass) {
    const cleared = d.introduced.filter((f) => f.vex && f.risk >= d.maxRisk).length;
    return line('sbom-diff', 'PASS', `${changes}, none at or above risk ${d.maxRisk} without a VEX statement${cleared ? ` (${cleared} cleared by VEX)` : ''}`);
  }
  const worst = d.blocking.map((f) => `${f.id} in ${f.component.name} ${f.component.version} risk ${f.risk}`).join(', ');
  return line('sbom-diff', 'FAIL', `${changes}; at or above risk ${d.maxRisk} with no VEX not_affected/fixed: ${worst}`);
}

function policiesCheck(inp: ReleaseInputs): ReleaseCheck {
  const policies = arr(inp.record?.policies).filter(isObj);
  const deny = policies.filter((p) => p.result === 'deny');
  const warn = policies.filter((p) => p.result === 'warn');
  const c = inp.compliance;
  const parts: string[] = [];
  if (policies.length)
    parts.push(`${policies.length} policies in the record: ${policies.length - deny.length - warn.length} allow, ${warn.length} warn, ${deny.length} deny`);
  if (c) parts.push(`compliance check of ${c.commit.slice(0, 12)} at ${c.checked_at}: ${c.errors} errors, ${c.warnings} warnings`);
  if (!parts.length)
    return line(
      'policies',
      'MISSING',
      `${inp.record ? `${inp.recordSource} lists no policies` : 'no run record'} and no compliance check is stored for its commit`,
    );
  const denied = deny.map((p) => `${str(p.id)}${str(p.reason) ? ` (${str(p.reason)})` : ''}`);
  if (denied.length || (c && c.errors > 0)) return line('policies', 'FAIL', [...(denied.length ? [`denied: ${denied.join(', ')}`] : []), ...parts].join('; '));
  return line('policies', 'PASS', parts.join('; '));
}

function readinessCheck(inp: ReleaseInputs): ReleaseCheck {
  const r = inp.readiness;
  if ('missing' in r) return line('readiness', 'MISSING', r.missing);
  const fields = Object.entries(r.fields ?? {}).map(([k, v]) => `${k}=${v}`);
  const reason = `${r.reason}${r.value !== null ? ` (score ${r.value.toFixed(1)}, min ${r.min})` : ''}${fields.length ? ` ${fields.join(' ')}` : ''}`;
  return line('readiness', r.pass ? 'PASS' : r.value === null ? 'MISSING' : 'FAIL', reason);
}

/** Every check, in RELEASE_CHECKS order. */
export async function releaseChecks(inp: ReleaseInputs): Promise<ReleaseCheck[]> {
  return [...(await signatureChecks(inp)), sbomCheck(inp), sbomDiffCheck(inp), policiesCheck(inp), readinessCheck(inp)];
}

export function renderReleaseChecks(checks: ReleaseCheck[]): string {
  return checks.map((c) => `${c.status.padEnd(7)} ${c.check}: ${c.reason}\n`).join('');
}
