// One schema for every setting (DESIGN.md "config.ts"): defaults < ci-intel.yml < environment <
// flags, validated once at start. Pillars add their own section (`mutation:`, `tests:` ...) through
// the registry's `config` entry, so ci-intel.yml is still checked against one schema.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { CiError } from './errors.js';

export interface BlobConfig {
  kind: 'fs' | 's3';
  /** fs: the folder; default `<dataDir>/blobs`. */
  dir?: string;
  /** s3: endpoint URL (S3-compatible), bucket, key prefix, region; credentials from the AWS env. */
  endpoint?: string;
  bucket?: string;
  prefix?: string;
  region?: string;
}

export interface Config {
  /** The data folder: PGlite database, blobs, lock file. */
  dataDir: string;
  /** `pglite:<path>`-style path, or a postgres:// URL. */
  db: string;
  blob: BlobConfig;
  server: {
    host: string;
    port: number;
    demo: boolean;
    publicUrl?: string;
    /** Uploads and ingest answer 503 when the data folder's disk has less free space than this (bytes). */
    minFreeBytes: number;
  };
  ingest: {
    /** Largest single NDJSON line accepted (bytes). */
    maxLineBytes: number;
    /** Largest request body after decompression (bytes). */
    maxBodyBytes: number;
    /** Records per database transaction. */
    batchSize: number;
  };
  redact: { banList: string[] };
  natsUrl?: string;
  webhooks: { githubSecret?: string; gitlabToken?: string };
  retention: { rawLogsDays: number; recordsDays: number; derivedDays: number };
  /** Pillar sections from ci-intel.yml, validated by each pillar's schema. */
  pillars: Record<string, Record<string, unknown>>;
}

export interface ConfigSection {
  /** Top-level key in ci-intel.yml. */
  key: string;
  /** JSON Schema (draft-07 subset Ajv understands) of that section, with defaults. */
  schema: Record<string, unknown>;
}

export const MiB = 1024 * 1024;

const coreSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    dataDir: { type: 'string', minLength: 1 },
    db: { type: 'string', minLength: 1 },
    blob: {
      type: 'object',
      additionalProperties: false,
      required: ['kind'],
      properties: {
        kind: { enum: ['fs', 's3'] },
        dir: { type: 'string' },
        endpoint: { type: 'string' },
        bucket: { type: 'string' },
        prefix: { type: 'string' },
        region: { type: 'string' },
      },
    },
    server: {
      type: 'object',
      additionalProperties: false,
      properties: {
        host: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        demo: { type: 'boolean' },
        publicUrl: { type: 'string' },
        minFreeBytes: { type: 'integer', minimum: 0 },
      },
    },
    ingest: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxLineBytes: { type: 'integer', minimum: 1024 },
        maxBodyBytes: { type: 'integer', minimum: 1024 },
        batchSize: { type: 'integer', minimum: 1, maximum: 100000 },
      },
    },
    redact: {
      type: 'object',
      additionalProperties: false,
      properties: { banList: { type: 'array', items: { type: 'string' } } },
    },
    natsUrl: { type: 'string' },
    webhooks: {
      type: 'object',
      additionalProperties: false,
      properties: { githubSecret: { type: 'string' }, gitlabToken: { type: 'string' } },
    },
    retention: {
      type: 'object',
      additionalProperties: false,
      properties: {
        rawLogsDays: { type: 'integer', minimum: 1 },
        recordsDays: { type: 'integer', minimum: 1 },
        derivedDays: { type: 'integer', minimum: 1 },
      },
    },
    pillars: { type: 'object' },
  },
} as const;

export interface ConfigSources {
  /** Values from command-line flags (already typed by the CLI). */
  flags?: DeepPartial<Config>;
  env?: NodeJS.ProcessEnv;
  /** Path of ci-intel.yml; default `./ci-intel.yml` when it exists (or CI_INTEL_CONFIG). */
  file?: string;
  cwd?: string;
  /** Sections pillars declare (registry `config`). */
  sections?: ConfigSection[];
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: Record<string, unknown>, over: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!over) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? merge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n))
    throw new CiError('E_CONFIG_INVALID', `${name}=${JSON.stringify(v)} is not an integer`, {
      where: `environment ${name}`,
      hint: `set ${name} to a whole number or unset it`,
    });
  return n;
}

function fromEnv(env: NodeJS.ProcessEnv): DeepPartial<Config> {
  const s3 = env.CI_INTEL_S3_BUCKET
    ? {
        kind: 's3' as const,
        bucket: env.CI_INTEL_S3_BUCKET,
        endpoint: env.CI_INTEL_S3_ENDPOINT,
        prefix: env.CI_INTEL_S3_PREFIX,
        region: env.CI_INTEL_S3_REGION ?? env.AWS_REGION,
      }
    : undefined;
  return {
    dataDir: env.CI_INTEL_DATA_DIR || undefined,
    db: env.CI_INTEL_DB || env.DATABASE_URL || undefined,
    blob: s3,
    server: {
      host: env.CI_INTEL_HOST || undefined,
      port: envInt(env, 'CI_INTEL_PORT'),
      publicUrl: env.CI_INTEL_PUBLIC_URL || undefined,
      minFreeBytes: envInt(env, 'CI_INTEL_MIN_FREE_BYTES'),
    },
    natsUrl: env.NATS_URL || undefined,
    webhooks: {
      githubSecret: env.GITHUB_WEBHOOK_SECRET || undefined,
      gitlabToken: env.GITLAB_WEBHOOK_TOKEN || undefined,
    },
    redact: env.CI_INTEL_PII_BAN_LIST
      ? {
          banList: env.CI_INTEL_PII_BAN_LIST.split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        }
      : undefined,
  };
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CiError('E_CONFIG_INVALID', `cannot read ${file}: ${(e as Error).message}`, { where: file, cause: e });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new CiError('E_CONFIG_INVALID', `invalid YAML: ${(e as Error).message}`, {
      where: file,
      hint: 'fix the YAML syntax (see the line and column above)',
    });
  }
  if (doc === null || doc === undefined) return {};
  if (!isPlainObject(doc)) throw new CiError('E_CONFIG_INVALID', 'the file must be a YAML mapping', { where: file });
  return doc;
}

