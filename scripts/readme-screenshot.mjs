// Regenerates docs/dashboard-overview.png, the README's picture: starts the built hub exactly as
// `npm start` does (`serve --demo`, an empty store), opens the Overview in Debian's Chromium and
// saves the first screen. Run after `npm run build`:  node scripts/readme-screenshot.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const data = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-shot-'));
const hub = spawn(process.execPath, [path.join(root, 'dist/cli/main.js'), 'serve', '--demo', '--data-dir', data, '--port', '0'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  let out = '';
  hub.stdout.on('data', (d) => {
    out += d;
    const m = /listening on (http:\/\/\S+)/.exec(out);
    if (m) resolve(m[1]);
  });
  hub.once('exit', (c) => reject(new Error(`serve --demo exited ${c}`)));
});
const profile = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-chromium-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1400, height: 1000 },
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const page = await browser.newPage();
  await page.goto(`${url}/?page=overview`);
  await page.waitForSelector('main [data-loading="false"]', { timeout: 120_000 });
  await page.waitForTimeout(1000); // charts draw on the next animation frames
  await page.screenshot({ path: path.join(root, 'docs/dashboard-overview.png') });
  console.log('wrote docs/dashboard-overview.png');
} finally {
  await browser.close();
  hub.kill('SIGTERM');
  rmSync(profile, { recursive: true, force: true });
  rmSync(data, { recursive: true, force: true });
}
