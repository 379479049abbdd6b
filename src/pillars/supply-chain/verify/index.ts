// `ci-intel verify`: everything a signed release claims, checked offline — the Sigstore bundle
// (chain, identity, signature, transparency log) and its SLSA v1.0 provenance.
import { createHash } from 'node:crypto';
import { RE2JS } from 're2js';
import { CiError } from '../../../core/errors.js';
import { openInput } from '../../../core/cli.js';
import { readInputText } from '../io.js';
import { parseBundle, readBundle } from './bundle.js';
import { fail, type Check } from './checks.js';
import { checkProvenance } from './provenance.js';
import { verifyBundle, type IdentityPolicy } from './sigstore.js';
import { publicGoodTrustedRoot } from './public-good.js';
import { readTrustedRoot } from './trusted-root.js';

export interface VerifyInput {
  artifact?: string;
  digest?: string;
  bundle: string;
  provenance?: string;
  /** trusted_root.json of the instance; default: the public-good instance's, shipped with the sigstore packages. */
  trustedRoot?: string;
  policy: IdentityPolicy;
  builderId?: string;
  sourceUri?: string;
}

export interface VerifyResult {
  artifact: string;
  /** The trusted root the bundle was checked against (file, or the public-good instance). */
  trustedRoot: string;
  digests: Record<string, string>;
  pass: boolean;
  checks: Check[];
}

/** sha256 and sha512 of a file, streamed. */
export async function fileDigests(file: string): Promise<Record<string, string>> {
  const h256 = createHash('sha256');
  const h512 = createHash('sha512');
  for await (const chunk of openInput(file)) {
    h256.update(chunk as Buffer);
    h512.update(chunk as Buffer);
  }
  return { sha256: h256.digest('hex'), sha512: h512.digest('hex') };
}

export function parseDigest(d: string): Record<string, string> {
  const m = /^(sha256|sha512):([0-9a-fA-F]+)$/.exec(d.trim());
  if (!m || m[2]!.length !== (m[1] === 'sha256' ? 64 : 128))
    throw new CiError('E_USAGE', `--digest ${JSON.stringify(d)} is not sha256:<64 hex> or sha512:<128 hex>`, {
      where: '--digest',
      hint: 'e.g. --digest sha256:$(sha256sum app.tgz | cut -c1-64)',
    });
  return { [m[1]!]: m[2]!.toLowerCase() };
}

function checkPattern(option: string, re: string | undefined): void {
  if (re === undefined) return;
  try {
    RE2JS.compile(re);
  } catch (e) {
    throw new CiError('E_USAGE', `${option} ${JSON.stringify(re)} is not a valid pattern: ${(e as Error).message}`, {
      where: option,
      hint: 'RE2 syntax, e.g. "^https://github.com/o/r/"',
    });
  }
}

export async function verifyRelease(input: VerifyInput): Promise<VerifyResult> {
  checkPattern('--certificate-identity', input.policy.identity);
  checkPattern('--certificate-oidc-issuer', input.policy.issuer);
  checkPattern('--builder-id', input.builderId);
  if (!input.artifact && !input.digest)
    throw new CiError('E_USAGE', 'give the artifact file or --digest', { where: 'ARTIFACT', hint: 'ci-intel verify app.tgz --bundle app.sigstore.json ...' });
  const digests = input.digest ? parseDigest(input.digest) : await fileDigests(input.artifact!);
  const root = input.trustedRoot ? readTrustedRoot(input.trustedRoot) : publicGoodTrustedRoot();
  const bundle = readBundle(input.bundle);
  const checks = verifyBundle(bundle, root, input.policy);
  // The provenance: a file of its own (a bundle, verified like the first, or a bare statement),
  // else the bundle's own payload (npm's provenance bundles carry it).
  let payload = bundle.dsse?.payload;
  if (input.provenance) {
    const text = readInputText(input.provenance);
    const isBundle = /"mediaType"\s*:\s*"application\/vnd\.dev\.sigstore\.bundle/.test(text);
    if (isBundle) {
      const p = parseBundle(text, input.provenance);
      for (const c of verifyBundle(p, root, input.policy)) checks.push({ ...c, reason: `provenance bundle: ${c.reason}` });
      payload = p.dsse?.payload;
    } else payload = Buffer.from(text);
  }
  checks.push(
    payload
      ? checkProvenance(payload, {
          digests,
          ...(input.builderId ? { builderId: input.builderId } : {}),
          ...(input.sourceUri ? { sourceUri: input.sourceUri } : {}),
        })
      : fail('provenance', 'no provenance: pass --provenance, or a bundle that carries an in-toto statement'),
  );
  return { artifact: input.artifact ?? input.digest!, trustedRoot: root.name, digests, pass: checks.every((c) => c.pass), checks };
}

export function renderVerify(r: VerifyResult): string {
  const lines = r.checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'} ${c.check}: ${c.reason}`);
  const failed = r.checks.filter((c) => !c.pass).map((c) => c.check);
  lines.push(`${r.pass ? 'PASS' : 'FAIL'} verify artifact=${r.artifact}${failed.length ? ` failed=${[...new Set(failed)].join(',')}` : ''}`);
  return `${lines.join('\n')}\n`;
}
