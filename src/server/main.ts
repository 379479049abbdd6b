// `ci-intel serve`: opens the hub, seeds demo data when asked, listens, prints the URL, and
// shuts down cleanly on SIGINT/SIGTERM (in-flight requests finish; the store closes).
import { pino } from 'pino';
import { CiError } from '../core/errors.js';
import type { CliContext } from '../core/registry.js';
import { pillars } from '../pillars/index.js';
import { createApp } from './app.js';
import { openHub, type Hub } from './hub.js';
import { seedDemo } from './demo.js';

export async function serve(ctx: CliContext, flags: Record<string, unknown>): Promise<void> {
  const config = ctx.config(flags);
  const log = pino({ level: ctx.env.CI_INTEL_LOG_LEVEL ?? 'info' }, pino.destination(2));
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
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE' || (e as NodeJS.ErrnoException).code === 'EACCES') {
      const what = (e as NodeJS.ErrnoException).code === 'EACCES' ? 'needs privileges' : 'is in use by another process';
      throw new CiError('E_PORT_IN_USE', `port ${config.server.port} on ${config.server.host} ${what}`, {
        where: '--port',
        hint: 'pick another port with --port (0 = any free port) or stop the process that holds it',
      });
    }
    throw e;
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
