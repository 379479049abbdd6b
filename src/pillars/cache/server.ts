// Assembles a cache server: storage, signer, tokens, event sinks and the Sentinel; registers the
// four protocols on a Fastify instance (the hub's, or the standalone `ci-intel cache serve` app).
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { installErrorHandler } from '../../core/http/errors.js';
import { rawBodyParsers } from '../../core/http/index.js';
import { CacheTokens } from './auth.js';
import { Sentinel } from './cas.js';
import { JournalSink, TeeSink, type EventSink } from './events.js';
import { ManifestSigner } from './manifest.js';
import { CacheCounters, registerCacheMetrics } from './prometheus.js';
import { bazelRoutes } from './protocols/bazel.js';
import { ccacheRoutes } from './protocols/ccache.js';
import type { CacheServer } from './protocols/common.js';
import { gradleRoutes } from './protocols/gradle.js';
import { turboRoutes } from './protocols/turbo.js';
import type { CacheSettings } from './settings.js';
import { openBackend } from './storage/index.js';

export interface OpenOptions {
  now?: () => Date;
  log?: Logger | null;
  /** Extra event sinks (the hub's cache_events table). */
  sinks?: EventSink[];
  counters?: CacheCounters;
}

export async function openCacheServer(settings: CacheSettings, opts: OpenOptions = {}): Promise<CacheServer> {
  const backend = await openBackend(settings.storage);
  const signer = settings.signingKey ? ManifestSigner.fromFile(settings.signingKey) : null;
  const counters = opts.counters ?? new CacheCounters();
  const sink = new TeeSink([new JournalSink(backend, opts.log ?? null), ...(opts.sinks ?? [])]);
  const sentinel = new Sentinel({
    backend,
    sink,
    counters,
    now: opts.now ?? (() => new Date()),
    log: opts.log ?? null,
    signer,
    verify: settings.verify,
    maxBytes: settings.maxBytes,
    ttlMs: settings.ttlMs,
    uploadMaxBytes: settings.uploadMaxBytes,
    minUploadBytesPerSec: settings.minUploadBytesPerSec,
    uploadGraceMs: settings.uploadGraceMs,
    touchEveryMs: backend.kind === 's3' ? 3_600_000 : 60_000,
  });
  return { sentinel, tokens: new CacheTokens(settings.tokens), settings, counters };
}

/** The protocol routes, in an encapsulated context whose bodies stay raw streams. */
export async function registerCacheRoutes(app: FastifyInstance, s: CacheServer): Promise<void> {
  await app.register(async (scoped) => {
    rawBodyParsers(scoped);
    // Slow-client guard: a connection with no bytes moving for idleTimeoutMs is closed.
    if (s.settings.idleTimeoutMs > 0) {
      scoped.addHook('onRequest', async (req) => {
        const sock = req.raw.socket as { setTimeout?: (ms: number) => void } | undefined;
        if (typeof sock?.setTimeout === 'function') sock.setTimeout(s.settings.idleTimeoutMs); // inject() has no real socket
      });
    }
    // A refused upload closes the connection: the client stops sending instead of the server
    // draining a body it will not store (a 5 GB PUT refused with 401, 413 or 400).
    scoped.addHook('onSend', async (req, reply) => {
      if (req.method === 'PUT' && reply.statusCode >= 400) reply.header('connection', 'close');
    });
    turboRoutes(scoped, s);
    bazelRoutes(scoped, s);
    gradleRoutes(scoped, s);
    ccacheRoutes(scoped, s);
  });
}

/** The standalone server (`ci-intel cache serve`): the protocols, /metrics and /healthz. */
export async function createCacheApp(
  s: CacheServer,
  opts: { logger?: boolean | object; registry?: Registry; now?: () => number } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    // Socket idle timeout; whole-request time is not capped (a 2 GB upload may take minutes),
    // slow bodies are caught by the minimum upload rate (stage.ts).
    connectionTimeout: s.settings.idleTimeoutMs,
    requestTimeout: 0,
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
  });
  installErrorHandler(app);
  const registry = opts.registry ?? new Registry();
  registerCacheMetrics(registry, () => s.counters, opts.now);
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  app.get('/healthz', async () => ({ ok: true, storage: s.sentinel.backend.location }));
  await registerCacheRoutes(app, s);
  app.addHook('onClose', async () => s.sentinel.close());
  await app.ready();
  return app;
}
