// The CLI beside a running hub on the embedded store: PGlite allows one process per data folder, so
// while `ci-intel serve` holds it the read commands and `token` go through the hub's API (--hub
// URL --token T, or CI_INTEL_HUB / CI_INTEL_TOKEN) and answer what the store would; the lock error
// names a command that works. Everything through the built CLI (dist/cli/main.js).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, serve, type Served } from './support/cli.js';

let dir: string;
let store: string[];
let admin: string;
let hub: Served | undefined;
const lines = (s: string) => s.trim().split('\n').filter(Boolean);
/** The report without what moves with the clock between two commands (the window's length, rates over it). */
const steady = (v: unknown): unknown =>
  JSON.parse(JSON.stringify(v), (k, x: unknown) => (k === 'window_days' || k === 'deployment_frequency_per_day' || k === 'until' ? undefined : x));

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-cli-hub-'));
  store = ['--data-dir', path.join(dir, 'store')];
  const synth = await runCli(['synth', '--repos', '3', '--days', '10', '--runs-per-day', '6', '--seed', '7', '--out', path.join(dir, 'runs.ndjson')]);
  expect(synth.code).toBe(0);
  const ing = await runCli(['ingest', path.join(dir, 'runs.ndjson'), ...store]);
  expect(ing.code, ing.stderr).toBe(0);
  admin = (await runCli(['token', 'create', '--repo', '**', '--scope', 'read,ingest,admin', ...store])).stdout.trim();
  expect(admin).toMatch(/^cit_/);
  // What the store answers, before the hub takes the folder: the hub must answer the same.
  writeFileSync(path.join(dir, 'store-runs.ndjson'), (await runCli(['runs', '--json', '--limit', '2000', ...store])).stdout);
  writeFileSync(path.join(dir, 'store-dora.json'), (await runCli(['metrics', 'dora', '--json', '--window', '30', ...store])).stdout);
  hub = await serve(store);
}, 600_000);

