// One schema for every setting (DESIGN.md "config.ts"): defaults < ci-intel.yml < environment <
// flags, validated once at start. The schemas are TypeBox, so the types below are derived from them
// (no interface, schema and defaults kept apart by hand). A setting's environment variable is named
// on its schema (`env`) and read here, by the loader, and nowhere else. Pillars add their own
// section (`mutation:`, `tests:` ...) through the registry's `config` entry, so ci-intel.yml is still
// checked against one schema. Keys are camelCase; the snake_case spelling of a key is still taken,
// with a warning that says the new spelling.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Type, type Static, type TSchema } from 'typebox';
import { parse as parseYaml } from 'yaml';
import { CiError } from './errors.js';

export const MiB = 1024 * 1024;

/**
 * Schema annotations the loader reads: `env` names the environment variable(s) of a setting (the
 * first one set wins); `envSplit: 'whitespace'` splits a list on blanks and commas (else commas).
 */
export interface SettingOptions {
  env?: string | string[];
  envSplit?: 'whitespace';
}

/** A setting's schema options: its description (docs/configuration.md), default and environment. */
export const setting = <T extends object>(o: T & SettingOptions & { description: string }): T & Record<PropertyKey, unknown> =>
  o as T & Record<PropertyKey, unknown>;

const Obj = <P extends Record<string, TSchema>>(properties: P, description: string) =>
  Type.Object(properties, { additionalProperties: false, default: {}, description });

const PiiPolicySchema = Type.Union([Type.Literal('redact'), Type.Literal('reject')]);

