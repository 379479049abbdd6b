// A Sigstore trusted root (sigstore/protobuf-specs TrustedRoot, JSON): the certificate authorities
// whose chains may sign leaf certificates, and the transparency logs' public keys by log id.
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { CiError } from '../../../core/errors.js';
import { parseJsonObject, readInputText } from '../io.js';
import { arr, isObj, str } from '../sbom/common.js';

export interface Validity {
  start?: Date;
  end?: Date;
}

export interface TrustedRoot {
  /** Which root this is, for messages: the file, or the public-good instance and the package it came from. */
  name: string;
  authorities: { uri: string; chain: X509Certificate[]; validFor: Validity }[];
  logs: { baseUrl: string; keyId: string; key: KeyObject; validFor: Validity }[];
}

const rootError = (message: string, where: string) =>
  new CiError('E_TRUST_ROOT_INVALID', message, {
    where,
    hint: 'pass the trusted_root.json of the Sigstore instance that signed (sigstore/protobuf-specs TrustedRoot)',
  });

function validity(v: unknown): Validity {
  const o = isObj(v) ? v : {};
  return { ...(str(o.start) ? { start: new Date(str(o.start)!) } : {}), ...(str(o.end) ? { end: new Date(str(o.end)!) } : {}) };
}

export const within = (t: Date, v: Validity) => (!v.start || t >= v.start) && (!v.end || t <= v.end);

export function parseTrustedRoot(text: string, file: string): TrustedRoot {
  const doc = parseJsonObject(text, file, 'a trusted root', rootError);
  if (!str(doc.mediaType)?.startsWith('application/vnd.dev.sigstore.trustedroot+json'))
    throw rootError('mediaType is not application/vnd.dev.sigstore.trustedroot+json', `${file}#/mediaType`);
  const authorities = arr(doc.certificateAuthorities).map((ca, i) => {
    const where = `${file}#/certificateAuthorities/${i}`;
    if (!isObj(ca) || !isObj(ca.certChain)) throw rootError('a certificate authority needs certChain', where);
    const chain = arr(ca.certChain.certificates).map((c, j) => {
      try {
        return new X509Certificate(Buffer.from(str(isObj(c) ? c.rawBytes : undefined) ?? '', 'base64'));
      } catch (e) {
        throw rootError(`not a DER certificate: ${(e as Error).message}`, `${where}/certChain/certificates/${j}/rawBytes`);
      }
    });
    return { uri: str(ca.uri) ?? '', chain, validFor: validity(ca.validFor) };
  });
  const logs = arr(doc.tlogs).map((l, i) => {
    const where = `${file}#/tlogs/${i}`;
    if (!isObj(l) || !isObj(l.publicKey) || !isObj(l.logId)) throw rootError('a transparency log needs publicKey and logId', where);
    let key: KeyObject;
    try {
      key = createPublicKey({ key: Buffer.from(str(l.publicKey.rawBytes) ?? '', 'base64'), format: 'der', type: 'spki' });
    } catch (e) {
      throw rootError(`not a DER public key: ${(e as Error).message}`, `${where}/publicKey/rawBytes`);
    }
    return {
      baseUrl: str(l.baseUrl) ?? '',
      keyId: Buffer.from(str(l.logId.keyId) ?? '', 'base64').toString('hex'),
      key,
      validFor: validity(l.publicKey.validFor),
    };
  });
  if (!authorities.length || !logs.length) throw rootError('a trusted root needs at least one certificate authority and one transparency log', `${file}#`);
  return { name: file, authorities, logs };
}

export const readTrustedRoot = (file: string) => parseTrustedRoot(readInputText(file), file);
