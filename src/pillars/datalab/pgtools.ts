// The machine's PostgreSQL server binaries (initdb, pg_ctl, postgres, pg_dump, pg_restore): found the
// way the test suite finds them (scripts/postgres.mjs), plus an explicit folder and PATH. A clean
// Debian machine with the `postgresql` package has them only under /usr/lib/postgresql/<major>/bin
// (its /usr/bin has wrappers such as pg_ctlcluster, not initdb); some machines link them into
// /usr/local/bin. PostgreSQL refuses to run as root, so as root every server tool runs under
// `runuser -u postgres`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CiError } from '../../core/errors.js';

const SERVER_TOOLS = ['initdb', 'pg_ctl', 'postgres'];

export interface PgTools {
  bin: string;
  /** The major version (15, 16 ...), which names the initdb cache. */
  major: number;
  /** Runs a tool as the server's user; throws with its stderr when it fails. */
  run(tool: string, args: string[], opts?: { input?: string }): string;
  /** Runs a client tool (pg_dump, pg_restore) as this process's user: it reaches the server over TCP. */
  client(tool: string, args: string[]): string;
  /** Is this process root (so files the server writes must belong to `postgres`)? */
  asRoot: boolean;
}

const hasTools = (dir: string) => SERVER_TOOLS.every((t) => existsSync(path.join(dir, t)));

/** The folders tried, in order: the setting/env, Debian's newest major, then PATH. */
export function pgBinCandidates(env: NodeJS.ProcessEnv, configured?: string): string[] {
  const out: string[] = [];
  const explicit = configured || env.CI_INTEL_PG_BIN;
  if (explicit) out.push(explicit);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    for (const v of readdirSync(root).sort((a, b) => Number(b) - Number(a))) out.push(path.join(root, v, 'bin'));
  }
  for (const d of (env.PATH ?? '').split(path.delimiter)) if (d) out.push(d);
  return out;
}

export function findPgTools(env: NodeJS.ProcessEnv, configured?: string): PgTools {
  const candidates = pgBinCandidates(env, configured);
  const bin = candidates.find(hasTools);
  if (!bin) {
    throw new CiError('E_DATALAB_NO_POSTGRES', 'PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found', {
      where: configured || env.CI_INTEL_PG_BIN || '/usr/lib/postgresql/*/bin and PATH',
      hint: 'install them (Debian/Ubuntu: apt-get install -y postgresql) or set CI_INTEL_PG_BIN to the folder that has initdb',
    });
  }
  const asRoot = process.getuid?.() === 0;
  const version = spawnSync(path.join(bin, 'pg_ctl'), ['--version'], { encoding: 'utf8' }).stdout ?? '';
  const major = Number(/(\d+)/.exec(version)?.[1] ?? 0);
  const exec = (tool: string, args: string[], asServer: boolean, opts: { input?: string } = {}) => {
    const full = path.join(bin, tool);
    const r =
      asServer && asRoot
        ? spawnSync('runuser', ['-u', 'postgres', '--', full, ...args], { encoding: 'utf8', input: opts.input })
        : spawnSync(full, args, { encoding: 'utf8', input: opts.input });
    if (r.status !== 0) {
      const why = (r.stderr || r.stdout || r.error?.message || '').trim().split('\n').slice(-3).join(' | ');
      throw new CiError('E_DATALAB_FAILED', `${tool} failed (exit ${r.status ?? 'none'}): ${why}`, {
        where: full,
        hint: asRoot
          ? 'as root the server runs as the `postgres` user: it must exist and reach the lab folder (every folder above it needs o+x, e.g. chmod 755), or set datalab.home'
          : 'see the message above',
      });
    }
    return r.stdout;
  };
  const run = (tool: string, args: string[], opts: { input?: string } = {}) => exec(tool, args, true, opts);
  const client = (tool: string, args: string[]) => exec(tool, args, false);
  return { bin, major, run, client, asRoot };
}

/** The binaries, or null when the machine has none (a data lab then falls back to PGlite). */
export function tryFindPgTools(env: NodeJS.ProcessEnv, configured?: string): PgTools | null {
  try {
    return findPgTools(env, configured);
  } catch (e) {
    if (e instanceof CiError && e.code === 'E_DATALAB_NO_POSTGRES') return null;
    throw e;
  }
}