const CoreSchema = Type.Object(
  {
    dataDir: Type.String(setting({ minLength: 1, description: 'The data folder: embedded database, blobs, lock file.', env: 'CI_INTEL_DATA_DIR' })),
    db: Type.String(
      setting({
        minLength: 1,
        description: 'The store: a postgres:// URL, or a folder for the embedded database (default <dataDir>/db).',
        env: ['CI_INTEL_DB', 'DATABASE_URL'],
      }),
    ),
    blob: Obj(
      {
        kind: Type.Union(
          [Type.Literal('fs'), Type.Literal('s3')],
          setting({ default: 'fs', description: 'Where logs and reports are kept: fs or s3 (s3 when CI_INTEL_S3_BUCKET is set).' }),
        ),
        dir: Type.Optional(Type.String(setting({ description: 'fs: the folder (default <dataDir>/blobs).' }))),
        endpoint: Type.Optional(Type.String(setting({ description: 's3: endpoint URL of an S3-compatible store.', env: 'CI_INTEL_S3_ENDPOINT' }))),
        bucket: Type.Optional(Type.String(setting({ description: 's3: the bucket.', env: 'CI_INTEL_S3_BUCKET' }))),
        prefix: Type.Optional(Type.String(setting({ description: 's3: key prefix.', env: 'CI_INTEL_S3_PREFIX' }))),
        region: Type.Optional(
          Type.String(setting({ description: 's3: region; credentials come from the usual AWS variables.', env: ['CI_INTEL_S3_REGION', 'AWS_REGION'] })),
        ),
      },
      'Blob storage for logs and report files.',
    ),
    server: Obj(
      {
        host: Type.String(setting({ minLength: 1, default: '127.0.0.1', description: 'Address the hub listens on.', env: 'CI_INTEL_HOST' })),
        port: Type.Integer(
          setting({ minimum: 0, maximum: 65535, default: 8080, description: 'Port the hub listens on (0: any free port).', env: 'CI_INTEL_PORT' }),
        ),
        demo: Type.Boolean(setting({ default: false, description: 'Seed demo data at start.' })),
        publicUrl: Type.Optional(
          Type.String(setting({ description: 'The URL users reach the hub at (links in comments and issues).', env: 'CI_INTEL_PUBLIC_URL' })),
        ),
        minFreeBytes: Type.Integer(
          setting({
            minimum: 0,
            default: 256 * MiB,
            description: "Writes answer 503 when the data folder's disk has less free space than this (bytes).",
            env: 'CI_INTEL_MIN_FREE_BYTES',
          }),
        ),
      },
      'The hub server.',
    ),
    ingest: Obj(
      {
        maxLineBytes: Type.Integer(setting({ minimum: 1024, default: 16 * MiB, description: 'Largest single NDJSON line accepted (bytes).' })),
        maxBodyBytes: Type.Integer(setting({ minimum: 1024, default: 1024 * MiB, description: 'Largest request body after decompression (bytes).' })),
        batchSize: Type.Integer(setting({ minimum: 1, maximum: 100000, default: 1000, description: 'Records per database transaction.' })),
      },
      'Run record ingest.',
    ),
    redact: Obj(
      {
        banList: Type.Array(
          Type.String(),
          setting({
            default: [],
            description: 'Words always redacted (names, internal hosts), comma-separated in the environment.',
            env: 'CI_INTEL_PII_BAN_LIST',
          }),
        ),
        pii: Type.Array(
          Type.Union([
            Type.Object(
              {
                builtin: Type.Union([Type.Literal('email'), Type.Literal('phone'), Type.Literal('us-ssn'), Type.Literal('uk-ni'), Type.Literal('iban')]),
                policy: PiiPolicySchema,
              },
              { additionalProperties: false },
            ),
            Type.Object(
              {
                id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,39}$' }),
                regex: Type.String({ minLength: 1 }),
                keywords: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
                label: Type.Optional(Type.String({ minLength: 1 })),
                policy: PiiPolicySchema,
              },
              { additionalProperties: false },
            ),
          ]),
          setting({
            default: [],
            description:
              'PII patterns checked before anything is stored (records, logs, findings): a built-in ({builtin: email|phone|us-ssn|uk-ni|iban, policy}) or your own ({id, regex, keywords?, label?, policy}); policy redact replaces the match, reject refuses the record or log line that holds it. keywords: lower-case literals one of which every match contains (the regex runs only on text holding one). Your regex runs on RE2 (linear time whatever its shape): no lookarounds or backreferences.',
          }),
        ),
      },
      'Secret and PII redaction before anything is stored.',
    ),
    natsUrl: Type.Optional(Type.String(setting({ description: 'NATS JetStream server shared by several hubs (needs a PostgreSQL store).', env: 'NATS_URL' }))),
    natsStream: Type.String(
      setting({ pattern: '^[A-Za-z0-9_-]{1,64}$', default: 'CI_INTEL', description: 'The JetStream stream the hubs share.', env: 'CI_INTEL_NATS_STREAM' }),
    ),
    natsAckWaitMs: Type.Integer(
      setting({
        minimum: 1,
        default: 30_000,
        description: 'How long a delivered event may stay unacknowledged before JetStream redelivers it (ms).',
        env: 'CI_INTEL_NATS_ACK_WAIT_MS',
      }),
    ),
    logLevel: Type.Optional(
      Type.Union(
        ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
        setting({
          description: 'Log level of servers (JSON lines on stderr); default info for serve, warn for commands that open the store.',
          env: 'CI_INTEL_LOG_LEVEL',
        }),
      ),
    ),
    hub: Obj(
      {
        url: Type.Optional(Type.String(setting({ description: 'The hub agent commands upload to (--hub).', env: 'CI_INTEL_HUB' }))),
        token: Type.Optional(Type.String(setting({ description: 'The token agent commands upload with (--token).', env: 'CI_INTEL_TOKEN' }))),
      },
      'The hub an agent in a pipeline talks to.',
    ),
    github: Obj(
      {
        token: Type.Optional(
          Type.String(
            setting({ description: 'Token for GitHub API calls (issues, comments, backfill).', env: ['CI_INTEL_GITHUB_TOKEN', 'GITHUB_TOKEN', 'GH_TOKEN'] }),
          ),
        ),
        apiUrl: Type.String(
          setting({ default: 'https://api.github.com', description: 'GitHub API URL (GitHub Enterprise Server: https://HOST/api/v3).', env: 'GITHUB_API_URL' }),
        ),
        appId: Type.Optional(
          Type.String(
            setting({ description: 'GitHub App mode: the app id; the hub then acts as the installed app (installation tokens).', env: 'GITHUB_APP_ID' }),
          ),
        ),
        appPrivateKey: Type.Optional(
          Type.String(setting({ description: "GitHub App mode: the app's private key (PEM text).", env: 'GITHUB_APP_PRIVATE_KEY' })),
        ),
        appPrivateKeyFile: Type.Optional(
          Type.String(setting({ description: "GitHub App mode: path of the app's private key file (PEM).", env: 'GITHUB_APP_PRIVATE_KEY_FILE' })),
        ),
      },
      'GitHub API access.',
    ),
    gitlab: Obj(
      {
        token: Type.Optional(Type.String(setting({ description: 'Access token for GitLab API calls (read_api for backfill).', env: 'GITLAB_TOKEN' }))),
        url: Type.String(setting({ default: 'https://gitlab.com', description: 'GitLab instance URL.', env: ['GITLAB_URL', 'CI_SERVER_URL'] })),
      },
      'GitLab API access.',
    ),
    webhooks: Obj(
      {
        githubSecret: Type.Optional(Type.String(setting({ description: 'Secret GitHub signs webhook deliveries with.', env: 'GITHUB_WEBHOOK_SECRET' }))),
        gitlabToken: Type.Optional(Type.String(setting({ description: 'Token GitLab sends with webhook deliveries.', env: 'GITLAB_WEBHOOK_TOKEN' }))),
      },
      'Webhook receivers.',
    ),
    retention: Obj(
      {
        rawLogsDays: Type.Integer(setting({ minimum: 1, default: 30, description: 'Days raw job logs are kept.' })),
        recordsDays: Type.Integer(setting({ minimum: 1, default: 180, description: 'Days records and deliveries are kept as sent.' })),
        derivedDays: Type.Integer(setting({ minimum: 1, default: 400, description: 'Days rows derived from them are kept.' })),
      },
      'How long data is kept.',
    ),
    auth: Obj(
      {
        oidc: Obj(
          {
            preset: Type.Union(
              [Type.Literal('oidc'), Type.Literal('github')],
              setting({
                default: 'oidc',
                description:
                  'oidc: any OpenID Connect provider (discovery at <issuer>/.well-known/openid-configuration); github: GitHub OAuth (teams from /user/teams as org/team).',
                env: 'CI_INTEL_OIDC_PRESET',
              }),
            ),
            issuer: Type.Optional(
              Type.String(
                setting({
                  description: 'The provider: an OpenID Connect issuer URL (oidc), or the GitHub web URL (github; default https://github.com).',
                  env: 'CI_INTEL_OIDC_ISSUER',
                }),
              ),
            ),
            clientId: Type.Optional(
              Type.String(setting({ description: 'The client id registered at the provider; setting it turns sign-in on.', env: 'CI_INTEL_OIDC_CLIENT_ID' })),
            ),
            clientSecret: Type.Optional(
              Type.String(setting({ description: 'The client secret registered at the provider (never logged).', env: 'CI_INTEL_OIDC_CLIENT_SECRET' })),
            ),
            scopes: Type.Optional(
              Type.String(
                setting({
                  description: 'Scopes asked for, space-separated (default: openid email profile; github: read:user user:email read:org).',
                  env: 'CI_INTEL_OIDC_SCOPES',
                }),
              ),
            ),
            groupsClaim: Type.String(
              setting({ minLength: 1, default: 'groups', description: "The ID token claim listing the user's groups (matched against teams' groups)." }),
            ),
            sessionHours: Type.Integer(setting({ minimum: 1, maximum: 720, default: 12, description: 'How long a dashboard session lasts (hours).' })),
          },
          'Dashboard sign-in (OpenID Connect authorization code with PKCE); the redirect URI is <server.publicUrl>/auth/callback.',
        ),
        teams: Type.Array(
          Type.Object(
            {
              name: Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$', description: 'Team name (lower case).' }),
              repos: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'Repository patterns the team sees (org/app, org/*, group/**).' }),
              members: Type.Array(Type.String(), { default: [], description: 'Members by e-mail or subject (sub claim; github: login).' }),
              groups: Type.Array(Type.String(), { default: [], description: 'Provider groups whose members are in the team (github: org/team-slug).' }),
            },
            { additionalProperties: false },
          ),
          setting({
            default: [],
            description: 'Teams: who sees which repositories once signed in. More teams can be managed through the admin API (/api/v1/teams).',
          }),
        ),
      },
      'Dashboard sign-in and teams.',
    ),
    badges: Obj(
      {
        publicRepos: Type.Array(
          Type.String(),
          setting({
            default: [],
            description:
              'Repositories whose badges (/badge/OWNER/REPO/METRIC.svg) anyone may fetch without a token: repo patterns such as acme/app, acme/* or group/**. Other badges need a read token.',
            env: 'CI_INTEL_PUBLIC_BADGES',
          }),
        ),
      },
      'README status badges.',
    ),
  },
  { additionalProperties: false },
);

