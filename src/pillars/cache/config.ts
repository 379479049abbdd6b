// The `cache:` section of ci-intel.yml, its own module so that reading the configuration never
// loads the cache's storage code (the light CLI and the bundled Action read every section).
import { Type, type Static } from 'typebox';
import { configSection, setting } from '../../core/config.js';

const size = (description: string, env: string) => Type.Optional(Type.Union([Type.String(), Type.Integer({ minimum: 0 })], setting({ description, env })));
const duration = (description: string, env: string) => Type.Optional(Type.String(setting({ description, env })));

export const cacheConfigSection = configSection(
  'cache',
  Type.Object(
    {
      storage: Type.Optional(
        Type.String(
          setting({
            minLength: 1,
            description: 'Where blobs, manifests and events live: a folder or s3://bucket/prefix (default <dataDir>/cache).',
            env: 'CI_INTEL_CACHE_STORAGE',
          }),
        ),
      ),
      s3Endpoint: Type.Optional(Type.String(setting({ description: 'S3-compatible endpoint for s3:// storage.', env: 'CI_INTEL_CACHE_S3_ENDPOINT' }))),
      port: Type.Integer(
        setting({ minimum: 0, maximum: 65535, default: 8090, description: 'Port of `ci-intel cache serve` (0: any free port).', env: 'CI_INTEL_CACHE_PORT' }),
      ),
      tokens: Type.Array(
        Type.String({ minLength: 1 }),
        setting({
          default: [],
          description: 'Tokens for every namespace (T) or one (ns=T); blank- or comma-separated in the environment.',
          env: 'CI_INTEL_CACHE_TOKENS',
          envSplit: 'whitespace',
        }),
      ),
      maxSize: size('Size cap over unique blobs, LRU eviction above it, e.g. 50GiB (0: none).', 'CI_INTEL_CACHE_MAX_SIZE'),
      ttl: duration('Evict entries not hit for this long, e.g. 14d.', 'CI_INTEL_CACHE_TTL'),
      uploadMax: size('Largest upload accepted (413 above), default 5GiB.', 'CI_INTEL_CACHE_UPLOAD_MAX'),
      signingKey: Type.Optional(
        Type.String(
          setting({
            description: 'ed25519 PEM file: a private key signs new manifests and verifies; a public key only verifies.',
            env: 'CI_INTEL_CACHE_SIGNING_KEY',
          }),
        ),
      ),
      verify: Type.Boolean(
        setting({
          default: true,
          description: 'Hash blobs before serving them (off only for benchmarks: a corrupt blob is then served).',
          env: 'CI_INTEL_CACHE_VERIFY',
        }),
      ),
      verifyBufferMax: size('Blobs up to this size are hashed in memory before the first byte is sent, default 1MiB.', 'CI_INTEL_CACHE_VERIFY_BUFFER_MAX'),
      trustVerifiedAbove: size(
        'Blobs this large are re-hashed only when their file changed since the last full hash, default 64MiB.',
        'CI_INTEL_CACHE_TRUST_VERIFIED_ABOVE',
      ),
      idleTimeout: duration('Close connections idle this long, default 30s.', 'CI_INTEL_CACHE_IDLE_TIMEOUT'),
      minUploadRate: size('Drop uploads slower than this per second after uploadGrace, default 16KiB.', 'CI_INTEL_CACHE_MIN_UPLOAD_RATE'),
      uploadGrace: duration('How long an upload may run before the minimum rate applies, default 30s.', 'CI_INTEL_CACHE_UPLOAD_GRACE'),
      sweepInterval: duration('How often TTL and size cap are applied, default 5m.', 'CI_INTEL_CACHE_SWEEP_INTERVAL'),
      open: Type.Boolean(
        setting({
          default: false,
          description: 'Inside the hub, serve the cache without cache tokens (an open cache can be poisoned).',
          env: 'CI_INTEL_CACHE_OPEN',
        }),
      ),
    },
    { additionalProperties: false },
  ),
);

export type CacheSection = Static<typeof cacheConfigSection.schema>;
