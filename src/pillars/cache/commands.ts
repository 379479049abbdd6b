// `ci-intel cache serve|scrub|stats|sweep` (issue 7 "Running it"). serve runs the cache alone
// (manifests and events in its storage folder); scrub, stats and sweep work on the same storage
// offline, whether a server is running on it or not.
import path from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { collect, examples, jsonLine, numberOption } from '../../core/cli.js';
import { CiError } from '../../core/errors.js';
import type { CliContext } from '../../core/registry.js';
import { eventFromJson, type CacheEvent } from './events.js';
import { createCacheApp, openCacheServer } from './server.js';
import { parseDuration } from '../../core/duration.js';
import { cacheConfigSection } from './config.js';
import { resolveSettings, type CacheSettings } from './settings.js';
import { sectionOf } from '../../core/config.js';
import { computeStats, renderStats, takeInventory, tally } from './stats.js';

const storageOptions = (cmd: Command) =>
  cmd
    .option('--storage <dir|s3://bucket/prefix>', 'where blobs, manifests and events live (env CI_INTEL_CACHE_STORAGE; default ./.ci-intel/cache)')
    .option(
      '--s3-endpoint <url>',
      'S3-compatible endpoint for s3:// storage (env CI_INTEL_CACHE_S3_ENDPOINT); credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY',
    )
    .option('--signing-key <pem>', 'ed25519 key: a private key signs new manifests and verifies; a public key only verifies (env CI_INTEL_CACHE_SIGNING_KEY)')
    .option('--data-dir <dir>', 'data folder (the default storage is <data-dir>/cache)')
    .option('--config <file>', 'ci-intel.yml to read (its cache: section)');

function configFor(ctx: CliContext, opts: Record<string, unknown>) {
  return ctx.config({ dataDir: opts.dataDir, config: opts.config });
}

export function settingsFor(ctx: CliContext, opts: Record<string, unknown>, config = configFor(ctx, opts)): CacheSettings {
  return resolveSettings({ flags: opts, section: sectionOf(config, cacheConfigSection), defaultDir: path.join(config.dataDir, 'cache') });
}