export type CoreConfig = Static<typeof CoreSchema>;
export type BlobConfig = CoreConfig['blob'];

export interface Config extends CoreConfig {
  /** Pillar sections from ci-intel.yml, validated and defaulted by each pillar's schema (read them with `sectionOf`). */
  pillars: Record<string, Record<string, unknown>>;
}

/** A pillar's section of ci-intel.yml: its top-level key and its schema (with defaults). */
export interface ConfigSection<S extends TSchema = TSchema> {
  key: string;
  schema: S;
}

/** Declares a pillar's section; its settings' type is `Static<typeof schema>`. */
export function configSection<S extends TSchema>(key: string, schema: S): ConfigSection<S> {
  return { key, schema };
}

/**
 * A pillar's section with its defaults filled in: the loader has checked it already, but a
 * configuration built in code (tests, benches) may give part of a section or none.
 */
export function sectionOf<S extends TSchema>(config: Pick<Config, 'pillars'>, section: ConfigSection<S>): Static<S> {
  const value = config.pillars?.[section.key];
  if (!value) return defaultsOf(section.schema);
  // Routes read their section per request: a section object is checked once.
  if (checked.has(value)) return value as Static<S>;
  const v = validator(section.schema);
  if (!v(value))
    throw new CiError('E_CONFIG_INVALID', `${section.key}${pointerOf(v.errors![0]!)} ${v.errors![0]!.message ?? 'is invalid'}`, { where: `/${section.key}` });
  checked.add(value);
  return value as Static<S>;
}

