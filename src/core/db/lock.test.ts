// The folder lock under contention: real processes race for one data folder, some die holding it
// (a stale lock to take over); at no moment may two hold it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../../../test/support/cli.js';
import { acquireFolderLock } from './lock.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// LOCK_JS_UNDER_TEST points the race at another build of the lock (the previous one had 38–49 double holdings).
const LOCK_JS = process.env.LOCK_JS_UNDER_TEST ?? path.resolve('dist/core/db/lock.js');

// Each child takes the lock ROUNDS times; while holding it, it creates `holder` exclusively (two
// holders at once = EEXIST = a violation). Children marked to die leave their last lock stale.
const CHILD = `
import { openSync, closeSync, rmSync } from 'node:fs';
import path from 'node:path';
const { acquireFolderLock } = await import(process.env.LOCK_JS);
const dir = process.env.DIR, rounds = Number(process.env.ROUNDS), die = process.env.DIE === '1';
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
let got = 0, violations = 0;
for (let r = 0; r < rounds; r++) {
  let lock;
  for (;;) { try { lock = acquireFolderLock(dir); break; } catch (e) { if (e.code !== 'E_DB_LOCKED') throw e; sleep(1 + Math.random() * 2); } }
  const holder = path.join(dir, 'holder');
  try { closeSync(openSync(holder, 'wx')); } catch { violations++; }
  got++;
  sleep(Math.random() * 2);
  rmSync(holder, { force: true });
  if (die && r === rounds - 1) { process.stdout.write(JSON.stringify({ got, violations }) + '\\n'); process.kill(process.pid, 'SIGKILL'); }
  lock.release();
}
process.stdout.write(JSON.stringify({ got, violations }) + '\\n');
`;

function child(rounds: number, die: boolean): Promise<{ got: number; violations: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
      env: { ...process.env, LOCK_JS, DIR: dir, ROUNDS: String(rounds), DIE: die ? '1' : '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!));
      } catch {
        reject(new Error(`child failed: ${err}`));
      }
    });
  });
}

describe('folder lock', () => {
  it('12 processes × 30 rounds, 3 of them dying while holding it: never two holders', async () => {
    assertBuilt();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => child(30, i % 4 === 0)));
    expect(results.reduce((s, r) => s + r.violations, 0)).toBe(0);
    expect(results.reduce((s, r) => s + r.got, 0)).toBe(12 * 30);
  }, 120_000);

  it('never takes an empty or half-written lock file for a stale one', () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-lock-empty-'));
    try {
      for (const text of ['', '{"pid":']) {
        writeFileSync(path.join(d, 'ci-intel.lock'), text);
        const e = (() => {
          try {
            acquireFolderLock(d);
          } catch (err) {
            return err as { code: string; hint: string };
          }
          return null;
        })();
        expect(e?.code).toBe('E_DB_LOCKED');
        expect(e?.hint).toMatch(/delete .*ci-intel\.lock/);
      }
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
