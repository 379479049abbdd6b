// The PGlite folder lock: PGlite runs inside one process; two processes writing one folder corrupt
// it. The lock file holds the owner's pid and host; a lock whose process is gone is stale and taken over.
//
// Two races are closed (12 processes × 30 rounds once gave two holders twice): the lock file is
// written whole under a temporary name and linked into place (link fails if the lock exists), so
// no reader ever sees it empty; and a stale lock is taken over only under a takeover mutex (a
// folder, created atomically), after reading it again, so two processes cannot both remove it.
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, rmdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { CiError } from '../errors.js';

export const LOCK_FILE = 'ci-intel.lock';
/** A takeover mutex older than this was left by a crashed process. */
const TAKEOVER_STALE_MS = 10_000;

export interface FolderLock {
  file: string;
  release(): void;
}

interface LockInfo {
  pid: number;
  host: string;
  started_at: string;
  argv?: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock's owner, or `unreadable` (a file we did not write whole: never taken as stale), or null (no lock). */
function readOwner(file: string): LockInfo | 'unreadable' | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const o = JSON.parse(text) as LockInfo;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? o : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** Creates `file` with `content` in one step: written under a temporary name, then linked. */
function createWhole(file: string, content: string): boolean {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

function locked(dir: string, file: string, owner: LockInfo | 'unreadable'): CiError {
  if (owner === 'unreadable') {
    return new CiError('E_DB_LOCKED', `the PGlite store ${dir} has a lock file that is not ours to read`, {
      where: file,
      hint: `if no ci-intel process uses ${dir}, delete ${file} and start again`,
    });
  }
  return new CiError('E_DB_LOCKED', `the PGlite store ${dir} is in use by process ${owner.pid} on ${owner.host} (since ${owner.started_at})`, {
    where: file,
    // Name a command that works while the hub runs (runs, metrics, digest, tests quarantine and
    // token take --hub), not just an option.
    hint:
      'PGlite allows one process per data folder: read through the running hub instead, e.g. ' +
      '`ci-intel runs --hub http://HOST:PORT --token TOKEN` (runs, metrics, digest, tests quarantine and token commands take --hub; ' +
      'token create needs an admin token), stop the hub first, or use a PostgreSQL server (DATABASE_URL) for several processes',
    details: { pid: owner.pid, host: owner.host },
  });
}

/** Removes the lock if it is still the stale one read before, under the takeover mutex. */
function takeOverStale(file: string, stale: LockInfo): void {
  const mutex = `${file}.takeover`;
  try {
    mkdirSync(mutex);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    try {
      if (Date.now() - statSync(mutex).mtimeMs > TAKEOVER_STALE_MS) rmdirSync(mutex);
    } catch {
      /* another process removed it */
    }
    return; // someone else is taking over; the caller tries again
  }
  try {
    const now = readOwner(file);
    if (now && now !== 'unreadable' && now.pid === stale.pid && now.started_at === stale.started_at && now.host === stale.host) rmSync(file, { force: true });
  } finally {
    rmdirSync(mutex);
  }
}

export function acquireFolderLock(dir: string): FolderLock {
  const file = path.join(dir, LOCK_FILE);
  const info: LockInfo = {
    pid: process.pid,
    host: os.hostname(),
    started_at: new Date().toISOString(),
    argv: process.argv.slice(1).join(' ').slice(0, 200),
  };
  const content = JSON.stringify(info);
  for (let attempt = 0; attempt < 50; attempt++) {
    if (createWhole(file, content)) {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const cur = readOwner(file);
        if (cur && cur !== 'unreadable' && cur.pid === process.pid && cur.started_at === info.started_at) rmSync(file, { force: true });
      };
      process.once('exit', release);
      return { file, release };
    }
    const owner = readOwner(file);
    if (owner === null) continue; // released between our attempt and the read
    if (owner === 'unreadable' || owner.host !== os.hostname() || alive(owner.pid)) throw locked(dir, file, owner);
    takeOverStale(file, owner);
  }
  throw new CiError('E_DB_LOCKED', `could not take the lock ${file}`, { where: file, hint: 'retry; another process keeps taking it' });
}
