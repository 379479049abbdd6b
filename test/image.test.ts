// The container image. No Docker daemon here nor in CI, so scripts/image-steps.mjs performs the
// Dockerfile's steps on the host (npm ci, build, prune, the runtime copy, the entry point as a
// non-root user, the HEALTHCHECK, SIGTERM) and this test checks what came out. That host run is
// the test, not a stand-in for a skipped one; when `docker buildx` has a daemon, the image is
// also built for real.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dockerignore, parseDockerfile, stagesOf } from '../scripts/image-steps.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const stages = stagesOf(parseDockerfile(dockerfile));
const runtime = stages.at(-1)!;

interface StepsResult {
  top: string;
  seconds: number;
  runtime: {
    appDir: string;
    dataDir: string;
    ranAs: string;
    uid: number | null;
    userSwitch: boolean;
    ready: { status: number; body: { ok?: boolean } };
    health: { exitCode: number | null } | null;
    api: { withToken: number; withoutToken: number };
    exit: { code: number | null; signal: string | null; ms: number };
  };
}

describe('Dockerfile', () => {
  it('has a build stage and a runtime stage on node:20-bookworm-slim', () => {
    expect(stages.map((s) => [s.name, s.image])).toEqual([
      ['build', 'node:20-bookworm-slim'],
      ['runtime', 'node:20-bookworm-slim'],
    ]);
    const runs = stages[0]!.steps.filter((s) => s.op === 'RUN').map((s) => s.command);
    expect(runs).toEqual([expect.stringMatching(/^npm ci\b/), 'npm run build', expect.stringMatching(/^npm prune --omit=dev\b/)]);
  });

  it('runs as a non-root user, keeps data in the /data volume, exposes 8080 and checks /readyz', () => {
    expect(runtime.user).toBe('ci-intel');
    expect(runtime.volumes).toEqual(['/data']);
    expect(runtime.expose).toEqual(['8080']);
    expect(runtime.env).toMatchObject({ CI_INTEL_DATA_DIR: '/data', CI_INTEL_HOST: '0.0.0.0' });
    expect(runtime.healthcheck?.command.join(' ')).toContain('http://127.0.0.1:8080/readyz');
    expect(runtime.entrypoint).toEqual(['node', '/app/dist/cli/main.js']);
    expect(runtime.cmd).toEqual(['serve']);
    // The runtime stage copies only what serve reads, the build output from the build stage.
    const copies = runtime.steps.filter((s) => s.op === 'COPY');
    expect(copies.flatMap((s) => s.sources ?? []).sort()).toEqual(['/src/dist', '/src/node_modules', '/src/package.json', 'LICENSE', 'README.md']);
  });

  it('.dockerignore keeps local state and tests out of the context', () => {
    const ignored = dockerignore(readFileSync(path.join(ROOT, '.dockerignore'), 'utf8'));
    for (const p of [
      'node_modules/x/index.js',
      'dist/cli/main.js',
      '.ci-intel/db/PG_VERSION',
      '.git/HEAD',
      'src/core/badge.test.ts',
      'src/pillars/tests/fixtures/a.xml',
    ]) {
      expect(ignored(p), p).toBe(true);
    }
    for (const p of ['src/core/badge.ts', 'package.json', 'package-lock.json', 'scripts/build-web.mjs', 'README.md', 'LICENSE'])
      expect(ignored(p), p).toBe(false);
  });
});

describe('deploy/compose.yaml', () => {
  it('runs the hub on PostgreSQL 16 and NATS JetStream, each with a healthcheck', () => {
    const doc = parse(readFileSync(path.join(ROOT, 'deploy/compose.yaml'), 'utf8'));
    expect(Object.keys(doc.services).sort()).toEqual(['hub', 'nats', 'postgres']);
    const { hub, postgres, nats } = doc.services;
    expect(hub.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, nats: { condition: 'service_healthy' } });
    for (const s of [hub, postgres, nats]) expect(s.healthcheck?.test).toBeTruthy();
    expect(hub.environment.DATABASE_URL).toMatch(/^postgres:\/\/.*@postgres:5432\//);
    expect(hub.environment.NATS_URL).toBe('nats://nats:4222');
    expect(postgres.image).toMatch(/^postgres:16/);
    expect(nats.command).toContain('-js');
    expect(hub.volumes).toEqual(['hub-data:/data']);
    expect(Object.keys(doc.volumes)).toContain('hub-data');
  });
});

