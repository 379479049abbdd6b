// The cache's settings: flags > environment > the `cache:` section of ci-intel.yml > defaults.
import path from 'node:path';
import type { ConfigSection } from '../../core/config.js';
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

export const cacheConfigSection: ConfigSection = {
  key: 'cache',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      storage: { type: 'string', minLength: 1 },
      s3Endpoint: { type: 'string' },
      tokens: { type: 'array', items: { type: 'string', minLength: 1 } },
      maxSize: { type: ['string', 'integer'] },
      ttl: { type: 'string' },
      uploadMax: { type: ['string', 'integer'] },
      signingKey: { type: 'string' },
      verify: { type: 'boolean' },
      verifyBufferMax: { type: ['string', 'integer'] },
      trustVerifiedAbove: { type: ['string', 'integer'] },
      idleTimeout: { type: 'string' },
      minUploadRate: { type: ['string', 'integer'] },
      uploadGrace: { type: 'string' },
      sweepInterval: { type: 'string' },
      open: { type: 'boolean' },
    },
  },
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
  /** Parsed CLI flags (commander camelCase). */
  flags: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  /** The `cache:` section of ci-intel.yml (already schema-checked). */
  section: Record<string, unknown>;
  /** Default storage folder when nothing names one. */
  defaultDir: string;
  cwd?: string;
}

const splitList = (s: string) => s.split(/[\s,]+/).filter(Boolean);

export function resolveSettings(inp: SettingsInput): CacheSettings {
  const { flags: f, env, section: y } = inp;
  const pick = <T>(flag: unknown, envName: string, yml: unknown): T | undefined =>
    (flag !== undefined ? flag : env[envName] !== undefined && env[envName] !== '' ? env[envName] : yml) as T | undefined;

  const storageRaw = pick<string>(f.storage, 'CI_INTEL_CACHE_STORAGE', y.storage) ?? inp.defaultDir;
  const endpoint = pick<string>(f.s3Endpoint, 'CI_INTEL_CACHE_S3_ENDPOINT', y.s3Endpoint);
  const storage = parseStorage(storageRaw, { endpoint, cwd: inp.cwd });
  if (storage.kind === 'fs' && !path.isAbsolute(storage.dir!)) storage.dir = path.resolve(inp.cwd ?? process.cwd(), storage.dir!);

  const tokens = [
    ...((f.token as string[] | undefined) ?? []),
    ...(env.CI_INTEL_CACHE_TOKENS ? splitList(env.CI_INTEL_CACHE_TOKENS) : []),
    ...(f.token || env.CI_INTEL_CACHE_TOKENS ? [] : ((y.tokens as string[] | undefined) ?? [])),
  ];
  const maxSize = pick<string | number>(f.maxSize, 'CI_INTEL_CACHE_MAX_SIZE', y.maxSize);
  const ttl = pick<string>(f.ttl, 'CI_INTEL_CACHE_TTL', y.ttl);
  const uploadMax = pick<string | number>(f.uploadMax, 'CI_INTEL_CACHE_UPLOAD_MAX', y.uploadMax);
  const verifyRaw = pick<string | boolean>(f.verify, 'CI_INTEL_CACHE_VERIFY', y.verify);
  const verify = verifyRaw === undefined ? true : !(verifyRaw === false || /^(0|off|false|no)$/i.test(String(verifyRaw)));
  const idle = pick<string>(f.idleTimeout, 'CI_INTEL_CACHE_IDLE_TIMEOUT', y.idleTimeout);
  const minRate = pick<string | number>(f.minUploadRate, 'CI_INTEL_CACHE_MIN_UPLOAD_RATE', y.minUploadRate);
  const grace = pick<string>(f.uploadGrace, 'CI_INTEL_CACHE_UPLOAD_GRACE', y.uploadGrace);
  const sweep = pick<string>(f.sweepInterval, 'CI_INTEL_CACHE_SWEEP_INTERVAL', y.sweepInterval);
  const openRaw = pick<string | boolean>(undefined, 'CI_INTEL_CACHE_OPEN', y.open);
  const bufferMax = pick<string | number>(f.verifyBufferMax, 'CI_INTEL_CACHE_VERIFY_BUFFER_MAX', y.verifyBufferMax);
  const trustAbove = pick<string | number>(f.trustVerifiedAbove, 'CI_INTEL_CACHE_TRUST_VERIFIED_ABOVE', y.trustVerifiedAbove);
  return {
    storage,
    tokens,
    maxBytes: maxSize === undefined || maxSize === '0' || maxSize === 0 ? null : parseBytes(maxSize, '--max-size'),
    ttlMs: ttl === undefined ? null : parseDuration(ttl, '--ttl', { allowNone: true }),
    uploadMaxBytes: uploadMax === undefined ? DEFAULTS.uploadMaxBytes : parseBytes(uploadMax, '--upload-max'),
    signingKey: pick<string>(f.signingKey, 'CI_INTEL_CACHE_SIGNING_KEY', y.signingKey) ?? null,
    verify: {
      verify,
      bufferMax: bufferMax === undefined ? DEFAULTS.bufferMax : parseBytes(bufferMax, '--verify-buffer-max'),
      trustVerifiedAbove: trustAbove === undefined ? DEFAULTS.trustVerifiedAbove : parseBytes(trustAbove, '--trust-verified-above'),
    },
    idleTimeoutMs: idle === undefined ? DEFAULTS.idleTimeoutMs : (parseDuration(idle, '--idle-timeout', { allowNone: true }) ?? 0),
    minUploadBytesPerSec: minRate === undefined ? DEFAULTS.minUploadBytesPerSec : parseBytes(minRate, '--min-upload-rate'),
    uploadGraceMs: grace === undefined ? DEFAULTS.uploadGraceMs : (parseDuration(grace, '--upload-grace', { allowNone: true }) ?? 0),
    sweepIntervalMs: sweep === undefined ? DEFAULTS.sweepIntervalMs : (parseDuration(sweep, '--sweep-interval', { allowNone: true }) ?? 0),
    open: openRaw === true || /^(1|on|true|yes)$/i.test(String(openRaw ?? '')),
  };
}
