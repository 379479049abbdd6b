// The sign-in button in the real Chromium (playwright-core driving Debian's chromium): a hub with
// sign-in through a real OpenID Connect provider on loopback; the page offers "Sign in", the
// provider's login and consent pages are filled in, the browser comes back signed in with the
// team's data on the page and no token asked for; "Sign out" ends it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestNdjson } from '../src/core/runs/ingest.js';
import { synthesize } from '../src/core/synth/generate.js';
import { openTestHub, type TestHub } from './support/stores.js';
import { createApp, pillars, webRoot } from './support/assembled.js';
import { startProvider, type TestProvider } from './support/oidc.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ready = existsSync(CHROMIUM) && webRoot() !== null;
if (process.env.CI === 'true' && !ready) throw new Error(`the sign-in browser test needs ${CHROMIUM} and a built dashboard (npm run build)`);

describe.skipIf(!ready)('sign-in button in Chromium (install: apt-get install chromium; npm run build)', () => {
  let hub: TestHub;
  let app: FastifyInstance;
  let base: string;
  let provider: TestProvider;
  let profile: string;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    hub = await openTestHub('pglite', { pillars, start: false });
    const s = synthesize({ repos: 4, days: 5, runsPerDay: 4, seed: 3, end: new Date() });
    async function* lines() {
      for (const r of s.records) yield Buffer.from(JSON.stringify(r) + '\n');
    }
    await ingestNdjson(hub, lines(), { source: 'test' });
    app = await createApp(hub, pillars);
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    hub.config.server.publicUrl = base;
    provider = await startProvider({
      redirectUri: `${base}/auth/callback`,
      accounts: { alice: { email: 'alice@example.com', name: 'Alice', groups: ['eng-a'] } },
    });
    Object.assign(hub.config.auth.oidc, {
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      scopes: 'openid email profile groups',
    });
    hub.config.auth.teams = [{ name: 'team-a', repos: ['acme/*'], members: [], groups: ['eng-a'] }];
    profile = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await provider?.close();
    await hub?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('signs in through the provider from the button, sees its team data, signs out', async () => {
    await page.goto(`${base}/?page=health`);
    await page.waitForSelector('[data-testid="sign-in"]');
    // Not signed in: the page says to sign in; no token is asked for.
    await page.waitForSelector('main [data-loading="false"]', { timeout: 60_000 });
    expect(await page.locator('#token-dialog').evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(false);
    expect(await page.textContent('main')).toContain('sign in (top right)');

    await page.click('[data-testid="sign-in"]');
    await page.waitForURL((u) => u.origin === provider.issuer);
    await page.fill('input[name="login"]', 'alice');
    await page.fill('input[name="password"]', 'any');
    await page.click('button[type="submit"]');
    await page.waitForSelector('button[type="submit"]'); // the consent page
    await page.click('button[type="submit"]');
    await page.waitForURL((u) => u.origin === base);
    expect(new URL(page.url()).searchParams.get('page')).toBe('health');

    await page.waitForSelector('[data-testid="signed-in-as"]');
    expect(await page.textContent('[data-testid="signed-in-as"]')).toBe('Alice');
    await page.waitForSelector('main [data-loading="false"]', { timeout: 60_000 });
    const main = (await page.textContent('main')) ?? '';
    expect(main).toContain('acme/');
    expect(main).not.toMatch(/globex\/|initech\/|umbrella\//);
    // The cookie is HttpOnly: the page's script cannot read it.
    expect(await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie)).not.toContain('ci_intel_session');
    const cookies = await browser.cookies(base);
    expect(cookies.find((c) => c.name === 'ci_intel_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

    await page.click('[data-testid="sign-out"]');
    await page.waitForSelector('[data-testid="sign-in"]');
    expect((await browser.cookies(base)).find((c) => c.name === 'ci_intel_session')).toBeUndefined();
  });
});