/** A Docker daemon with buildx: then the image itself is built too. */
function dockerBuilder(): boolean {
  const ok = (args: string[]) => spawnSync('docker', args, { stdio: 'ignore', timeout: 20_000 }).status === 0;
  return ok(['buildx', 'version']) && ok(['info']);
}

describe('the image steps on this host', () => {
  let out: StepsResult;
  let log = '';
  let seconds = 0;
  const dir = mkdtempSync(path.join(tmpdir(), 'ci-intel-image-test-'));

  beforeAll(async () => {
    const t0 = Date.now();
    const json = path.join(dir, 'result.json');
    const child = spawn(process.execPath, ['scripts/image-steps.mjs', '--keep', '--json', json], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (b) => (log += b));
    child.stderr.on('data', (b) => (log += b));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    seconds = Math.round((Date.now() - t0) / 1000);
    if (code !== 0) throw new Error(`scripts/image-steps.mjs exited ${code}; its output:\n${log.slice(-6000)}`);
    out = JSON.parse(readFileSync(json, 'utf8'));
  }, 600_000);

  afterAll(() => {
    if (out?.top) rmSync(out.top, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
    console.log(`image steps: ${seconds} s`);
  });

  it('leaves a runtime folder with the build output and production dependencies only', () => {
    const app = out.runtime.appDir;
    expect(existsSync(path.join(app, 'dist/cli/main.js'))).toBe(true);
    expect(existsSync(path.join(app, 'dist/web/index.html'))).toBe(true);
    for (const f of ['package.json', 'README.md', 'LICENSE']) expect(existsSync(path.join(app, f)), f).toBe(true);
    for (const dep of ['fastify', '@electric-sql/pglite', 'yaml']) expect(existsSync(path.join(app, 'node_modules', dep)), dep).toBe(true);
    // No dev-only package survived the prune: the lock file marks them `dev: true` (a devDependency
    // a production package also needs, such as @types/node, is rightly kept).
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages)
      .filter(([p, v]) => v.dev && /^node_modules\/(@[^/]+\/)?[^/]+$/.test(p))
      .map(([p]) => p.slice('node_modules/'.length));
    expect(devOnly).toEqual(expect.arrayContaining(['vitest', 'typescript', 'eslint', 'esbuild']));
    expect(devOnly.filter((d) => existsSync(path.join(app, 'node_modules', d)))).toEqual([]);
    expect(existsSync(path.join(app, 'node_modules/vitest'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules/typescript'))).toBe(false);
    // Nothing but what the runtime stage copies.
    expect(existsSync(path.join(app, 'src'))).toBe(false);
    expect(existsSync(path.join(app, 'test'))).toBe(false);
  });

  it('answered /readyz with ok: true and passed its HEALTHCHECK command', () => {
    expect(out.runtime.ready.status).toBe(200);
    expect(out.runtime.ready.body).toMatchObject({ ok: true });
    expect(out.runtime.health?.exitCode).toBe(0);
    // A token made by a one-off `token create` on the volume opens the API; none is refused.
    expect(out.runtime.api).toEqual({ withToken: 200, withoutToken: 401 });
    // The store is the embedded one in the /data volume.
    expect(existsSync(path.join(out.runtime.dataDir, 'db'))).toBe(true);
  });

  it('ran as a non-root user', () => {
    if (process.getuid?.() === 0) {
      expect(out.runtime.userSwitch).toBe(true);
      expect(out.runtime.uid).not.toBe(0);
      expect(out.runtime.uid).toBeGreaterThan(0);
    } else {
      // Not root: we cannot switch users, and we are not root ourselves.
      expect(out.runtime.uid).toBe(process.getuid?.());
      expect(out.runtime.uid).not.toBe(0);
    }
  });

  it('stopped cleanly on SIGTERM', () => {
    expect(out.runtime.exit).toMatchObject({ code: 0, signal: null });
  });

  it('builds the image itself where a Docker daemon with buildx is available', () => {
    if (!dockerBuilder()) {
      console.log('no Docker daemon with buildx here: the Dockerfile was exercised by the host run above');
      return;
    }
    const r = spawnSync('docker', ['buildx', 'build', '--load', '-t', 'ci-intel:test', '.'], { cwd: ROOT, encoding: 'utf8', timeout: 900_000 });
    expect(r.status, r.stderr).toBe(0);
  }, 900_000);
});
