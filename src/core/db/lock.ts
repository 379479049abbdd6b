// The PGlite folder lock: PGlite runs inside one process; two processes writing one folder corrupt
// it. The lock file holds the owner's pid and host; a lock whose process is gone is stale and taken over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CiError } from '../errors.js';

export const LOCK_FILE = 'ci-intel.lock';

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

export function acquireFolderLock(dir: string): FolderLock {
  const file = path.join(dir, LOCK_FILE);
  const info: LockInfo = {
    pid: process.pid,
    host: os.hostname(),
    started_at: new Date().toISOString(),
    argv: process.argv.slice(1).join(' ').slice(0, 200),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, JSON.stringify(info));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          const cur = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
          if (cur.pid === process.pid) rmSync(file, { force: true });
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return { file, release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner: LockInfo | undefined;
      try {
        owner = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
      } catch {
        owner = undefined; // half-written by a crashed process: stale
      }
      const sameHost = !owner || owner.host === os.hostname();
      if (owner && (!sameHost || alive(owner.pid))) {
        throw new CiError('E_DB_LOCKED', `the PGlite store ${dir} is in use by process ${owner.pid} on ${owner.host} (since ${owner.started_at})`, {
          where: file,
          hint:
            'PGlite allows one process per data folder: talk to the running hub through its API (--hub URL), ' +
            'stop it first, or use a PostgreSQL server (DATABASE_URL) for several processes',
          details: { pid: owner.pid, host: owner.host },
        });
      }
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new CiError('E_DB_LOCKED', `could not take the lock ${file}`, { where: file, hint: 'retry; another process keeps taking it' });
}
