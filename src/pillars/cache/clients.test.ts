// The real clients against a real server socket (issue 7 "Prove it with the real clients"):
// turbo 2.x (npm), ccache 4.7 (Debian) in its three URL layouts, Gradle 4.4.1 (Debian) with an
// HttpBuildCache — and corruption: a flipped bit and a truncated blob make the next turbo run
// rebuild (a miss, nothing bad served) and leave a quarantine event.
// Takes ~1-2 minutes, most of it Gradle's JVM start.
import { execFile, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  openSync,
  readSync,
  writeSync,
  closeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestCache, storeDir, type TestCache } from './fixtures/harness.js';
import { blobPath } from './keys.js';
import { makeTurboRepo } from '../../../test/support/turbo-repo.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../../..');
const TURBO = path.join(ROOT, 'node_modules/.bin/turbo');
const TOKEN = 'client-test-token-0123456789';
const CC_NS_TOKEN = 'ccache-namespace-token-xyz';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const inCI = process.env.CI === 'true';
const missing = (what: string, install: string) => {
  if (inCI) throw new Error(`${what} is not installed; CI must have it (${install})`);
  console.warn(`skipping: ${what} not installed (${install})`);
  return true;
};
const noTurbo = !existsSync(TURBO) && missing('turbo', 'npm ci');
const noCcache = !has('ccache') && missing('ccache', 'apt-get install ccache');
const noGcc = !has('gcc') && missing('gcc', 'apt-get install gcc');
const noGradle = !has('gradle') && missing('gradle', 'apt-get install gradle');