/** Section objects already validated and defaulted (by the loader or a first `sectionOf`). */
const checked = new WeakSet<object>();

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export interface ConfigSources {
  /** Values from command-line flags (already typed by the CLI). */
  flags?: DeepPartial<Config>;
  env?: NodeJS.ProcessEnv;
  /** Path of ci-intel.yml; default `./ci-intel.yml` when it exists (or CI_INTEL_CONFIG). */
  file?: string;
  cwd?: string;
  /** Sections pillars declare (registry `config`). */
  sections?: ConfigSection[];
  /** Where deprecation warnings go (old key spellings); default: nowhere. */
  warn?: (message: string) => void;
}

type Doc = Record<string, unknown>;
type Schema = Record<string, unknown>;
/** A TypeBox schema is a JSON Schema object: walked as one. */
const plain = (s: TSchema) => s as unknown as Schema;

function isPlainObject(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: Doc, over: Doc | undefined): Doc {
  if (!over) return base;
  const out: Doc = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? merge(out[k] as Doc, v) : v;
  }
  return out;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();
function validator(schema: TSchema): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) compiled.set(schema, (v = ajv.compile(schema)));
  return v;
}

/** The value a schema's defaults give an empty section. */
export function defaultsOf<S extends TSchema>(schema: S): Static<S> {
  const value: Doc = {};
  validator(schema)(value);
  return value as Static<S>;
}

