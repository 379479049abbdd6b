// The manifest maps (protocol, namespace, client key) to a blob's BLAKE3 digest (issue 7 "Content
// addressing"). With a signing key configured it carries an ed25519 signature over its canonical
// bytes (seed 000 "Cache integrity": sign cache manifests, verify signature/BLAKE3 before restore).
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CiError } from '../../core/errors.js';
import { DIGEST_RE } from './digest.js';
import { PROTOCOLS, type EntryRef, type Protocol } from './keys.js';

export interface ManifestMeta {
  /** turbo: `x-artifact-duration` (ms the task took), sent back on GET for turbo's "time saved". */
  duration?: number;
  /** turbo: `x-artifact-tag`, turbo's own artifact signature, passed through untouched. */
  tag?: string;
}

export interface Manifest extends EntryRef {
  v: 1;
  digest: string;
  size: number;
  /** ISO time the entry was written. */
  created: string;
  meta?: ManifestMeta;
  /** base64 ed25519 signature over `canonicalBytes` (absent when no signing key is configured). */
  sig?: string;
}

/** The signed bytes: every field but `sig`, in a fixed order. */
export function canonicalBytes(m: Manifest): Buffer {
  const meta = m.meta ? { duration: m.meta.duration ?? null, tag: m.meta.tag ?? null } : null;
  return Buffer.from(JSON.stringify([m.v, m.protocol, m.namespace, m.key, m.digest, m.size, m.created, meta]), 'utf8');
}

export function serializeManifest(m: Manifest): Buffer {
  return Buffer.from(JSON.stringify(m) + '\n', 'utf8');
}

/** Parses and checks a manifest file; null when it is not a manifest (counted as corrupt). */
export function parseManifest(buf: Buffer): Manifest | null {
  let o: unknown;
  try {
    o = JSON.parse(buf.toString('utf8'));
  } catch {
    return null;
  }
  const m = o as Manifest;
  if (
    !m ||
    typeof m !== 'object' ||
    m.v !== 1 ||
    !PROTOCOLS.includes(m.protocol as Protocol) ||
    typeof m.namespace !== 'string' ||
    typeof m.key !== 'string' ||
    typeof m.digest !== 'string' ||
    !DIGEST_RE.test(m.digest) ||
    !Number.isSafeInteger(m.size) ||
    m.size < 0 ||
    typeof m.created !== 'string'
  )
    return null;
  return m;
}

/** ed25519 signer/verifier for manifests. */
export class ManifestSigner {
  private constructor(
    private readonly priv: KeyObject | null,
    private readonly pub: KeyObject,
  ) {}

  /** From a PEM file holding an ed25519 private key (signs and verifies) or public key (verifies only). */
  static fromFile(file: string): ManifestSigner {
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (e) {
      throw new CiError('E_CONFIG_INVALID', `cannot read the signing key: ${(e as Error).message}`, {
        where: file,
        hint: 'make one with `openssl genpkey -algorithm ed25519 -out cache-signing.pem`',
      });
    }
    return ManifestSigner.fromPem(pem, file);
  }

  static fromPem(pem: string, where = 'signing key'): ManifestSigner {
    try {
      if (pem.includes('PRIVATE KEY')) {
        const priv = createPrivateKey(pem);
        if (priv.asymmetricKeyType !== 'ed25519') throw new Error(`a ${priv.asymmetricKeyType} key, not ed25519`);
        return new ManifestSigner(priv, createPublicKey(priv));
      }
      const pub = createPublicKey(pem);
      if (pub.asymmetricKeyType !== 'ed25519') throw new Error(`a ${pub.asymmetricKeyType} key, not ed25519`);
      return new ManifestSigner(null, pub);
    } catch (e) {
      throw new CiError('E_CONFIG_INVALID', `the signing key is not usable: ${(e as Error).message}`, {
        where,
        hint: 'use an ed25519 PEM key: `openssl genpkey -algorithm ed25519 -out cache-signing.pem`',
      });
    }
  }

  get canSign(): boolean {
    return this.priv !== null;
  }

  sign(m: Manifest): Manifest {
    if (!this.priv) return m;
    return { ...m, sig: sign(null, canonicalBytes(m), this.priv).toString('base64') };
  }

  verify(m: Manifest): boolean {
    if (!m.sig) return false;
    try {
      return verify(null, canonicalBytes(m), this.pub, Buffer.from(m.sig, 'base64'));
    } catch {
      return false;
    }
  }
}