async function readEvents(c: TestCache): Promise<Array<Record<string, unknown>>> {
  await c.server.sentinel.opts.sink.flush();
  const dir = path.join(storeDir(c), 'events');
  return readdirSync(dir)
    .sort()
    .flatMap((f) =>
      readFileSync(path.join(dir, f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    );
}

describe('real clients against the cache', () => {
  let c: TestCache;
  let url: string;
  beforeAll(async () => {
    c = await openTestCache({ token: [TOKEN, `cc-team=${CC_NS_TOKEN}`] });
    url = await c.listen();
  });
  afterAll(async () => c?.close());

  describe.skipIf(noTurbo)('turbo', () => {
    let repo: string;
    const env = () => ({
      ...process.env,
      TURBO_API: url,
      TURBO_TOKEN: TOKEN,
      TURBO_TEAM: 'web',
      TURBO_TELEMETRY_DISABLED: '1',
      DO_NOT_TRACK: '1',
      TURBO_NO_UPDATE_NOTIFIER: '1',
      CI: '', // turbo prints differently under CI; keep its normal output
    });
    const turbo = async () => {
      const r = await run(TURBO, ['run', 'build', '--summarize', '--output-logs=full'], { cwd: repo, env: env(), timeout: 120_000 });
      const out = r.stdout + r.stderr;
      const m = /Summary:\s+(\S+\.json)/.exec(out);
      expect(m, out).not.toBeNull();
      const summary = JSON.parse(readFileSync(m![1]!, 'utf8')) as {
        tasks: Array<{ hash: string; cache: { status: string; source?: string; timeSaved: number } }>;
      };
      return { out, task: summary.tasks[0]! };
    };
    const clean = () => {
      rmSync(path.join(repo, '.turbo'), { recursive: true, force: true });
      rmSync(path.join(repo, 'packages/app/.turbo'), { recursive: true, force: true });
      rmSync(path.join(repo, 'packages/app/dist'), { recursive: true, force: true });
    };
    const blobOf = async (hash: string) => {
      const st = await c.server.sentinel.backend.readManifest({ protocol: 'turbo', namespace: 'web', key: hash });
      expect(st && st !== 'corrupt').toBe(true);
      return path.join(storeDir(c), ...blobPath((st as { manifest: { digest: string } }).manifest.digest).split('/'));
    };

    beforeAll(() => {
      repo = makeTurboRepo();
    });
    afterAll(() => rmSync(repo, { recursive: true, force: true }));

    it('the second run after deleting .turbo/ and the outputs is a remote hit (FULL TURBO) with the time saved', async () => {
      const first = await turbo();
      expect(first.task.cache.status).toBe('MISS');
      const built = readFileSync(path.join(repo, 'packages/app/dist/out.txt'), 'utf8');
      clean();
      const second = await turbo();
      expect(second.out).toContain('FULL TURBO');
      expect(second.task.cache).toMatchObject({ status: 'HIT', source: 'REMOTE' });
      // turbo computes "time saved" from the x-artifact-duration we stored and sent back.
      expect(second.task.cache.timeSaved).toBeGreaterThan(0);
      expect(readFileSync(path.join(repo, 'packages/app/dist/out.txt'), 'utf8')).toBe(built);
      // The journal keeps the task's duration: the put's build time, the hit's time saved — the same
      // figure turbo reports — and the stats add them up.
      const events = (await readEvents(c)).filter((e) => e.protocol === 'turbo' && e.key === second.task.hash);
      const put = events.find((e) => e.kind === 'put')!;
      const hit = events.find((e) => e.kind === 'hit' && Number(e.bytes) > 0)!;
      expect(put.task_ms as number).toBeGreaterThan(0);
      expect(hit.task_ms).toBe(put.task_ms);
      expect(second.task.cache.timeSaved).toBe(hit.task_ms);
    });

    it('a flipped bit in the stored blob: the next run rebuilds (miss), the blob is quarantined, the next PUT heals', async () => {
      clean();
      const { task } = await turbo(); // a hit: the entry from the test before
      expect(task.cache.source).toBe('REMOTE');
      const file = await blobOf(task.hash);
      const fd = openSync(file, 'r+');
      const b = Buffer.alloc(1);
      readSync(fd, b, 0, 1, 100);
      b[0]! ^= 0x10;
      writeSync(fd, b, 0, 1, 100);
      closeSync(fd);
      clean();
      const after = await turbo();
      expect(after.task.cache.status).toBe('MISS');
      expect(after.out).not.toContain('FULL TURBO');
      expect(readFileSync(path.join(repo, 'packages/app/dist/out.txt'), 'utf8')).toMatch(/^built \d+$/);
      const q = (await readEvents(c)).filter((e) => e.kind === 'quarantine');
      expect(q.at(-1)).toMatchObject({ kind: 'quarantine', protocol: 'turbo', namespace: 'web', key: task.hash, reason: 'digest_mismatch' });
      expect(readdirSync(path.join(storeDir(c), 'quarantine/blobs')).some((f) => f.includes('digest_mismatch'))).toBe(true);
      // turbo re-uploaded the rebuilt artifact: the cache healed itself.
      clean();
      expect((await turbo()).task.cache).toMatchObject({ status: 'HIT', source: 'REMOTE' });
    });

    it('a truncated blob: the next run rebuilds (miss) and the blob is quarantined', async () => {
      clean();
      const { task } = await turbo();
      const file = await blobOf(task.hash);
      truncateSync(file, Math.floor(statSync(file).size / 2));
      clean();
      const after = await turbo();
      expect(after.task.cache.status).toBe('MISS');
      expect((await readEvents(c)).filter((e) => e.kind === 'quarantine').at(-1)).toMatchObject({ key: task.hash, reason: 'size_mismatch' });
    });
  });

  describe.skipIf(noCcache || noGcc)('ccache', () => {
    let work: string;
    beforeAll(() => {
      work = mkdtempSync(path.join(os.tmpdir(), 'ccache-'));
      writeFileSync(
        path.join(work, 'main.c'),
        '#include <stdio.h>\nint twice(int x) { return 2 * x; }\nint main(void) { printf("%d\\n", twice(21)); return 0; }\n',
      );
      writeFileSync(path.join(work, 'ccache.conf'), '');
    });
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    const compile = async (dir: string, remote: string) => {
      const env = { ...process.env, CCACHE_DIR: dir, CCACHE_CONFIGPATH: path.join(work, 'ccache.conf'), CCACHE_REMOTE_STORAGE: remote, CCACHE_NOHASHDIR: '1' };
      await run('ccache', ['gcc', '-O2', '-c', 'main.c', '-o', 'main.o'], { cwd: work, env });
      const stats = await run('ccache', ['--print-stats'], { cwd: work, env });
      const counters = Object.fromEntries(
        stats.stdout
          .trim()
          .split('\n')
          .map((l) => l.split('\t') as [string, string])
          .map(([k, v]) => [k, Number(v)]),
      );
      return { counters, object: readFileSync(path.join(work, 'main.o')) };
    };

    const base = () => new URL(url);
    for (const [layout, prefix, token] of [
      ['subdirs', '/ccache', TOKEN],
      ['flat', '/ccache/cc-team', CC_NS_TOKEN],
      ['bazel', '/ccache', TOKEN],
    ] as const) {
      it(`layout=${layout}: the second compile with an emptied local cache is a remote hit`, async () => {
        const remote = `http://ci:${token}@${base().host}${prefix}|layout=${layout}`;
        const dir = path.join(work, `cc-${layout}`);
        const first = await compile(dir, remote);
        expect(first.counters.remote_storage_hit ?? 0).toBe(0);
        expect(first.counters.remote_storage_write ?? first.counters.remote_storage_miss).toBeGreaterThan(0);
        rmSync(dir, { recursive: true, force: true });
        rmSync(path.join(work, 'main.o'));
        const second = await compile(dir, remote);
        expect(second.counters.remote_storage_hit).toBeGreaterThan(0);
        expect(second.counters.direct_cache_hit + second.counters.preprocessed_cache_hit).toBeGreaterThan(0);
        expect(second.object.equals(first.object)).toBe(true);
      });
    }

    it('the namespace token cannot reach the default namespace (403 is a miss to ccache, which compiles anyway)', async () => {
      const remote = `http://ci:${CC_NS_TOKEN}@${base().host}/ccache|layout=subdirs`;
      const dir = path.join(work, 'cc-forbidden');
      rmSync(path.join(work, 'main.o'), { force: true });
      const r = await compile(dir, remote);
      expect(r.counters.remote_storage_hit ?? 0).toBe(0);
      expect(r.counters.remote_storage_error ?? 0).toBeGreaterThan(0);
      expect(r.object.length).toBeGreaterThan(0);
    });
  });

  describe.skipIf(noGradle)('gradle', () => {
    let proj: string;
    let gradleHome: string;
    const gradle = (...args: string[]) =>
      run('gradle', ['--build-cache', '--console=plain', ...args], {
        cwd: proj,
        env: { ...process.env, GRADLE_USER_HOME: gradleHome, GRADLE_OPTS: '-Dorg.gradle.daemon.idletimeout=120000' },
        timeout: 240_000,
      });
    beforeAll(() => {
      proj = mkdtempSync(path.join(os.tmpdir(), 'gradle-'));
      gradleHome = path.join(proj, '.gradle-home');
      mkdirSync(path.join(proj, 'src/main/java/demo'), { recursive: true });
      writeFileSync(
        path.join(proj, 'settings.gradle'),
        `rootProject.name = 'demo'
buildCache {
  local { enabled = false }
  remote(HttpBuildCache) {
    url = '${url}/cache/'
    push = true
    credentials { username = 'ci'; password = '${TOKEN}' }
  }
}
`,
      );
      writeFileSync(path.join(proj, 'build.gradle'), "apply plugin: 'java'\n");
      writeFileSync(path.join(proj, 'src/main/java/demo/Greeter.java'), 'package demo;\npublic class Greeter { public String hello() { return "hello"; } }\n');
    });
    afterAll(async () => {
      await run('gradle', ['--stop'], { cwd: proj, env: { ...process.env, GRADLE_USER_HOME: gradleHome } }).catch(() => {});
      rmSync(proj, { recursive: true, force: true });
    });

    it('a clean build after a cache-populating one takes its task outputs FROM-CACHE', async () => {
      const first = await gradle('compileJava');
      expect(first.stdout).not.toContain('FROM-CACHE');
      const classFile = path.join(proj, 'build/classes/java/main/demo/Greeter.class');
      const compiled = readFileSync(classFile);
      rmSync(path.join(proj, 'build'), { recursive: true, force: true });
      const second = await gradle('compileJava');
      expect(second.stdout + second.stderr, second.stdout + second.stderr).toMatch(/:compileJava FROM-CACHE/);
      expect(readFileSync(classFile).equals(compiled)).toBe(true);
      const puts = (await readEvents(c)).filter((e) => e.protocol === 'gradle' && e.kind === 'put');
      const hits = (await readEvents(c)).filter((e) => e.protocol === 'gradle' && e.kind === 'hit');
      expect(puts.length).toBeGreaterThan(0);
      expect(hits.length).toBeGreaterThan(0);
    }, 300_000);
  });
});
