// Opens the hub's shared parts from the config: store (migrated), blob store, bus, redactor,
// logger, metrics registry — and wires the pillars' subscriptions and metrics onto them.
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import type { Config } from '../core/config.js';
import { createBlobStore } from '../core/blob/index.js';
import { MemoryBus } from '../core/bus/memory.js';
import type { EventBus } from '../core/bus/index.js';
import { openStore, type Store } from '../core/db/index.js';
import { migrate, type Migration } from '../core/db/migrate.js';
import { coreMigrations } from '../core/db/schema.js';
import { CiError } from '../core/errors.js';
import { Redactor } from '../core/redact/index.js';
import { countedRedactorOptions } from '../core/redact/pii.js';
import type { HubContext, Pillar } from '../core/registry.js';
import { analyzeIfStale } from '../core/db/analyze.js';
import { dailyPrune } from '../core/retention.js';

export interface Hub extends HubContext {
  pillars: Pillar[];
  close(): Promise<void>;
}

export interface OpenHubOptions {
  pillars: Pillar[];
  log?: Logger;
  /** Open PGlite in memory (tests). */
  memory?: boolean;
  now?: () => Date;
  /** Start delivering bus events (serve; CLI commands whose work pillars analyze). */
  start?: boolean;
  /** Start the pillars' background jobs (serve only). */
  background?: boolean;
  /** An already open store to reuse (tests that share one database). */
  store?: Store;
}

export function allMigrations(pillars: Pillar[]): Migration[] {
  return [...coreMigrations, ...pillars.flatMap((p) => p.migrations ?? [])];
}

export async function openHub(config: Config, opts: OpenHubOptions): Promise<Hub> {
  const log = opts.log ?? pino({ level: config.logLevel ?? 'warn' }, pino.destination(2));
  const now = opts.now ?? (() => new Date());
  const store = opts.store ?? (await openStore(config.db, { memory: opts.memory }));
  const stops: Array<() => void | Promise<void>> = [];
  try {
    await migrate(store.db, allMigrations(opts.pillars), store.kind);
    const blob = await createBlobStore(config.blob, config.dataDir);
    const bus: EventBus = await createBus(config, store, log);
    const metrics = new Registry();
    const redactor = new Redactor(countedRedactorOptions(config.redact, metrics));
    const ctx: HubContext = { config, store, db: store.db, blob, bus, redactor, log, metrics, now };
    for (const p of opts.pillars) {
      for (const sub of p.subscriptions?.(ctx) ?? []) bus.subscribe(sub);
      p.metrics?.(metrics, ctx);
    }
    if (opts.start) await bus.start();
    if (opts.background) {
      for (const p of opts.pillars) if (p.background) stops.push(p.background(ctx));
      if (store.kind === 'pglite') stops.push(embeddedAnalyze(ctx));
      stops.push(dailyPrune({ ...ctx, pillars: opts.pillars }));
    }
    let closed = false;
    return {
      ...ctx,
      pillars: opts.pillars,
      async close() {
        if (closed) return;
        closed = true;
        for (const stop of stops) await stop();
        await bus.close();
        if (!opts.store) await store.close();
      },
    };
  } catch (e) {
    if (!opts.store) await store.close().catch(() => {});
    throw e;
  }
}

/** The embedded store's stand-in for autovacuum's ANALYZE: a minute after start, then every 10. */
function embeddedAnalyze(ctx: HubContext): () => void {
  const tick = () =>
    void analyzeIfStale(ctx.db)
      .then((done) => done && ctx.log.info('embedded store: statistics refreshed (ANALYZE)'))
      .catch((e) => ctx.log.warn({ err: e }, 'embedded store: ANALYZE failed'));
  const first = setTimeout(tick, 60_000);
  const every = setInterval(tick, 600_000);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}

async function createBus(config: Config, store: Store, log: Logger): Promise<EventBus> {
  if (config.natsUrl) {
    if (store.kind !== 'postgres') {
      throw new CiError('E_CONFIG_INVALID', 'NATS_URL needs a PostgreSQL store', {
        where: 'NATS_URL',
        hint: 'several hub processes share work only over PostgreSQL (DATABASE_URL); unset NATS_URL for the embedded store',
      });
    }
    // Loaded only when configured, so the embedded default never loads the NATS client.
    const modPath = '../core/bus/jetstream.js';
    const mod = (await import(modPath).catch(() => null)) as {
      JetStreamBus?: new (db: Store['db'], url: string, log: Logger, opts: { stream: string; ackWaitMs: number }) => EventBus;
    } | null;
    if (!mod?.JetStreamBus) throw new CiError('E_CONFIG_INVALID', 'this build has no JetStream bus', { where: 'NATS_URL' });
    return new mod.JetStreamBus(store.db, config.natsUrl, log, { stream: config.natsStream, ackWaitMs: config.natsAckWaitMs });
  }
  return new MemoryBus(store.db, log);
}
