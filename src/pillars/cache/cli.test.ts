// The commands as users run them: `cache scrub|stats|sweep` on a storage folder (offline), the
// built `ci-intel cache serve` end to end, and the alert rules checked by promtool.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, closeSync, writeSync, rmSync, truncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blake3Hex } from './digest.js';
import { openTestCache } from './fixtures/harness.js';
import { cachePillar } from './index.js';
import { blobPath } from './keys.js';
import { runCli } from '../../../test/support/assembled.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const inCI = process.env.CI === 'true';

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s), env: { ...env }, isTTY: false }, [cachePillar]);
  return { code, out, err };
}

describe('cache commands on a storage folder', () => {
  let dir: string;
  let storage: string;
  const bodies = [randomBytes(1500), randomBytes(2500), randomBytes(3500)];
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cache-cli-'));
    storage = path.join(dir, 'store');
    const c = await openTestCache({ storage }, { dir });
    for (const [i, b] of bodies.entries()) {
      await c.app.inject({ method: 'PUT', url: `/ccache/team-x/ab/key${i}`, payload: b, headers: { 'content-type': 'application/octet-stream' } });
      await c.app.inject({ method: 'GET', url: `/ccache/team-x/ab/key${i}` });
    }
    await c.app.inject({ method: 'GET', url: '/cache/absent' });
    await c.app.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stats prints hit ratio, bytes, entries per namespace (text and --json)', async () => {
    const j = await cli(['cache', 'stats', '--storage', storage, '--json']);
    expect(j.code).toBe(0);
    const r = JSON.parse(j.out);
    expect(r.namespaces).toEqual([
      expect.objectContaining({ namespace: 'default', protocol: 'gradle', hits: 0, misses: 1, hit_ratio: 0, entries: 0 }),
      expect.objectContaining({
        namespace: 'team-x',
        protocol: 'ccache',
        hits: 3,
        misses: 0,
        hit_ratio: 1,
        entries: 3,
        bytes_stored: 7500,
        bytes_served: 7500,
        puts: 3,
      }),
    ]);
    expect(r.total).toMatchObject({ hits: 3, misses: 1, hit_ratio: 0.75 });
    expect(r.unique_bytes).toBe(7500);
    const t = await cli(['cache', 'stats', '--storage', storage]);
    // ccache reports no task durations: no time saved ("-").
    expect(t.out).toMatch(/team-x\s+ccache\s+100\.0%\s+3\s+0\s+7\.3 KiB\s+-\s+3/);
    expect(t.out.trim().split('\n')).toHaveLength(6);
  });

  it('scrub --json: {checked, ok, quarantined} and exit 1 when it quarantined something; exit 0 when clean', async () => {
    const clean = await cli(['cache', 'scrub', '--storage', storage, '--json']);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.out)).toEqual({ checked: 6, ok: 6, quarantined: [], dangling: 0 });
    const file = (b: Buffer) => path.join(storage, ...blobPath(blake3Hex(b)).split('/'));
    const fd = openSync(file(bodies[0]!), 'r+');
    writeSync(fd, Buffer.from([bodies[0]![9]! ^ 0x80]), 0, 1, 9);
    closeSync(fd);
    truncateSync(file(bodies[1]!), 10);
    const dirty = await cli(['cache', 'scrub', '--storage', storage, '--json']);
    expect(dirty.code).toBe(1);
    const r = JSON.parse(dirty.out);
    expect(Object.keys(r)).toEqual(['checked', 'ok', 'quarantined', 'dangling']);
    expect(r.checked).toBe(6);
    expect(r.ok).toBe(4);
    expect(r.quarantined.map((q: { digest: string; reason: string }) => `${q.digest}:${q.reason}`).sort()).toEqual(
      [`${blake3Hex(bodies[0]!)}:digest_mismatch`, `${blake3Hex(bodies[1]!)}:size_mismatch`].sort(),
    );
    const text = await cli(['cache', 'scrub', '--storage', storage]);
    expect(text.code).toBe(0);
    expect(text.out).toContain('scrub: checked 4, ok 4, quarantined 0, dangling manifests 2');
    const stats = JSON.parse((await cli(['cache', 'stats', '--storage', storage, '--json'])).out);
    expect(stats.namespaces.find((n: { namespace: string }) => n.namespace === 'team-x').quarantines).toBe(2);
  });

  it('sweep applies a size cap; usage errors exit 2 with a hint', async () => {
    const r = await cli(['cache', 'sweep', '--storage', storage, '--max-size', '1KiB', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ manifests: 0, uniqueBytes: 0, evicted: { lru: 1, dangling: 2 } });
    const none = await cli(['cache', 'sweep', '--storage', storage]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('E_USAGE');
    const badSize = await cli(['cache', 'sweep', '--storage', storage, '--max-size', 'lots']);
    expect(badSize.code).toBe(2);
    expect(badSize.err).toMatch(/not a size.*10GiB/);
    const badBucket = await cli(['cache', 'stats', '--storage', 's3://Bad_Bucket/x']);
    expect(badBucket.code).toBe(2);
    const help = await cli(['cache', 'serve', '--help']);
    expect(help.out).toContain('Examples:');
    expect(help.out).toContain('--token <T|ns=T>');
  });
});

const DIST = path.join(ROOT, 'dist/cli/main.js');
const noDist = !existsSync(DIST);
if (noDist && inCI) throw new Error('dist/ is missing: npm test builds before it runs the tests');

describe.skipIf(noDist)('the built `ci-intel cache serve` end to end', () => {
  it('listens, serves with a token, records events in its storage folder and stops on SIGTERM', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cache-serve-'));
    const child = spawn(process.execPath, [DIST, 'cache', 'serve', '--port', '0', '--storage', path.join(dir, 's'), '--token', 'serve-e2e-token-1'], {
      env: { ...process.env, CI_INTEL_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
      });
      const h = { authorization: 'Bearer serve-e2e-token-1' };
      expect((await fetch(`${url}/cache/e2e`, { method: 'PUT', body: 'e2e body', headers: h })).status).toBe(200);
      expect(await (await fetch(`${url}/cache/e2e`, { headers: h })).text()).toBe('e2e body');
      expect((await fetch(`${url}/cache/e2e`)).status).toBe(401);
      expect(await (await fetch(`${url}/metrics`)).text()).toContain('ci_intel_cache_requests_total{protocol="gradle",namespace="default",result="hit"} 1');
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const stats = await cli(['cache', 'stats', '--storage', path.join(dir, 's'), '--json']);
      expect(JSON.parse(stats.out).total).toMatchObject({ hits: 1, puts: 1, entries: 1 });
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const hasPromtool = spawnSync('sh', ['-c', 'command -v promtool']).status === 0;
if (!hasPromtool && inCI) throw new Error('promtool is missing: .ci/run installs the prometheus package');

describe.skipIf(!hasPromtool)('alert rules (seed 001: hit ratio < 70% warning, corruption critical)', () => {
  it('pass promtool check and its unit test', async () => {
    const run = promisify(execFile);
    const cwd = path.join(ROOT, 'src/pillars/cache');
    await run('promtool', ['check', 'rules', 'alerts.yml'], { cwd });
    const t = await run('promtool', ['test', 'rules', 'fixtures/alerts.test.yml'], { cwd });
    expect(t.stdout).toContain('SUCCESS');
  });
});