const properties = (schema: Schema): Record<string, Schema> | undefined => schema.properties as Record<string, Schema> | undefined;

const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Renames snake_case keys the schema knows in camelCase (`flake_budgets` -> `flakeBudgets`), at
 * every level that lists its properties (never inside free maps such as suite types), warning once
 * per key with its place.
 */
function renameOldKeys(doc: Doc, schema: Schema, where: string, warn: (m: string) => void): Doc {
  const props = properties(schema);
  if (!props) return doc;
  const out: Doc = {};
  for (const [k, v] of Object.entries(doc)) {
    let key = k;
    if (!(k in props) && k.includes('_') && camel(k) in props) {
      key = camel(k);
      warn(`${where}/${k}: the setting is now spelled ${key}; the old spelling still works for now`);
    }
    const sub = props[key];
    out[key] = sub && isPlainObject(v) ? renameOldKeys(v, sub, `${where}/${key}`, warn) : v;
  }
  return out;
}

function envValue(schema: Schema, name: string, raw: string): unknown {
  const where = `environment ${name}`;
  const bad = (what: string) =>
    new CiError('E_CONFIG_INVALID', `${name}=${JSON.stringify(raw)} is not ${what}`, { where, hint: `set ${name} to ${what} or unset it` });
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || (schema.type === 'integer' && !Number.isInteger(n)))
        throw bad(schema.type === 'integer' ? 'an integer' : 'a number');
      return n;
    }
    case 'boolean':
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      throw bad('true or false');
    case 'array':
      return raw
        .split(schema.envSplit === 'whitespace' ? /[\s,]+/ : ',')
        .map((s) => s.trim())
        .filter(Boolean);
    default:
      return raw;
  }
}

/** The settings the environment gives, in the shape of the schema (unset and empty variables give none). */
function fromEnv(schema: Schema, env: NodeJS.ProcessEnv): Doc {
  const out: Doc = {};
  for (const [key, sub] of Object.entries(properties(schema) ?? {})) {
    const names = sub.env === undefined ? [] : ([] as string[]).concat(sub.env as string | string[]);
    const name = names.find((n) => env[n] !== undefined && env[n] !== '');
    if (name) out[key] = envValue(sub, name, env[name]!);
    else if (properties(sub)) {
      const inner = fromEnv(sub, env);
      if (Object.keys(inner).length) out[key] = inner;
    }
  }
  return out;
}

/** Every environment variable a schema reads, with the setting's path: for docs and tests. */
export function envVariables(schema: TSchema, prefix = ''): Array<{ path: string; env: string[] }> {
  return Object.entries(properties(plain(schema)) ?? {}).flatMap(([key, sub]) => {
    const p = prefix ? `${prefix}.${key}` : key;
    const own = sub.env === undefined ? [] : [{ path: p, env: ([] as string[]).concat(sub.env as string | string[]) }];
    return [...own, ...envVariables(sub as TSchema, p)];
  });
}

