// The datalab commands through the assembled CLI on the real server: a seeded lab, its snapshot in
// the blob store (hash checked), a lab restored from it, a corrupted dump refused, then nothing left.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { pillars, runCli } from '../../../test/support/assembled.js';
import { queryUrl } from './labs.js';

const SHOP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'shop.sql');
const dir = mkdtempSync(path.join(os.tmpdir(), 'lab-cli-'));
chmodSync(dir, 0o755); // the server's user (postgres, when root) must reach the lab home inside
const home = path.join(dir, 'home');
const data = path.join(dir, 'data');
afterAll(async () => {
  await cli(['datalab', 'down', '--all']);
  rmSync(dir, { recursive: true, force: true });
});

async function cli(argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(
    [...argv, ...(argv[1] === 'snapshots' ? [] : ['--home', home]), ...(argv[1] === 'up' || argv[1]?.startsWith('snapshot') ? ['--data-dir', data] : [])],
    { out: (s) => void (out += s), err: (s) => void (err += s), env: { PATH: process.env.PATH }, isTTY: false },
    pillars,
  );
  return { code, out, err };
}

const rows = queryUrl;

describe('ci-intel datalab', () => {
  it('seeds a lab, snapshots it into the blob store, restores it into a new lab; down --all leaves nothing running', async () => {
    const up = await cli(['datalab', 'up', '--name', 'seeded', '--schema', SHOP, '--seed', '3', '--rows', '20', '--rows', 'orders=30', '--json']);
    expect(up.code, up.err).toBe(0);
    const seeded = JSON.parse(up.out);
    expect(seeded.source).toMatchObject({ kind: 'seed', detail: 'shop.sql with seed 3' });
    expect(await rows(seeded.url, 'SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 30 }]);
    await rows(seeded.url, "UPDATE customers SET name = 'Ada Lovelace' WHERE id = 1");

    const snap = await cli(['datalab', 'snapshot', 'seeded', 'nightly', '--json']);
    expect(snap.code, snap.err).toBe(0);
    const s = JSON.parse(snap.out);
    expect(s.sha256).toMatch(/^[0-9a-f]{64}$/);
    const dump = readFileSync(path.join(data, 'blobs', s.key));
    expect(dump.subarray(0, 5).toString()).toBe('PGDMP'); // pg_dump's custom format
    expect((await cli(['datalab', 'snapshots'])).out).toContain(`nightly  sha256:${s.sha256}`);

    const restored = JSON.parse((await cli(['datalab', 'up', '--name', 'copy', '--from', 'nightly', '--json'])).out);
    expect(restored.source.kind).toBe('snapshot');
    expect(await rows(restored.url, 'SELECT name FROM customers WHERE id = 1')).toEqual([{ name: 'Ada Lovelace' }]);
    expect(await rows(restored.url, 'SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 30 }]);

    const ls = await cli(['datalab', 'ls']);
    expect(
      ls.out
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('  ')[0]),
    ).toEqual(['copy', 'seeded']);

    const down = await cli(['datalab', 'down', '--all']);
    expect(down.err).toContain('took down copy, seeded');
    expect(readdirSync(home).sort()).toEqual(['cache', 'labs']);
  });

  it('refuses a corrupted snapshot, an unknown one, and bad options, saying what to do', async () => {
    await cli(['datalab', 'up', '--name', 'src']);
    const s = JSON.parse((await cli(['datalab', 'snapshot', 'src', 'broken', '--json'])).out);
    writeFileSync(path.join(data, 'blobs', s.key), 'not the dump');
    const bad = await cli(['datalab', 'up', '--from', 'broken']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('snapshot broken is corrupt');
    expect((await cli(['datalab', 'up', '--from', 'never-taken'])).err).toContain('no snapshot named never-taken');
    expect((await cli(['datalab', 'up', '--engine', 'mysql'])).err).toContain('--engine mysql is not one of auto, postgres, pglite');
    expect((await cli(['datalab', 'up', '--ttl', 'soon'])).err).toContain('"soon" is not a duration');
    expect((await cli(['datalab', 'up', '--schema', SHOP, '--rows', 'orders=lots'])).err).toContain('is not TABLE=N or N');
    expect((await cli(['datalab', 'down'])).err).toContain('name the labs to take down, or pass --all');
    await cli(['datalab', 'down', 'src']);
  });
});
