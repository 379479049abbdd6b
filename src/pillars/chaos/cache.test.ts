// corrupt_cache against a real cache: the built `ci-intel cache serve` (the cache pillar's server)
// as turbo's remote cache, its blob store corrupted by the fault before a turbo run that would
// have been a hit. The server verifies before it answers, so the corrupted entry is a miss, turbo
// rebuilds, and the step succeeds; the flipped bytes were put back or quarantined. When the cache
// keeps answering corrupted bodies (the fault on every trial), every build is a miss and a rebuild:
// it still succeeds, but slower — degraded against a budget the rebuild cannot meet.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pillars, runCli } from '../../../test/support/assembled.js';
import { makeTurboRepo } from '../../../test/support/turbo-repo.js';
import type { TrialResult } from './runner.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const TURBO = path.join(ROOT, 'node_modules/.bin/turbo');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-chaos-cache-'));
const storage = path.join(tmp, 'storage');
let repo = '';
let server: ChildProcess;
let url = '';

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does it first)`);
  server = spawn(process.execPath, [CLI, 'cache', 'serve', '--port', '0', '--storage', storage, '--token', 'chaos-test-token'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!.startsWith('http') ? m[1]! : `http://${m[1]}`);
    });
    server.on('exit', (c) => reject(new Error(`cache serve exited ${c}: ${out}`)));
  });
  repo = makeTurboRepo();
});
afterAll(() => {
  server?.kill();
  rmSync(tmp, { recursive: true, force: true });
  if (repo) rmSync(repo, { recursive: true, force: true });
});

const env = {
  PATH: process.env.PATH,
  HOME: tmp,
  TURBO_API: '',
  TURBO_TOKEN: 'chaos-test-token',
  TURBO_TEAM: 'web',
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
  TURBO_NO_UPDATE_NOTIFIER: '1',
};
// A fresh checkout each time: no local .turbo cache, no outputs, so only the remote cache can hit.
const step = (dir = repo) => ['sh', '-c', `cd ${dir} && rm -rf .turbo packages/app/.turbo packages/app/dist && ${TURBO} run build --output-logs=full`];

async function chaos(args: string[], extra: NodeJS.ProcessEnv = {}, dir = repo) {
  let out = '';
  let err = '';
  const code = await runCli(
    ['chaos', 'run', ...args, '--', ...step(dir)],
    { out: (s) => (out += s), err: (s) => (err += s), env: { ...env, TURBO_API: url, ...extra }, isTTY: false, now: () => new Date(), cwd: dir },
    pillars,
  );
  return { code, out, err };
}

describe('corrupt_cache with turbo and the cache server', () => {
  it('a corrupted blob becomes a miss: turbo rebuilds and the step succeeds (recovered, no retry)', async () => {
    // Warm the cache: with injection off the step runs plainly and uploads the artifact.
    const warm = await chaos(['--fault', 'corrupt_cache:dir=x'], { CI_INTEL_CHAOS: 'off' });
    expect(warm.code, warm.out + warm.err).toBe(0);
    const hit = await chaos(['--fault', `corrupt_cache:dir=${storage}/blobs`, '--rate', '0', '--seed', '3', '--json']);
    expect(hit.err).toMatch(/FULL TURBO|cache hit, replaying/);

    const r = await chaos(['--fault', `corrupt_cache:dir=${storage}/blobs`, '--rate', '1', '--seed', '3', '--retries', '0', '--json']);
    expect(r.code, r.err).toBe(0);
    const t = JSON.parse(r.out) as TrialResult;
    expect(t.trial).toMatchObject({ fault: 'corrupt_cache', outcome: 'recovered', retries: 0 });
    expect(t.attempts[0]!.detail).toMatch(/^1 byte flipped in 1 of \d+ files under /);
    expect(r.err).toMatch(/cache miss, executing/);
    expect(r.err).not.toMatch(/FULL TURBO/);
    // The server quarantined the corrupted blob (so the undo had nothing to put back).
    expect(readdirSync(path.join(storage, 'quarantine', 'blobs')).length).toBeGreaterThan(0);
  });

  it('persistent: every blob corrupted on every trial — each build is a miss and a rebuild, succeeds, and is degraded against its budget', async () => {
    // The build sleeps 2 s, so a rebuild cannot finish within the 1.5 s budget; a hit would not run it.
    const slow = makeTurboRepo({ buildMs: 2000 });
    try {
      const warm = await chaos(['--fault', 'corrupt_cache:dir=x'], { CI_INTEL_CHAOS: 'off' }, slow);
      expect(warm.code, warm.out + warm.err).toBe(0);
      const quarantined = () => readdirSync(path.join(storage, 'quarantine', 'blobs')).length;
      for (const seed of ['5', '6']) {
        const before = quarantined();
        // files=1000: every blob in the store, so whatever the cache answers is corrupted.
        const r = await chaos(
          ['--fault', `corrupt_cache:dir=${storage}/blobs,files=1000`, '--rate', '1', '--seed', seed, '--retries', '0', '--budget', '1500ms', '--json'],
          {},
          slow,
        );
        expect(r.code, r.err).toBe(0);
        const t = JSON.parse(r.out) as TrialResult;
        expect(t.trial).toMatchObject({ fault: 'corrupt_cache', outcome: 'degraded', retries: 0 });
        expect(r.err).toMatch(/cache miss, executing/);
        expect(r.err).not.toMatch(/FULL TURBO/);
        expect(quarantined()).toBeGreaterThan(before);
      }
    } finally {
      rmSync(slow, { recursive: true, force: true });
    }
  });
});