function readConfigFile(file: string): Doc {
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
const CORE_KEYS = new Set(Object.keys(CoreSchema.properties));

/** The core schema, for docs/configuration.md. */
export const coreConfigSchema: TSchema = CoreSchema;

export function defaultConfig(cwd = process.cwd()): Config {
  const dataDir = path.resolve(cwd, '.ci-intel');
  return { ...defaultsOf(CoreSchema), dataDir, db: path.join(dataDir, 'db'), pillars: {} };
}

function pointerOf(e: ErrorObject): string {
  return e.keyword === 'additionalProperties' ? `${e.instancePath}/${String(e.params.additionalProperty)}` : e.instancePath;
}

/** Loads, merges and validates the configuration. Throws E_CONFIG_INVALID naming the source. */
export function loadConfig(src: ConfigSources = {}): Config {
  const cwd = src.cwd ?? process.cwd();
  const env = src.env ?? process.env;
  const warn = src.warn ?? (() => {});
  const fileName = src.file ?? env.CI_INTEL_CONFIG ?? (existsSync(path.join(cwd, 'ci-intel.yml')) ? 'ci-intel.yml' : undefined);
  const filePath = fileName ? path.resolve(cwd, fileName) : undefined;
  const fileDoc = filePath ? readConfigFile(filePath) : {};

  // Split the file into core keys and pillar sections.
  const sections = new Map((src.sections ?? []).map((s) => [s.key, s]));
  let fileCore: Doc = {};
  const filePillars: Record<string, Doc> = {};
  for (const [k, v] of Object.entries(fileDoc)) {
    if (CORE_KEYS.has(k)) fileCore[k] = v;
    else if (sections.has(k)) {
      if (!isPlainObject(v)) throw new CiError('E_CONFIG_INVALID', `section ${k} must be a mapping`, { where: `${filePath}: /${k}` });
      filePillars[k] = renameOldKeys(v, plain(sections.get(k)!.schema), `${filePath}: /${k}`, warn);
    } else {
      const known = [...CORE_KEYS, ...sections.keys()].sort();
      throw new CiError('E_CONFIG_INVALID', `unknown key ${JSON.stringify(k)}`, {
        where: `${filePath}: /${k}`,
        hint: `known keys: ${known.join(', ')}`,
      });
    }
  }
  fileCore = renameOldKeys(fileCore, plain(CoreSchema), `${filePath}:`, warn);

  const envCore = fromEnv(plain(CoreSchema), env);
  // An S3 bucket in the environment means blobs go to S3.
  if (isPlainObject(envCore.blob) && envCore.blob.bucket !== undefined) envCore.blob.kind = 's3';
  let merged = merge(merge(fileCore, envCore), src.flags as Doc | undefined);
  merged = { dataDir: '.ci-intel', ...merged };
  // Relative paths are relative to the working directory; the db follows the data folder unless set.
  merged.dataDir = path.resolve(cwd, String(merged.dataDir));
  if (merged.db === undefined) merged.db = path.join(String(merged.dataDir), 'db');
  else if (!isPostgresUrl(String(merged.db))) merged.db = path.resolve(cwd, String(merged.db));

  const validate = validator(CoreSchema);
  if (!validate(merged)) {
    const e = validate.errors![0]!;
    throw new CiError('E_CONFIG_INVALID', `setting ${pointerOf(e) || '/'} ${e.message ?? 'is invalid'}`, {
      where: filePath ?? 'flags/environment',
      hint: 'docs/configuration.md lists every setting',
    });
  }

  const pillars: Record<string, Doc> = {};
  for (const [key, section] of sections) {
    const value = merge(structuredClone(filePillars[key] ?? {}), fromEnv(plain(section.schema), env));
    const v = validator(section.schema);
    if (!v(value)) {
      const e = v.errors![0]!;
      const ptr = pointerOf(e);
      throw new CiError('E_CONFIG_INVALID', `${key}${ptr} ${e.message ?? 'is invalid'}`, {
        where: `${filePath ?? 'ci-intel.yml'}: /${key}${ptr}`,
        hint: 'docs/configuration.md lists every setting',
      });
    }
    checked.add(value);
    pillars[key] = value;
  }
  return { ...(merged as CoreConfig), pillars };
}

/** Does the environment name a store (CI_INTEL_DB, DATABASE_URL)? Commands that work offline or on a store decide by it. */
export function storeConfigured(env: NodeJS.ProcessEnv): boolean {
  return envVariables(CoreSchema)
    .filter((v) => v.path === 'db')
    .some((v) => v.env.some((n) => Boolean(env[n])));
}

export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}
