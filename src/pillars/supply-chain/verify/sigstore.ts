// Verifies a Sigstore bundle offline against a trusted root: the leaf certificate chains to a
// trusted authority and was valid when the log integrated the entry; its SAN and OIDC issuer match
// the admission policy; the DSSE signature verifies with its key; the log entry is the one for this
// signature, its signed entry timestamp verifies, and its inclusion proof leads to a checkpoint
// signed by the log. (The checks @sigstore/verify makes; the tests compare verdicts with it.)
import { createHash, verify, type X509Certificate } from 'node:crypto';
import { RE2JS } from 're2js';
import type { Bundle, TlogEntry } from './bundle.js';
import { fail, pass, type Check } from './checks.js';
import { extensionText } from './der.js';
import { leafHash, rootFromProof, verifyCheckpoint } from './merkle.js';
import { within, type TrustedRoot } from './trusted-root.js';

export interface IdentityPolicy {
  /** RE2 pattern the certificate's SAN (URI or email) must match. */
  identity: string;
  /** RE2 pattern the OIDC issuer extension must match. */
  issuer: string;
}

// Fulcio's OIDC issuer extensions (github.com/sigstore/fulcio docs/oid-info.md): .8 is DER, .1 raw.
const ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
const ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';

const pae = (type: string, body: Buffer) => Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body]);

export function signerIdentity(cert: X509Certificate): { san?: string; issuer?: string } {
  const san = cert.subjectAltName?.split(', ')[0]?.replace(/^(URI|email):/, '');
  const raw = Buffer.from(cert.raw);
  return {
    ...(san ? { san } : {}),
    ...((extensionText(raw, ISSUER_V2) ?? extensionText(raw, ISSUER_V1)) ? { issuer: extensionText(raw, ISSUER_V2) ?? extensionText(raw, ISSUER_V1) } : {}),
  };
}

function chainCheck(b: Bundle, root: TrustedRoot, at: Date): Check {
  const leaf = b.certificate;
  if (!within(at, { start: new Date(leaf.validFrom), end: new Date(leaf.validTo) }))
    return fail(
      'certificate-chain',
      `the signing certificate was not valid at the log's time ${at.toISOString()} (valid ${new Date(leaf.validFrom).toISOString()} to ${new Date(leaf.validTo).toISOString()})`,
    );
  for (const ca of root.authorities) {
    if (!within(at, ca.validFor)) continue;
    const chain = [leaf, ...ca.chain];
    const linked = chain.every((c, i) => {
      const issuer = chain[i + 1] ?? c;
      return c.checkIssued(issuer) && c.verify(issuer.publicKey) && within(at, { start: new Date(c.validFrom), end: new Date(c.validTo) });
    });
    if (linked) return pass('certificate-chain', `issued by ${ca.chain[0]?.subject.replace(/\n/g, ', ') ?? ca.uri} (${ca.uri})`);
  }
  return fail('certificate-chain', `the signing certificate does not chain to a certificate authority of the trusted root, ${root.name}`);
}

function identityCheck(cert: X509Certificate, policy: IdentityPolicy): Check {
  const { san, issuer } = signerIdentity(cert);
  if (!san) return fail('certificate-identity', 'the certificate has no subject alternative name');
  if (!RE2JS.compile(policy.identity).matcher(san).find())
    return fail('certificate-identity', `signer ${san} does not match --certificate-identity ${policy.identity}`);
  if (!issuer) return fail('certificate-identity', 'the certificate names no OIDC issuer');
  if (!RE2JS.compile(policy.issuer).matcher(issuer).find())
    return fail('certificate-identity', `OIDC issuer ${issuer} does not match --certificate-oidc-issuer ${policy.issuer}`);
  return pass('certificate-identity', `${san} via ${issuer}`);
}

function signatureCheck(b: Bundle): Check {
  if (!b.dsse) return fail('signature', 'only DSSE bundles (attestations, npm provenance) are verified; this one carries a message signature');
  const ok = b.dsse.signatures.some((s) => verify('sha256', pae(b.dsse!.payloadType, b.dsse!.payload), b.certificate.publicKey, s));
  return ok
    ? pass('signature', `DSSE envelope (${b.dsse.payloadType}) signed by the certificate's key`)
    : fail('signature', "the DSSE signature does not verify with the certificate's key");
}