afterAll(async () => {
  await hub?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('read commands beside a running hub (embedded store)', () => {
  it('without --hub a read command gets E_DB_LOCKED naming a command that works', async () => {
    const r = await runCli(['runs', ...store]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error E_DB_LOCKED: .* in use by process \d+/);
    expect(r.stderr).toContain('`ci-intel runs --hub http://HOST:PORT --token TOKEN`');
  });

  it('runs --hub --token answers, the same runs as the store, newest first; paging past 1,000', async () => {
    const { readFileSync } = await import('node:fs');
    const want = lines(readFileSync(path.join(dir, 'store-runs.ndjson'), 'utf8')).map((l) => JSON.parse(l) as { run_id: string });
    expect(want.length).toBeGreaterThan(100);
    const r = await runCli(['runs', '--json', '--limit', '2000', '--hub', hub!.url, '--token', admin]);
    expect(r.code, r.stderr).toBe(0);
    const got = lines(r.stdout).map((l) => JSON.parse(l) as { run_id: string });
    expect(got.map((x) => x.run_id)).toEqual(want.map((x) => x.run_id));
    expect(got).toEqual(want);
    const text = await runCli(['runs', '--limit', '3', '--hub', hub!.url, '--token', admin]);
    expect(lines(text.stdout)).toHaveLength(3);
  });

  it('metrics dora --hub --token answers the same report as the store', async () => {
    const { readFileSync } = await import('node:fs');
    const want = JSON.parse(readFileSync(path.join(dir, 'store-dora.json'), 'utf8')) as { groups: unknown[]; total: unknown };
    const r = await runCli(['metrics', 'dora', '--json', '--window', '30', '--hub', hub!.url, '--token', admin]);
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as typeof want;
    expect(got.groups.length).toBeGreaterThan(0);
    expect(steady(got.groups)).toEqual(steady(want.groups));
    expect(steady(got.total)).toEqual(steady(want.total));
    expect((got.total as { deployment_frequency_per_day: number }).deployment_frequency_per_day).toBeCloseTo(
      (want.total as { deployment_frequency_per_day: number }).deployment_frequency_per_day,
      2,
    );
    const text = await runCli(['metrics', 'dora', '--hub', hub!.url, '--token', admin]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^repo\tenvironment\tdeploys\/day/);
  });

  it('the environment variables work as the flags do; health, readiness, cost, digest and quarantine answer', async () => {
    const env = { CI_INTEL_HUB: hub!.url, CI_INTEL_TOKEN: admin };
    for (const args of [
      ['metrics', 'health', '--json'],
      ['metrics', 'readiness', '--json'],
      ['metrics', 'cost', '--json'],
      ['digest'],
      ['tests', 'quarantine', '--repo', 'acme/payments', '--format', 'json'],
      ['runs', '--limit', '1'],
    ]) {
      const r = await runCli(args, { env, cwd: dir });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout.length, args.join(' ')).toBeGreaterThan(0);
    }
    const health = JSON.parse((await runCli(['metrics', 'health', '--json'], { env, cwd: dir })).stdout) as { total: { runs: number }; jobs: unknown[] };
    expect(health.total.runs).toBeGreaterThan(0);
    expect(health.jobs.length).toBeGreaterThan(0);
  });

  it('token create/list/revoke go through the admin API; a repo-limited read token sees only its repositories', async () => {
    const repos = [
      ...new Set(
        lines((await runCli(['runs', '--json', '--limit', '2000', '--hub', hub!.url, '--token', admin])).stdout).map((l) => JSON.parse(l).repo as string),
      ),
    ].sort();
    expect(repos.length).toBe(3);
    const created = await runCli(['token', 'create', '--repo', repos[0]!, '--scope', 'read', '--name', 'one-repo', '--hub', hub!.url, '--token', admin]);
    expect(created.code, created.stderr).toBe(0);
    const limited = created.stdout.trim();
    expect(limited).toMatch(/^cit_[0-9A-Za-z]{32}$/);
    expect(created.stderr).toMatch(/^created tok_\S+ for .* with scopes read\n$/);
    expect(created.stderr).not.toContain(limited);

    const seen = lines((await runCli(['runs', '--json', '--limit', '2000', '--hub', hub!.url, '--token', limited])).stdout).map((l) => JSON.parse(l).repo);
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([repos[0]]));
    const dora = JSON.parse((await runCli(['metrics', 'dora', '--json', '--hub', hub!.url, '--token', limited])).stdout) as { groups: Array<{ repo: string }> };
    expect(dora.groups.every((g) => g.repo === repos[0])).toBe(true);
    const other = await runCli(['runs', '--repo', repos[1]!, '--hub', hub!.url, '--token', limited]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/^error E_HUB_REJECTED: .* 403 E_FORBIDDEN_REPO/);

    // A read token cannot create tokens; the hub's refusal is passed on.
    const refused = await runCli(['token', 'create', '--repo', '**', '--hub', hub!.url, '--token', limited]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/E_HUB_REJECTED: .*403 E_FORBIDDEN_SCOPE/);

    const list = lines((await runCli(['token', 'list', '--json', '--hub', hub!.url, '--token', admin])).stdout).map((l) => JSON.parse(l));
    const row = list.find((t) => t.name === 'one-repo');
    expect(row).toMatchObject({ repo_patterns: [repos[0]], scopes: ['read'], revoked_at: null });
    expect(JSON.stringify(list)).not.toContain(limited);
    const rev = await runCli(['token', 'revoke', row.token_id, '--hub', hub!.url, '--token', admin]);
    expect(rev.stdout).toBe(`revoked ${row.token_id}\n`);
    const after = await runCli(['runs', '--hub', hub!.url, '--token', limited]);
    expect(after.code).toBe(2);
    expect(after.stderr).toContain('E_TOKEN_REVOKED');
  });

  it('bad --hub input gets a clear usage error; an unreachable hub says so', async () => {
    const noToken = await runCli(['runs', '--hub', hub!.url], { env: { CI_INTEL_TOKEN: '' } });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/^error E_USAGE: --hub: a hub is set but no token — pass --token/);
    const notUrl = await runCli(['metrics', 'dora', '--hub', 'localhost:8080', '--token', admin]);
    expect(notUrl.stderr).toMatch(/^error E_USAGE: --hub: --hub localhost:8080 is not an http\(s\) URL/);
    const gone = await runCli(['runs', '--hub', 'http://127.0.0.1:9', '--token', admin]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/^error E_HUB_UNREACHABLE: .*cannot reach the hub at http:\/\/127\.0\.0\.1:9/);
    expect(gone.stderr).not.toContain(admin);
  });
});
