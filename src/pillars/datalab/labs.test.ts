// Labs on the machine's real PostgreSQL: isolation, and nothing left running or on disk after
// `down` or the TTL (checked on the process table and the folder, not on our own bookkeeping).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labDown, labUp, listLabs, queryUrl, reap, type LabHome } from './labs.js';
import { findPgTools } from './pgtools.js';
import { isAlive, readServer } from './server.js';

const homes: string[] = [];
function newHome(now = () => new Date()): LabHome {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lab-test-'));
  homes.push(dir);
  return { dir, tools: findPgTools(process.env), now };
}
afterAll(async () => {
  for (const dir of homes) {
    if (listLabs(dir).length) await labDown({ dir, tools: findPgTools(process.env), now: () => new Date() }, [], true);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Processes whose command line names the folder (the server, the reaper). */
const processesOf = (dir: string) =>
  spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => l.includes(dir) && !l.includes('ps -eo'));

const sql = queryUrl;

const waitFor = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  return cond();
};

describe('datalab labs', () => {
  it('two labs are isolated databases; down of the last leaves no process and no server folder', async () => {
    const home = newHome();
    const a = await labUp(home, { name: 'alpha', ttlMs: null });
    const b = await labUp(home, { name: 'beta', ttlMs: null });
    expect(a.url).not.toBe(b.url);
    await sql(a.url, 'CREATE TABLE secrets (v text); INSERT INTO secrets VALUES ($$only in alpha$$)');
    expect(await sql(a.url, 'SELECT v FROM secrets')).toEqual([{ v: 'only in alpha' }]);
    expect(await sql(b.url, "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'secrets'")).toEqual([{ n: 0 }]);
    expect(listLabs(home.dir).map((l) => l.name)).toEqual(['alpha', 'beta']);

    const server = readServer(home.dir)!;
    expect(isAlive(server.pid)).toBe(true);
    expect(processesOf(home.dir).length).toBeGreaterThan(0);
    await labDown(home, ['alpha']);
    expect(isAlive(server.pid)).toBe(true); // beta still needs it
    await expect(sql(b.url, 'SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
    await labDown(home, ['beta']);
    expect(isAlive(server.pid)).toBe(false);
    expect(processesOf(home.dir)).toEqual([]);
    // only the initdb cache stays (and the empty lab list)
    expect(readdirSync(home.dir).sort()).toEqual(['cache', 'labs']);
    expect(readdirSync(path.join(home.dir, 'labs'))).toEqual([]);
  });

  it('reaps labs past their TTL by the clock given, and keeps the others', async () => {
    // Far ahead of the wall clock, so the detached reaper (which reads the real time) leaves these labs to us.
    let now = new Date('2099-12-06T05:00:00Z');
    const home = newHome(() => now);
    await labUp(home, { name: 'short', ttlMs: 60_000 });
    await labUp(home, { name: 'long', ttlMs: 3_600_000 });
    now = new Date('2099-12-06T05:02:00Z');
    expect(await reap(home)).toEqual(['short']);
    expect(listLabs(home.dir).map((l) => l.name)).toEqual(['long']);
    now = new Date('2099-12-06T07:00:00Z');
    expect(await reap(home)).toEqual(['long']);
    expect(existsSync(path.join(home.dir, 'server'))).toBe(false);
    expect(processesOf(home.dir)).toEqual([]);
  });

  it('the detached reaper takes a lab down at its TTL, stops the server and exits', async () => {
    const home = newHome();
    const lab = await labUp(home, { name: 'brief', ttlMs: 1500 });
    const server = readServer(home.dir)!;
    expect(processesOf(home.dir).some((l) => l.includes('reaper.js'))).toBe(true);
    expect(await waitFor(() => listLabs(home.dir).length === 0 && processesOf(home.dir).length === 0, 15_000)).toBe(true);
    expect(isAlive(server.pid)).toBe(false);
    expect(existsSync(path.join(home.dir, 'server'))).toBe(false);
    await expect(sql(lab.url, 'SELECT 1')).rejects.toThrow();
  });

  it('refuses a second lab of the same name and a bad name, saying what to do', async () => {
    const home = newHome();
    await labUp(home, { name: 'twice', ttlMs: null });
    await expect(labUp(home, { name: 'twice', ttlMs: null })).rejects.toThrow(/already up.*|take it down/);
    await expect(labUp(home, { name: 'Bad Name', ttlMs: null })).rejects.toThrow('is not a valid lab name');
    await expect(labDown(home, ['nope'])).rejects.toThrow('no lab named nope is up');
    await labDown(home, ['twice']);
  });
});
