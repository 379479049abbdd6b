// End to end through the built CLI, as a newcomer would use it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, serve, type Served } from './support/cli.js';

let dir: string;
const at = (...p: string[]) => path.join(dir, ...p);

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-e2e-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('built CLI', () => {
  it('synth writes deterministic valid NDJSON; validate agrees', async () => {
    const a = await runCli([
      'synth',
      '--repos',
      '2',
      '--days',
      '3',
      '--seed',
      '5',
      '--end',
      '2026-03-01',
      '--commits',
      at('commits.ndjson'),
      '--out',
      at('runs.ndjson'),
    ]);
    expect(a.code).toBe(0);
    const b = await runCli(['synth', '--repos', '2', '--days', '3', '--seed', '5', '--end', '2026-03-01']);
    expect(b.stdout).toBe(readFileSync(at('runs.ndjson'), 'utf8'));
    const commits = readFileSync(at('commits.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(commits[0]).toEqual({
      repo: expect.any(String),
      sha: expect.stringMatching(/^[0-9a-f]{40}$/),
      parents: expect.any(Array),
      authored_at: expect.any(String),
      committed_at: expect.any(String),
    });
    const v = await runCli(['validate', at('runs.ndjson')]);
    expect(v.code).toBe(0);
    expect(v.stdout).toBe('');
  });

  it('validate prints FILE:LINE: POINTER: reason sorted, skips blank lines, reads stdin, exits 1', async () => {
    const lines = readFileSync(at('runs.ndjson'), 'utf8').trim().split('\n');
    const bad = JSON.parse(lines[1]!);
    delete bad.repo;
    bad.jobs[0].extra = 1;
    const text =
      [lines[0], '', JSON.stringify(bad), '{"schema":"pipeline_run.v1.2",', JSON.stringify({ ...JSON.parse(lines[2]!), schema: 'pipeline_run.v1.1' })].join(
        '\n',
      ) + '\n';
    writeFileSync(at('bad.ndjson'), text);
    const r = await runCli(['validate', at('bad.ndjson')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      [
        `${at('bad.ndjson')}:3: /jobs/0/extra: property is not allowed by the contract (additionalProperties: false)`,
        `${at('bad.ndjson')}:3: /repo: required property is missing`,
        `${at('bad.ndjson')}:4: "": malformed JSON at column 31: unexpected end of input`,
        '',
      ].join('\n'),
    );
    const s = await runCli(['validate', '-'], { input: text });
    expect(s.stdout.replaceAll(at('bad.ndjson'), '-')).toBe(r.stdout.replaceAll(at('bad.ndjson'), '-'));
    const missing = await runCli(['validate', at('nope.ndjson')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error E_INPUT_UNREADABLE: .*nope\.ndjson: cannot read .*ENOENT/);
  });

  it('ingest prints counts; a second process on the PGlite folder in use gets E_DB_LOCKED; serve answers the API', async () => {
    const common = ['--data-dir', at('store')];
    const ing = await runCli(['ingest', at('bad.ndjson'), ...common]);
    expect(ing.stdout).toBe('ingested 2 replaced 0 rejected 2\n');
    expect(ing.stderr).toContain(`${at('bad.ndjson')}:3: /jobs/0/extra:`);
    expect(ing.code).toBe(1);
    const again = await runCli(['ingest', '-', ...common], { input: readFileSync(at('runs.ndjson')) });
    expect(again.stdout).toMatch(/^ingested \d+ replaced 2 rejected 0\n$/);
    const token = (await runCli(['token', 'create', '--repo', '**', ...common])).stdout.trim();
    expect(token).toMatch(/^cit_[0-9A-Za-z]{32}$/);

    let hub: Served | undefined;
    try {
      hub = await serve(common);
      const locked = await runCli(['runs', ...common]);
      expect(locked.code).toBe(2);
      expect(locked.stderr).toMatch(/^error E_DB_LOCKED: .*ci-intel\.lock: the PGlite store .* is in use by process \d+ .*use a PostgreSQL server/);

      const res = await fetch(`${hub.url}/api/v1/runs?limit=5`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: Array<{ run_id: string; started_at: string }>; next_cursor: string };
      expect(page.items).toHaveLength(5);
      expect(page.next_cursor).toBeTruthy();
      expect((await fetch(`${hub.url}/api/v1/runs`)).status).toBe(401);
      expect(await hub.stop('SIGTERM')).toBe(0);
    } finally {
      await hub?.stop('SIGKILL');
    }
    const list = await runCli(['runs', '--json', '--limit', '3', ...common]);
    expect(list.code).toBe(0);
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(3);
    expect(rows[0].started_at >= rows[1].started_at).toBe(true);
    const tl = await runCli(['token', 'list', '--json', ...common]);
    const tid = JSON.parse(tl.stdout.trim().split('\n')[0]!).token_id;
    expect((await runCli(['token', 'revoke', tid, ...common])).stdout).toBe(`revoked ${tid}\n`);
  }, 600_000);

  it("every command and subcommand has --help with an example, in the user's words", async () => {
    const top = await runCli(['--help']);
    const commandsOf = (help: string) => {
      const start = help.indexOf('Commands:');
      if (start < 0) return [];
      const end = help.indexOf('\n\n', start);
      return [...help.slice(start, end < 0 ? undefined : end).matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!).filter((n) => n !== 'help');
    };
    const names = commandsOf(top.stdout);
    expect(names).toEqual(expect.arrayContaining(['serve', 'ingest', 'validate', 'token', 'runs', 'synth', 'gate', 'prune']));
    // Design-document references belong in code comments and docs/, never in what a user reads.
    const jargon = /seed 0|issue \d|§|GATE \d/i;
    expect(top.stdout).not.toMatch(jargon);
    // Level by level, a few processes at a time: each --help is a node start-up.
    let level = names.map((n) => [n]);
    let seen = 0;
    while (level.length) {
      const next: string[][] = [];
      for (let i = 0; i < level.length; i += 4) {
        const batch = level.slice(i, i + 4);
        const helps = await Promise.all(batch.map((p) => runCli([...p, '--help'])));
        batch.forEach((path, j) => {
          const h = helps[j]!;
          seen++;
          expect(h.code, path.join(' ')).toBe(0);
          expect(h.stdout, path.join(' ')).toMatch(/Examples:\n {2}\$ ([A-Z_]+=\S+ )*ci-intel /);
          expect(h.stdout, path.join(' ')).not.toMatch(jargon);
          for (const sub of commandsOf(h.stdout)) next.push([...path, sub]);
        });
      }
      level = next;
    }
    expect(seen).toBeGreaterThan(names.length); // subcommands were walked too
  }, 300_000);

  it('--version prints the package version from any folder', async () => {
    const pkg = JSON.parse(readFileSync(path.resolve('package.json'), 'utf8')) as { version: string };
    const r = await runCli(['--version'], { cwd: os.tmpdir(), env: { npm_package_version: '' } });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('serve on a taken port exits 2 with E_PORT_IN_USE at once and frees the store for the next serve', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      const r = await runCli(['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', at('busy')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error E_PORT_IN_USE: --port: port \d+ on 127\.0\.0\.1 is in use by another process/m);
      expect(Date.now() - started).toBeLessThan(10_000);
      const next = await serve(['--data-dir', at('busy')]);
      expect((await fetch(`${next.url}/healthz`)).status).toBe(200);
      await next.stop();
    } finally {
      blocker.close();
    }
  });

  it('usage errors exit 2 with a hint', async () => {
    const r = await runCli(['synth', '--repos', 'x', '--days', '1', '--seed', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error E_USAGE: --repos: --repos "x" is not valid/);
    const e = await runCli(['token', 'create', '--repo', 'org/*', '--expires', '99999999999d', '--data-dir', at('expiry')]);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/^error E_USAGE: --expires: "99999999999d" is longer than 100 years/);
    const u = await runCli(['nope']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/unknown command 'nope'/);
  });
});