export function cacheCommands(program: Command, ctx: CliContext): void {
  const cache = examples(
    program.command('cache').description('Cache Sentinel: a verifying remote build cache for turbo, Bazel, Gradle and ccache'),
    'ci-intel cache serve --port 8090 --storage /var/cache/ci --token "$CACHE_TOKEN"',
    'ci-intel cache scrub --storage /var/cache/ci --json',
  );

  examples(
    storageOptions(
      cache
        .command('serve')
        .description('Serve the cache: turbo /v8/artifacts, Bazel /ac /cas, Gradle /cache, ccache /ccache; /metrics')
        .option('--host <host>', 'interface to listen on (env CI_INTEL_HOST)', undefined)
        .option('--port <port>', 'port, 0 = any free port (env CI_INTEL_CACHE_PORT)', undefined)
        .option('--token <T|ns=T>', 'a token for every namespace (T) or one (ns=T); repeatable (env CI_INTEL_CACHE_TOKENS, comma-separated)', collect)
        .option('--max-size <size>', 'size cap over unique blobs, LRU eviction above it, e.g. 50GiB (env CI_INTEL_CACHE_MAX_SIZE)')
        .option('--ttl <duration>', 'evict entries not hit for this long, e.g. 14d (env CI_INTEL_CACHE_TTL)')
        .option('--upload-max <size>', 'largest upload accepted (413 above), default 5GiB (env CI_INTEL_CACHE_UPLOAD_MAX)')
        .option('--idle-timeout <duration>', 'close connections idle this long, default 30s')
        .option('--min-upload-rate <size>', 'drop uploads slower than this per second after --upload-grace, default 16KiB')
        .option('--upload-grace <duration>', 'how long an upload may run before the minimum rate applies, default 30s')
        .option('--trust-verified-above <size>', 'blobs this large are re-hashed only when their file changed since the last full hash, default 64MiB')
        .option('--sweep-interval <duration>', 'how often TTL and size cap are applied, default 5m')
        .option('--no-verify', 'serve without hashing blobs (benchmarks only: a corrupt blob is then served)'),
    ),
    'ci-intel cache serve --port 8090 --token "$CACHE_TOKEN" --max-size 50GiB --ttl 14d',
    'ci-intel cache serve --storage s3://build-cache/ci --s3-endpoint http://minio:9000 --token team-a=SECRET_A --token team-b=SECRET_B',
  ).action(async (opts: Record<string, unknown>) => {
    const config = configFor(ctx, opts);
    const settings = settingsFor(ctx, opts, config);
    const log = pino({ level: config.logLevel ?? 'info' }, pino.destination(2));
    const host = (opts.host as string | undefined) ?? config.server.host;
    const port = numberOption('--port', opts.port ?? sectionOf(config, cacheConfigSection).port, { min: 0, max: 65535, integer: true })!;
    const server = await openCacheServer(settings, { now: ctx.now, log });
    const app = await createCacheApp(server, { logger: false });
    const address = await app.listen({ host, port });
    if (server.tokens.open) ctx.err('warning: no --token given: anyone who can reach this port can read and write the cache\n');
    ctx.out(
      `ci-intel cache listening on ${address}  (storage: ${server.sentinel.backend.location}, tokens: ${server.tokens.count}, verify: ${settings.verify.verify ? 'on' : 'OFF'}${settings.maxBytes ? `, max-size: ${settings.maxBytes}` : ''}${settings.ttlMs ? `, ttl: ${settings.ttlMs / 1000}s` : ''})\n`,
    );
    const sweep = async () => {
      try {
        const r = await server.sentinel.sweep();
        const ev = r.evicted;
        if (ev.ttl + ev.lru + ev.dangling + ev.orphanBlobs) log.info({ sweep: r }, 'cache: sweep');
      } catch (e) {
        log.error({ err: e }, 'cache: sweep failed');
      }
    };
    void sweep();
    const timer = settings.sweepIntervalMs > 0 ? setInterval(() => void sweep(), settings.sweepIntervalMs) : null;
    timer?.unref();
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = async (sig: string) => {
        if (stopping) return;
        stopping = true;
        ctx.err(`${sig}: shutting down\n`);
        if (timer) clearInterval(timer);
        await app.close().catch(() => {});
        resolve();
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
  });

  examples(
    storageOptions(
      cache
        .command('scrub')
        .description('Re-verify every blob (BLAKE3) and manifest (signature); quarantine failures; exit 1 when it quarantined something')
        .option('--json', 'one JSON object: {checked, ok, quarantined: [...], dangling}'),
    ),
    'ci-intel cache scrub --storage /var/cache/ci',
    'ci-intel cache scrub --storage s3://build-cache/ci --s3-endpoint http://minio:9000 --json',
  ).action(async (opts: Record<string, unknown>) => {
    const server = await openCacheServer(settingsFor(ctx, opts), { now: ctx.now });
    try {
      const progress = ctx.isTTY && !opts.json ? (n: number) => n % 1000 === 0 && ctx.err(`\rscrub: ${n} blobs hashed`) : undefined;
      const r = await server.sentinel.scrub(progress);
      if (progress) ctx.err('\n');
      if (opts.json) ctx.out(jsonLine(r) + '\n');
      else {
        ctx.out(`scrub: checked ${r.checked}, ok ${r.ok}, quarantined ${r.quarantined.length}, dangling manifests ${r.dangling}\n`);
        for (const q of r.quarantined)
          ctx.out(`quarantined ${q.kind} ${q.digest ?? '-'} reason=${q.reason} to=${q.to ?? '-'}${q.refs.length ? ` refs=${q.refs.join(',')}` : ''}\n`);
      }
      if (r.quarantined.length) process.exitCode = 1;
    } finally {
      await server.sentinel.close();
    }
  });

  examples(
    storageOptions(
      cache
        .command('stats')
        .description('Hit ratio, bytes, entries, quarantines and evictions per namespace')
        .option('--since <duration>', 'window of events to count, e.g. 24h, 7d (default 7d)', '7d')
        .option('--json', 'one JSON object: {since, until, namespaces: [...], total, unique_bytes, blobs}'),
    ),
    'ci-intel cache stats --storage /var/cache/ci',
    'ci-intel cache stats --since 24h --json',
  ).action(async (opts: Record<string, unknown>) => {
    const window = parseDuration(String(opts.since), '--since', { allowNone: true });
    const server = await openCacheServer(settingsFor(ctx, opts), { now: ctx.now });
    try {
      const until = ctx.now();
      const since = new Date(window === null ? 0 : until.getTime() - window);
      const events: CacheEvent[] = [];
      let bad = 0;
      for await (const line of server.sentinel.backend.readEvents(since.toISOString().slice(0, 10))) {
        let o: unknown;
        try {
          o = JSON.parse(line);
        } catch {
          bad++;
          continue;
        }
        const e = eventFromJson(o as Record<string, unknown>);
        if (e) events.push(e);
        else bad++;
      }
      if (bad) ctx.err(`warning: ${bad} unreadable line(s) in the event journal were skipped\n`);
      const r = computeStats(tally(events, since, until), await takeInventory(server.sentinel.backend), since, until);
      ctx.out(opts.json ? jsonLine(r) + '\n' : renderStats(r));
    } finally {
      await server.sentinel.close();
    }
  });

  examples(
    storageOptions(
      cache
        .command('sweep')
        .description('Apply the TTL and the size cap now (serve does it every --sweep-interval)')
        .option('--max-size <size>', 'size cap over unique blobs, e.g. 50GiB')
        .option('--ttl <duration>', 'evict entries not hit for this long, e.g. 14d')
        .option('--json', 'one JSON object: {manifests, blobs, uniqueBytes, evicted}'),
    ),
    'ci-intel cache sweep --storage /var/cache/ci --max-size 50GiB --ttl 14d',
  ).action(async (opts: Record<string, unknown>) => {
    const settings = settingsFor(ctx, opts);
    if (settings.maxBytes === null && settings.ttlMs === null) {
      throw new CiError('E_USAGE', 'nothing to apply: give --max-size and/or --ttl', { where: 'cache sweep' });
    }
    const server = await openCacheServer(settings, { now: ctx.now });
    try {
      const r = await server.sentinel.sweep();
      ctx.out(
        opts.json
          ? jsonLine(r) + '\n'
          : `sweep: ${r.manifests} entries, ${r.blobs} blobs (${r.uniqueBytes} bytes); evicted ttl=${r.evicted.ttl} lru=${r.evicted.lru} dangling=${r.evicted.dangling} orphan-blobs=${r.evicted.orphanBlobs}\n`,
      );
    } finally {
      await server.sentinel.close();
    }
  });
}
