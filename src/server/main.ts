// `ci-intel serve`: opens the hub, seeds demo data when asked, listens, prints the URL, and
// shuts down cleanly on SIGINT/SIGTERM (in-flight requests finish; the store closes).
import net from 'node:net';
import { pino } from 'pino';
import { CiError } from '../core/errors.js';
import type { CliContext } from '../core/registry.js';
import { pillars } from '../pillars/index.js';
import { createApp } from './app.js';
import { openHub, type Hub } from './hub.js';
import { seedDemo } from './demo.js';

/** Is host:port free? Tried before the store opens (which can take a while on a new store). */
async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => reject(portError(e, host, port)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

function portError(e: NodeJS.ErrnoException, host: string, port: number): Error {
  if (e.code !== 'EADDRINUSE' && e.code !== 'EACCES') return e;
  const what = e.code === 'EACCES' ? 'needs privileges' : 'is in use by another process';
  return new CiError('E_PORT_IN_USE', `port ${port} on ${host} ${what}`, {
    where: '--port',
    hint: 'pick another port with --port (0 = any free port) or stop the process that holds it',
  });
}

export async function serve(ctx: CliContext, flags: Record<string, unknown>): Promise<void> {
  const config = ctx.config(flags);
  await assertPortFree(config.server.host, config.server.port);
  const log = pino({ level: config.logLevel ?? 'info' }, pino.destination(2));
  // A hub serves many repositories: a failure in background work (the store gone for a moment, a
  // full disk) is logged and retried by its owner, never a reason to stop serving all of them.
  process.on('unhandledRejection', (e) => log.error({ err: e }, 'unhandled rejection (kept serving)'));
  const hub: Hub = await openHub(config, { pillars, log, start: true, background: true, now: ctx.now });
  const app = await createApp(hub, pillars, { logger: log });
  let address: string;
  try {
    // Listen before seeding demo data: a taken port is known at once, not after a minute of work.
    address = await app.listen({ host: config.server.host, port: config.server.port });
  } catch (e) {
    // Release the store (its lock) before saying so, so another `serve` can start on it.
    await app.close().catch(() => {});
    await hub.close().catch(() => {});
    // Taken between the check above and now.
    throw portError(e as NodeJS.ErrnoException, config.server.host, config.server.port);
  }
  if (config.server.demo) {
    const seeded = await seedDemo(hub, pillars, ctx);
    if (seeded) ctx.err(`demo: seeded ${seeded.runs} runs and ${seeded.commits} commits of synthetic data\n`);
  }
  const url = address.replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  ctx.out(`ci-intel hub listening on ${url}  (store: ${hub.store.kind} ${hub.store.location}${config.server.demo ? ', demo: reads need no token' : ''})\n`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = async (sig: string) => {
      if (stopping) return;
      stopping = true;
      ctx.err(`${sig}: shutting down\n`);
      await app.close().catch(() => {});
      await hub.close().catch(() => {});
      resolve();
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });
}
