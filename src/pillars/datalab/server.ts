// The one shared PostgreSQL server a machine's labs live on. Measured here (DECISIONS.md, "Data lab:
// a database per lab on one shared server"): initdb ~1.2 s, copying an initdb'd cluster + starting a
// server ~0.45 s, CREATE DATABASE ... TEMPLATE ~0.15 s. So initdb runs once into a cache folder, the
// server starts from a copy of it on the first `up`, every lab is a database cloned from a template,
// and the server stops (its folder removed) when the last lab goes.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CiError } from '../../core/errors.js';
import type { PgTools } from './pgtools.js';

export interface ServerState {
  port: number;
  /** The postmaster's pid (from postmaster.pid). */
  pid: number;
  bin: string;
  started: string;
}

export const serverDir = (home: string) => path.join(home, 'server');
const stateFile = (home: string) => path.join(home, 'server.json');
const cacheDir = (home: string, major: number) => path.join(home, 'cache', `pg${major}`);

/** Is the process running? A zombie (exited, not yet reaped by an init that never reaps) is not. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // /proc/PID/stat: "pid (comm) STATE ..."; comm may hold spaces, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return !existsSync('/proc/self/stat'); // no /proc (not Linux): trust kill(0)
  }
}

export function readServer(home: string): ServerState | null {
  try {
    const s = JSON.parse(readFileSync(stateFile(home), 'utf8')) as ServerState;
    return isAlive(s.pid) && existsSync(path.join(serverDir(home), 'data', 'postmaster.pid')) ? s : null;
  } catch {
    return null;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
  });
}

/** Folders the server writes must belong to `postgres` when we are root. */
function giveToServer(tools: PgTools, dir: string): void {
  if (tools.asRoot) {
    const r = spawnSync('chown', ['-R', 'postgres:postgres', dir]);
    if (r.status !== 0) throw new CiError('E_DATALAB_FAILED', `cannot give ${dir} to the postgres user`, { where: dir, hint: 'does the postgres user exist?' });
  }
}

/** initdb once per major version into the cache (built aside, then renamed, so a crash leaves no half cluster). */
export function ensureCache(home: string, tools: PgTools): { dir: string; built: boolean } {
  const dir = cacheDir(home, tools.major);
  if (existsSync(path.join(dir, 'PG_VERSION'))) return { dir, built: false };
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  giveToServer(tools, tmp);
  // --no-sync: a lab is throwaway; the cache is rebuilt if a crash ever tears it.
  tools.run('initdb', ['-D', tmp, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--no-sync']);
  renameSync(tmp, dir);
  return { dir, built: true };
}

/** Starts the shared server from a copy of the cache; returns its state. Call under the home lock. */
export async function startServer(home: string, tools: PgTools): Promise<ServerState> {
  const cache = ensureCache(home, tools).dir;
  const dir = serverDir(home);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir), { recursive: true });
  const cp = spawnSync('cp', ['-a', cache, path.join(dir, 'data')]);
  if (cp.status !== 0) throw new CiError('E_DATALAB_FAILED', `cannot copy the cluster cache: ${cp.stderr.toString()}`, { where: cache });
  mkdirSync(path.join(dir, 'sock'));
  giveToServer(tools, dir);
  let lastError: unknown;
  // A free port can be taken between asking and listening: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      tools.run('pg_ctl', [
        '-D',
        path.join(dir, 'data'),
        '-w',
        '-t',
        '30',
        '-l',
        path.join(dir, 'server.log'),
        '-o',
        // fsync off: a lab's data is throwaway (snapshots are the durable copy).
        `-p ${port} -k ${path.join(dir, 'sock')} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
        'start',
      ]);
      const pid = Number(readFileSync(path.join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
      const state: ServerState = { port, pid, bin: tools.bin, started: new Date().toISOString() };
      writeFileSync(stateFile(home), JSON.stringify(state));
      return state;
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}

/** Stops the shared server and removes its folder (the initdb cache stays). */
export function stopServer(home: string, tools: PgTools): void {
  const dir = serverDir(home);
  if (existsSync(path.join(dir, 'data', 'postmaster.pid'))) {
    try {
      tools.run('pg_ctl', ['-D', path.join(dir, 'data'), '-m', 'fast', '-w', '-t', '30', 'stop']);
    } catch {
      /* already gone: the folder is removed below all the same */
    }
  }
  rmSync(dir, { recursive: true, force: true });
  rmSync(stateFile(home), { force: true });
}

/** The lab home: made readable by the server's user (it must reach the folders inside). */
export function ensureHome(home: string): void {
  mkdirSync(path.join(home, 'labs'), { recursive: true, mode: 0o755 });
  // As root the server runs as `postgres`, which must pass through the home to its own folders.
  if (process.getuid?.() === 0) chmodSync(home, 0o755);
}

/** A script of this folder run as its own process: the compiled one beside this module, or the built one when running from source. */
export function builtScript(file: string): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, file), path.join(here, '..', '..', '..', 'dist', 'pillars', 'datalab', file)];
  return candidates.find((f) => existsSync(f)) ?? null;
}
