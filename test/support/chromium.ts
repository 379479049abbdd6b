// The dashboard's browser tests share this: Debian's Chromium driven by playwright-core (never a
// downloaded browser), a hub on a real port, and the wait for a page to finish drawing.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { createApp, pillars, seedDemo, webRoot } from './assembled.js';
import { openTestHub, type TestHub } from './stores.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
export const built = webRoot() !== null;
if (process.env.CI === 'true' && (!haveChromium || !built))
  throw new Error(`browser test needs ${CHROMIUM} (apt-get install chromium) and a built dashboard (npm run build)`);

// MEASURED.md: these flags and a fresh profile keep Chromium off the network.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const launch = (profile: string) =>
  chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, viewport: { width: 1400, height: 1000 }, args: CHROMIUM_ARGS });

/** The hub on a real port, a fresh Chromium profile and a page; close() ends the three (not the hub). */
export async function serveInChromium(hub: TestHub) {
  const app = await createApp(hub, pillars);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const profile = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-chromium-'));
  const browser = await launch(profile);
  const page = await browser.newPage();
  const close = async () => {
    await browser.close();
    await app.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { app, base, browser, page, close };
}

/** Waits for the shell to finish a page, and for its charts' next animation frame. */
export async function loaded(p: Page): Promise<void> {
  await p.waitForSelector('main [data-loading="false"]', { timeout: 90_000 });
  await p.waitForTimeout(300);
}

/** A `serve --demo` hub (the demo's seeding, a smaller history) served to Chromium; close() ends all. */
export async function demoInChromium(now: Date, size: { days: number; runsPerDay: number }) {
  const hub = await openTestHub('pglite', { pillars, now: () => now, config: (c) => void (c.server.demo = true) });
  if (!(await seedDemo(hub, pillars, { err: () => {}, now: () => now }, size))) throw new Error('the demo store was not empty');
  const ui = await serveInChromium(hub);
  return {
    hub,
    ...ui,
    close: async () => {
      await ui.close();
      await hub.close();
    },
  };
}