/** Keys of ci-intel.yml that belong to core; everything else must be a declared pillar section. */
const CORE_KEYS = new Set(Object.keys(coreSchema.properties));

export function defaultConfig(cwd = process.cwd()): Config {
  const dataDir = path.resolve(cwd, '.ci-intel');
  return {
    dataDir,
    db: path.join(dataDir, 'db'),
    blob: { kind: 'fs' },
    server: { host: '127.0.0.1', port: 8080, demo: false, minFreeBytes: 256 * MiB },
    ingest: { maxLineBytes: 16 * MiB, maxBodyBytes: 1024 * MiB, batchSize: 1000 },
    redact: { banList: [] },
    webhooks: {},
    retention: { rawLogsDays: 30, recordsDays: 180, derivedDays: 400 },
    pillars: {},
  };
}

/** Loads, merges and validates the configuration. Throws E_CONFIG_INVALID naming the source. */
export function loadConfig(src: ConfigSources = {}): Config {
  const cwd = src.cwd ?? process.cwd();
  const env = src.env ?? process.env;
  const base = defaultConfig(cwd) as unknown as Record<string, unknown>;
  const fileName = src.file ?? env.CI_INTEL_CONFIG ?? (existsSync(path.join(cwd, 'ci-intel.yml')) ? 'ci-intel.yml' : undefined);
  const filePath = fileName ? path.resolve(cwd, fileName) : undefined;
  const fileDoc = filePath ? readConfigFile(filePath) : {};

  // Split the file into core keys and pillar sections.
  const sections = new Map((src.sections ?? []).map((s) => [s.key, s]));
  const fileCore: Record<string, unknown> = {};
  const filePillars: Record<string, Record<string, unknown>> = {};
  for (const [k, v] of Object.entries(fileDoc)) {
    if (CORE_KEYS.has(k) && k !== 'pillars') fileCore[k] = v;
    else if (sections.has(k)) {
      if (!isPlainObject(v)) throw new CiError('E_CONFIG_INVALID', `section ${k} must be a mapping`, { where: `${filePath}: /${k}` });
      filePillars[k] = v;
    } else {
      const known = [...CORE_KEYS]
        .filter((x) => x !== 'pillars')
        .concat([...sections.keys()])
        .sort();
      throw new CiError('E_CONFIG_INVALID', `unknown key ${JSON.stringify(k)}`, {
        where: `${filePath}: /${k}`,
        hint: `known keys: ${known.join(', ')}`,
      });
    }
  }

  let merged = merge(base, fileCore);
  merged = merge(merged, fromEnv(env) as Record<string, unknown>);
  merged = merge(merged, (src.flags ?? {}) as Record<string, unknown>);
  // Relative paths are relative to the working directory; the db follows the data folder unless set.
  merged.dataDir = path.resolve(cwd, String(merged.dataDir));
  const dbSet = fileCore.db ?? fromEnv(env).db ?? src.flags?.db;
  if (!dbSet) merged.db = path.join(String(merged.dataDir), 'db');
  else if (!/^postgres(ql)?:\/\//.test(String(merged.db))) merged.db = path.resolve(cwd, String(merged.db));

  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
  const validate = ajv.compile(coreSchema);
  if (!validate(merged)) {
    const e = validate.errors![0]!;
    const ptr = e.keyword === 'additionalProperties' ? `${e.instancePath}/${String(e.params.additionalProperty)}` : e.instancePath;
    throw new CiError('E_CONFIG_INVALID', `setting ${ptr || '/'} ${e.message ?? 'is invalid'}`, {
      where: filePath ?? 'flags/environment',
      hint: 'see docs/configuration in the README for every setting',
    });
  }

  const pillars: Record<string, Record<string, unknown>> = {};
  for (const [key, section] of sections) {
    const value = structuredClone(filePillars[key] ?? {});
    const v = ajv.compile(section.schema);
    if (!v(value)) {
      const e = v.errors![0]!;
      const ptr = e.keyword === 'additionalProperties' ? `${e.instancePath}/${String(e.params.additionalProperty)}` : e.instancePath;
      throw new CiError('E_CONFIG_INVALID', `${key}${ptr} ${e.message ?? 'is invalid'}`, {
        where: `${filePath ?? 'ci-intel.yml'}: /${key}${ptr}`,
      });
    }
    pillars[key] = value;
  }
  merged.pillars = pillars;
  return merged as unknown as Config;
}

export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}
