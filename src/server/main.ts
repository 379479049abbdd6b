// `ci-intel serve`: opens the hub, seeds demo data when asked, listens, prints the URL, and
// shuts down cleanly on SIGINT/SIGTERM (in-flight requests finish; the store closes).
import { pino } from 'pino';
import type { CliContext } from '../core/registry.js';
import { pillars } from '../pillars/index.js';
import { createApp } from './app.js';
import { openHub, type Hub } from './hub.js';
import { seedDemo } from './demo.js';

export async function serve(ctx: CliContext, flags: Record<string, unknown>): Promise<void> {
  const config = ctx.config(flags);
  const log = pino({ level: ctx.env.CI_INTEL_LOG_LEVEL ?? 'info' }, pino.destination(2));
  const hub: Hub = await openHub(config, { pillars, log, start: true, background: true, now: ctx.now });
  const app = await createApp(hub, pillars, { logger: false });
  if (config.server.demo) {
    const seeded = await seedDemo(hub, pillars, ctx);
    if (seeded) ctx.err(`demo: seeded ${seeded.runs} runs and ${seeded.commits} commits of synthetic data\n`);
  }
  const address = await app.listen({ host: config.server.host, port: config.server.port });
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