/** Does the log entry's body record this envelope, this signature and this certificate? */
function bodyMatches(e: TlogEntry, b: Bundle): string | null {
  let body: { kind?: string; spec?: Record<string, unknown> };
  try {
    body = JSON.parse(e.body.toString('utf8')) as typeof body;
  } catch {
    return 'the log entry body is not JSON';
  }
  const payloadHash = createHash('sha256')
    .update(b.dsse?.payload ?? Buffer.alloc(0))
    .digest('hex');
  const sigs = (b.dsse?.signatures ?? []).map((s) => s.toString('base64'));
  const certDer = Buffer.from(b.certificate.raw);
  // Rekor keeps the certificate as base64 of its PEM; compare the DER, whatever the PEM's line length.
  const isCert = (b64pem: string | undefined) =>
    Buffer.from(
      Buffer.from(b64pem ?? '', 'base64')
        .toString()
        .replace(/-----[A-Z ]+-----|\s/g, ''),
      'base64',
    ).equals(certDer);
  const spec = body.spec ?? {};
  if (body.kind === 'intoto') {
    const content = (spec.content ?? {}) as { payloadHash?: { value?: string }; envelope?: { signatures?: { sig?: string; publicKey?: string }[] } };
    if (content.payloadHash?.value !== payloadHash) return 'the log entry records another payload (payloadHash differs)';
    const logged = content.envelope?.signatures ?? [];
    const hit = logged.some((s) => sigs.includes(Buffer.from(s.sig ?? '', 'base64').toString()) && isCert(s.publicKey));
    return hit ? null : 'the log entry records another signature or certificate';
  }
  if (body.kind === 'dsse') {
    const s = spec as { payloadHash?: { value?: string }; signatures?: { signature?: string; verifier?: string }[] };
    if (s.payloadHash?.value !== payloadHash) return 'the log entry records another payload (payloadHash differs)';
    const hit = (s.signatures ?? []).some((x) => sigs.includes(x.signature ?? '') && isCert(x.verifier));
    return hit ? null : 'the log entry records another signature or certificate';
  }
  return `log entries of kind ${JSON.stringify(body.kind)} are not verified here (intoto, dsse are)`;
}

function tlogCheck(b: Bundle, root: TrustedRoot): Check {
  if (!b.tlog.length) return fail('transparency-log', 'the bundle has no transparency-log entry');
  const problems: string[] = [];
  for (const e of b.tlog) {
    const log = root.logs.find((l) => l.keyId === e.logIdHex);
    if (!log) {
      problems.push(`entry ${e.logIndex}: its log (id ${e.logIdHex.slice(0, 16)}…) is not in the trusted root`);
      continue;
    }
    const mismatch = bodyMatches(e, b);
    if (mismatch) {
      problems.push(`entry ${e.logIndex}: ${mismatch}`);
      continue;
    }
    if (e.set) {
      const signed = `{"body":"${e.body.toString('base64')}","integratedTime":${e.integratedTime},"logID":"${e.logIdHex}","logIndex":${e.logIndex}}`;
      if (!verify('sha256', Buffer.from(signed), log.key, e.set)) {
        problems.push(`entry ${e.logIndex}: the signed entry timestamp does not verify with the log's key`);
        continue;
      }
    }
    if (!e.proof) {
      problems.push(`entry ${e.logIndex}: no inclusion proof`);
      continue;
    }
    const root2 = rootFromProof(e.proof.logIndex, e.proof.treeSize, leafHash(e.body), e.proof.hashes);
    if (!root2 || !root2.equals(e.proof.rootHash)) {
      problems.push(`entry ${e.logIndex}: the inclusion proof does not lead from the entry to root hash ${e.proof.rootHash.toString('hex').slice(0, 16)}…`);
      continue;
    }
    const cp = verifyCheckpoint(e.proof.checkpoint, log.key, e.logIdHex);
    if (cp.error || !cp.checkpoint) {
      problems.push(`entry ${e.logIndex}: ${cp.error ?? 'no checkpoint'}`);
      continue;
    }
    if (!cp.checkpoint.rootHash.equals(e.proof.rootHash) || cp.checkpoint.size !== e.proof.treeSize) {
      problems.push(
        `entry ${e.logIndex}: the signed checkpoint is for another tree (size ${cp.checkpoint.size}) than the inclusion proof's (size ${e.proof.treeSize})`,
      );
      continue;
    }
    return pass(
      'transparency-log',
      `entry ${e.logIndex} in ${log.baseUrl}: signed entry timestamp, inclusion proof (tree size ${e.proof.treeSize}) and signed checkpoint verify`,
    );
  }
  return fail('transparency-log', problems.join('; '));
}

/** The checks of one bundle, in order; the time is the log's integrated time (a verified one when the log checks pass). */
export function verifyBundle(b: Bundle, root: TrustedRoot, policy: IdentityPolicy): Check[] {
  const at = new Date((b.tlog[0]?.integratedTime ?? 0) * 1000);
  return [chainCheck(b, root, at), identityCheck(b.certificate, policy), signatureCheck(b), tlogCheck(b, root)];
}
