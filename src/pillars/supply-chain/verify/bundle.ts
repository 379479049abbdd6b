// A Sigstore bundle (application/vnd.dev.sigstore.bundle v0.1–v0.3, JSON): the signing
// certificate, the transparency-log entries, and a DSSE envelope (npm's provenance, in-toto
// attestations) or a message signature.
import { X509Certificate } from 'node:crypto';
import { CiError } from '../../../core/errors.js';
import { parseJsonObject, readInputText } from '../io.js';
import { arr, isObj, str } from '../sbom/common.js';

export interface TlogEntry {
  logIndex: bigint;
  logIdHex: string;
  kind: string;
  integratedTime: number;
  body: Buffer;
  set?: Buffer;
  proof?: { logIndex: bigint; treeSize: bigint; rootHash: Buffer; hashes: Buffer[]; checkpoint: string };
}

export interface Bundle {
  source: string;
  certificate: X509Certificate;
  /** Certificates after the leaf, when the bundle carries a chain (v0.1/v0.2). */
  chain: X509Certificate[];
  tlog: TlogEntry[];
  dsse?: { payloadType: string; payload: Buffer; signatures: Buffer[] };
  messageSignature?: { digest: Buffer; algorithm: string; signature: Buffer };
}

const bundleError = (message: string, where: string) =>
  new CiError('E_BUNDLE_INVALID', message, { where, hint: 'pass a Sigstore bundle (cosign --bundle, npm provenance, sigstore-js) in JSON' });

const b64 = (v: unknown) => Buffer.from(str(v) ?? '', 'base64');

function cert(raw: unknown, where: string): X509Certificate {
  try {
    return new X509Certificate(b64(raw));
  } catch (e) {
    throw bundleError(`not a DER certificate: ${(e as Error).message}`, where);
  }
}

export function parseBundle(text: string, file: string): Bundle {
  const doc = parseJsonObject(text, file, 'a Sigstore bundle', bundleError);
  if (!str(doc.mediaType)?.startsWith('application/vnd.dev.sigstore.bundle')) throw bundleError('mediaType is not a Sigstore bundle', `${file}#/mediaType`);
  const vm = isObj(doc.verificationMaterial) ? doc.verificationMaterial : null;
  if (!vm) throw bundleError('no verificationMaterial', `${file}#/verificationMaterial`);
  let certificate: X509Certificate;
  let chain: X509Certificate[] = [];
  if (isObj(vm.certificate)) certificate = cert(vm.certificate.rawBytes, `${file}#/verificationMaterial/certificate/rawBytes`);
  else if (isObj(vm.x509CertificateChain)) {
    const all = arr(vm.x509CertificateChain.certificates).map((c, i) =>
      cert(isObj(c) ? c.rawBytes : undefined, `${file}#/verificationMaterial/x509CertificateChain/certificates/${i}`),
    );
    if (!all.length) throw bundleError('the certificate chain is empty', `${file}#/verificationMaterial/x509CertificateChain`);
    [certificate, ...chain] = all as [X509Certificate, ...X509Certificate[]];
  } else throw bundleError('no signing certificate (a public-key bundle cannot prove an identity)', `${file}#/verificationMaterial`);
  const tlog = arr(vm.tlogEntries).map((t, i): TlogEntry => {
    const where = `${file}#/verificationMaterial/tlogEntries/${i}`;
    if (!isObj(t) || !isObj(t.logId) || !isObj(t.kindVersion)) throw bundleError('a log entry needs logId and kindVersion', where);
    const p = isObj(t.inclusionProof) ? t.inclusionProof : null;
    const set = isObj(t.inclusionPromise) ? str(t.inclusionPromise.signedEntryTimestamp) : undefined;
    return {
      logIndex: BigInt(str(t.logIndex) ?? '0'),
      logIdHex: b64(t.logId.keyId).toString('hex'),
      kind: str(t.kindVersion.kind) ?? '',
      integratedTime: Number(str(t.integratedTime) ?? t.integratedTime ?? 0),
      body: b64(t.canonicalizedBody),
      ...(set ? { set: Buffer.from(set, 'base64') } : {}),
      ...(p
        ? {
            proof: {
              logIndex: BigInt(str(p.logIndex) ?? '0'),
              treeSize: BigInt(str(p.treeSize) ?? '0'),
              rootHash: b64(p.rootHash),
              hashes: arr(p.hashes).map(b64),
              checkpoint: isObj(p.checkpoint) ? (str(p.checkpoint.envelope) ?? '') : '',
            },
          }
        : {}),
    };
  });
  const d = isObj(doc.dsseEnvelope) ? doc.dsseEnvelope : null;
  const m = isObj(doc.messageSignature) ? doc.messageSignature : null;
  if (!d && !m) throw bundleError('neither dsseEnvelope nor messageSignature', `${file}#`);
  return {
    source: file,
    certificate,
    chain,
    tlog,
    ...(d
      ? {
          dsse: { payloadType: str(d.payloadType) ?? '', payload: b64(d.payload), signatures: arr(d.signatures).map((s) => b64(isObj(s) ? s.sig : undefined)) },
        }
      : {}),
    ...(m && isObj(m.messageDigest)
      ? { messageSignature: { digest: b64(m.messageDigest.digest), algorithm: str(m.messageDigest.algorithm) ?? '', signature: b64(m.signature) } }
      : {}),
  };
}

export const readBundle = (file: string) => parseBundle(readInputText(file), file);
