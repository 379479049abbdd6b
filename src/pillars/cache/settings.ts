// The cache's settings: flags > the `cache:` section of ci-intel.yml (its environment variables
// read by the config loader) > defaults.
import path from 'node:path';
import type { CacheSection } from './config.js';
import { parseDuration } from '../../core/duration.js';
import { CiError } from '../../core/errors.js';
import type { FetchOptions, StorageSpec } from './storage/index.js';
import { parseStorage } from './storage/index.js';

export interface CacheSettings {
  storage: StorageSpec;
  tokens: string[];
  /** Size cap over unique blob bytes (LRU eviction above it); null = none. */
  maxBytes: number | null;
  ttlMs: number | null;
  uploadMaxBytes: number;
  /** ed25519 PEM file: private key signs and verifies, public key verifies only. */
  signingKey: string | null;
  verify: FetchOptions;
  /** A connection with no bytes moving for this long is closed (slow-client guard). */
  idleTimeoutMs: number;
  minUploadBytesPerSec: number;
  uploadGraceMs: number;
  sweepIntervalMs: number;
  /**
   * Inside the hub, serve the cache protocols with no cache token (`cache.open: true`). Off by
   * default: the hub must be reachable for webhooks, and an open cache can be poisoned.
   */
  open: boolean;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export const DEFAULTS = {
  uploadMaxBytes: 5 * GiB,
  bufferMax: 1 * MiB,
  trustVerifiedAbove: 64 * MiB,
  idleTimeoutMs: 30_000,
  minUploadBytesPerSec: 16 * KiB,
  uploadGraceMs: 30_000,
  sweepIntervalMs: 300_000,
};

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: KiB,
  kb: 1000,
  kib: KiB,
  m: MiB,
  mb: 1000 ** 2,
  mib: MiB,
  g: GiB,
  gb: 1000 ** 3,
  gib: GiB,
  t: 1024 * GiB,
  tb: 1000 ** 4,
  tib: 1024 * GiB,
};

/** `10GiB`, `500MB`, `64k`, `1048576`. */
export function parseBytes(v: string | number, where: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(String(v));
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new CiError('E_USAGE', `${JSON.stringify(String(v))} is not a size`, { where, hint: 'use e.g. 10GiB, 500MB, 64KiB or a number of bytes' });
  }
  return Math.round(Number(m[1]) * unit);
}

export interface SettingsInput {
  /** Parsed CLI flags (commander camelCase); they win over the section. */
  flags: Record<string, unknown>;
  /** The `cache:` section as loaded (file and environment merged, see sectionOf). */
  section: CacheSection;
  /** Default storage folder when nothing names one. */
  defaultDir: string;
  cwd?: string;
}

/** The cache's settings: flags over the `cache:` section (ci-intel.yml and its environment variables). */
export function resolveSettings(inp: SettingsInput): CacheSettings {
  const { flags: f, section: y } = inp;
  const pick = <T>(flag: unknown, yml: T | undefined): T | undefined => (flag !== undefined ? (flag as T) : yml);

  const storageRaw = pick(f.storage, y.storage) ?? inp.defaultDir;
  const storage = parseStorage(storageRaw, { endpoint: pick(f.s3Endpoint, y.s3Endpoint), cwd: inp.cwd });
  if (storage.kind === 'fs' && !path.isAbsolute(storage.dir!)) storage.dir = path.resolve(inp.cwd ?? process.cwd(), storage.dir!);

  // Tokens given as flags add to the configured ones (the environment's replace the file's).
  const tokens = [...((f.token as string[] | undefined) ?? []), ...y.tokens];
  const maxSize = pick(f.maxSize, y.maxSize);
  const ttl = pick(f.ttl, y.ttl);
  const uploadMax = pick(f.uploadMax, y.uploadMax);
  const idle = pick(f.idleTimeout, y.idleTimeout);
  const minRate = pick(f.minUploadRate, y.minUploadRate);
  const grace = pick(f.uploadGrace, y.uploadGrace);
  const sweep = pick(f.sweepInterval, y.sweepInterval);
  const bufferMax = pick(f.verifyBufferMax, y.verifyBufferMax);
  const trustAbove = pick(f.trustVerifiedAbove, y.trustVerifiedAbove);
  return {
    storage,
    tokens,
    maxBytes: maxSize === undefined || maxSize === '0' || maxSize === 0 ? null : parseBytes(maxSize, '--max-size'),
    ttlMs: ttl === undefined ? null : parseDuration(ttl, '--ttl', { allowNone: true }),
    uploadMaxBytes: uploadMax === undefined ? DEFAULTS.uploadMaxBytes : parseBytes(uploadMax, '--upload-max'),
    signingKey: pick(f.signingKey, y.signingKey) ?? null,
    verify: {
      verify: f.verify === false ? false : y.verify,
      bufferMax: bufferMax === undefined ? DEFAULTS.bufferMax : parseBytes(bufferMax, '--verify-buffer-max'),
      trustVerifiedAbove: trustAbove === undefined ? DEFAULTS.trustVerifiedAbove : parseBytes(trustAbove, '--trust-verified-above'),
    },
    idleTimeoutMs: idle === undefined ? DEFAULTS.idleTimeoutMs : (parseDuration(idle, '--idle-timeout', { allowNone: true }) ?? 0),
    minUploadBytesPerSec: minRate === undefined ? DEFAULTS.minUploadBytesPerSec : parseBytes(minRate, '--min-upload-rate'),
    uploadGraceMs: grace === undefined ? DEFAULTS.uploadGraceMs : (parseDuration(grace, '--upload-grace', { allowNone: true }) ?? 0),
    sweepIntervalMs: sweep === undefined ? DEFAULTS.sweepIntervalMs : (parseDuration(sweep, '--sweep-interval', { allowNone: true }) ?? 0),
    open: y.open,
  };
}
