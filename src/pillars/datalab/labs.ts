// Labs: one database each on the shared server (server.ts), recorded as a small JSON file per lab so
// `ls`, `down` and the TTL reaper work across processes. Every change happens under the home's lock
// file, so parallel test files (the Node helper) and a reaper never race.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, closeSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { CiError } from '../../core/errors.js';
import type { PgTools } from './pgtools.js';
import { startPgliteLab, stopPgliteLab } from './pglite-labs.js';
import { builtScript, ensureHome, isAlive, readServer, startServer, stopServer, type ServerState } from './server.js';

/** The database engine of a lab: the machine's PostgreSQL, or PGlite when it has none. */
export type Engine = 'postgres' | 'pglite';

export interface LabSource {
  kind: 'empty' | 'template' | 'seed' | 'snapshot';
  /** The template database the lab was cloned from. */
  template: string;
  /** What the template was made from (schema file + seed, snapshot name, template name). */
  detail?: string;
}

export interface Lab {
  name: string;
  /** Absent in records written before PGlite labs existed: postgres. */
  engine?: Engine;
  /** A PGlite lab's own process. */
  pid?: number;
  database: string;
  url: string;
  port: number;
  created: string;
  /** ISO instant after which the reaper drops it; null for no TTL. */
  expires: string | null;
  source: LabSource;
}

export interface LabHome {
  dir: string;
  /** The PostgreSQL server binaries; null on a machine without them (PGlite labs only). */
  tools: PgTools | null;
  now: () => Date;
}

/** The binaries, or the error that says how to get them (a PostgreSQL-engine lab needs them). */
export function needTools(home: LabHome): PgTools {
  if (home.tools) return home.tools;
  throw new CiError('E_DATALAB_NO_POSTGRES', 'PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found', {
    where: '/usr/lib/postgresql/*/bin and PATH',
    hint: 'install them (Debian/Ubuntu: apt-get install -y postgresql), set CI_INTEL_PG_BIN, or use --engine pglite (no snapshots or templates)',
  });
}

const labsDir = (home: string) => path.join(home, 'labs');
const labFile = (home: string, name: string) => path.join(labsDir(home), `${name}.json`);
const NAME = /^[a-z][a-z0-9_-]{0,47}$/;

export function checkName(name: string, where = '--name'): string {
  if (!NAME.test(name))
    throw new CiError('E_USAGE', `${JSON.stringify(name)} is not a valid lab name`, {
      where,
      hint: 'a lower-case letter, then up to 47 lower-case letters, digits, - or _',
    });
  return name;
}

export const dbName = (name: string) => `lab_${name.replace(/-/g, '_')}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` holding the home's lock (a file holding our pid; a dead holder's lock is taken over). */
export async function withLock<T>(home: string, fn: () => Promise<T>): Promise<T> {
  ensureHome(home);
  const lock = path.join(home, 'lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readText(lock));
      if (holder && !isAlive(holder)) rmSync(lock, { force: true });
      else if (Date.now() > deadline)
        throw new CiError('E_DATALAB_FAILED', `the lab folder is locked by process ${holder}`, {
          where: lock,
          hint: 'wait for it, or remove the file if no datalab command runs',
        });
      else await sleep(25);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function listLabs(home: string): Lab[] {
  if (!existsSync(labsDir(home))) return [];
  return readdirSync(labsDir(home))
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(labsDir(home), f), 'utf8')) as Lab)
    .sort((a, b) => a.name.localeCompare(b.name));
}

export const adminUrl = (s: ServerState, database = 'postgres') => `postgres://postgres@127.0.0.1:${s.port}/${database}`;

/** One query on a database by URL (a lab's, for scripts and tests); returns its rows. */
export async function queryUrl<T extends Record<string, unknown> = Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

/** Runs statements on the server as its superuser. */
export async function onServer<T>(s: ServerState, database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl(s, database) });
  await c.connect();
  try {
    return await fn(c);
  } catch (e) {
    if (e instanceof CiError) throw e;
    throw new CiError('E_DATALAB_FAILED', `PostgreSQL: ${(e as Error).message}`, { where: `database ${database}` });
  } finally {
    await c.end();
  }
}

/** The running shared server, started when none runs. Call under the lock. */
export async function ensureServer(home: LabHome): Promise<ServerState> {
  return readServer(home.dir) ?? (await startServer(home.dir, needTools(home)));
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

export async function databaseExists(s: ServerState, database: string): Promise<boolean> {
  return onServer(s, 'postgres', async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1);
}

/**
 * A template database made once per key (a seeded schema, a restored snapshot): built aside by
 * `build`, then renamed, so a failed build never leaves a half template behind. Call under the lock.
 */
export async function ensureTemplate(s: ServerState, key: string, build: (url: string) => Promise<void>): Promise<{ name: string; built: boolean }> {
  const name = `tpl_${key}`;
  if (await databaseExists(s, name)) return { name, built: false };
  const aside = `${name}_build`;
  await onServer(s, 'postgres', async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${ident(aside)}`);
    await c.query(`CREATE DATABASE ${ident(aside)} TEMPLATE template0`);
  });
  try {
    await build(adminUrl(s, aside));
  } catch (e) {
    await onServer(s, 'postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${ident(aside)} WITH (FORCE)`));
    throw e;
  }
  await onServer(s, 'postgres', (c) => c.query(`ALTER DATABASE ${ident(aside)} RENAME TO ${ident(name)}`));
  return { name, built: true };
}

export interface UpOptions {
  name?: string;
  ttlMs: number | null;
  /** Default postgres. */
  engine?: Engine;
  /** A PGlite lab's contents, filled through its URL once it is up (PGlite labs have no templates). */
  fill?: (url: string) => Promise<LabSource>;
  /** Clone this database (a template made by ensureTemplate, or an existing one); default template0. */
  prepare?: (s: ServerState) => Promise<LabSource>;
}

export async function labUp(home: LabHome, opts: UpOptions): Promise<Lab> {
  const name = checkName(opts.name ?? `lab-${randomBytes(3).toString('hex')}`);
  const lab = await withLock(home.dir, async () => {
    await reapUnlocked(home);
    if (existsSync(labFile(home.dir, name)))
      throw new CiError('E_USAGE', `a lab named ${name} is already up`, { where: '--name', hint: `take it down first: ci-intel datalab down ${name}` });
    if (opts.engine === 'pglite') return pgliteUp(home, name, opts);
    const s = await ensureServer(home);
    const database = dbName(name);
    let source: LabSource;
    try {
      source = opts.prepare ? await opts.prepare(s) : { kind: 'empty', template: 'template0' };
      await onServer(s, 'postgres', async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${ident(database)} WITH (FORCE)`);
        await c.query(`CREATE DATABASE ${ident(database)} TEMPLATE ${ident(source.template)}`);
      });
    } catch (e) {
      // A failed first lab must not leave a server running for nobody.
      shutDownIfIdle(home);
      throw e;
    }
    const lab: Lab = {
      name,
      engine: 'postgres',
      database,
      url: adminUrl(s, database),
      port: s.port,
      ...lifetime(home, opts),
      source,
    };
    writeLab(home.dir, lab);
    return lab;
  });
  if (lab.expires) startReaper(home);
  return lab;
}

function lifetime(home: LabHome, opts: UpOptions): Pick<Lab, 'created' | 'expires'> {
  const now = home.now();
  return { created: now.toISOString(), expires: opts.ttlMs === null ? null : new Date(now.getTime() + opts.ttlMs).toISOString() };
}

const writeLab = (home: string, lab: Lab) => writeFileSync(labFile(home, lab.name), JSON.stringify(lab, null, 2));

/** A PGlite lab: its own process, recorded before it is filled so a failure still takes it down. Under the lock. */
async function pgliteUp(home: LabHome, name: string, opts: UpOptions): Promise<Lab> {
  const started = await startPgliteLab(home.dir, name);
  const lab: Lab = {
    name,
    engine: 'pglite',
    pid: started.pid,
    database: 'postgres',
    url: `postgres://postgres@127.0.0.1:${started.port}/postgres`,
    port: started.port,
    ...lifetime(home, opts),
    source: { kind: 'empty', template: 'none' },
  };
  writeLab(home.dir, lab);
  try {
    if (opts.fill) lab.source = await opts.fill(lab.url);
  } catch (e) {
    await dropLab(home, lab);
    shutDownIfIdle(home);
    throw e;
  }
  writeLab(home.dir, lab);
  return lab;
}

/** Takes one lab down: stops its PGlite process or drops its database, and forgets it. Call under the lock. */
async function dropLab(home: LabHome, lab: Lab): Promise<void> {
  if (lab.engine === 'pglite') await stopPgliteLab(home.dir, lab.name, lab.pid);
  else {
    const s = readServer(home.dir);
    if (s) await onServer(s, 'postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${ident(dbName(lab.name))} WITH (FORCE)`));
  }
  rmSync(labFile(home.dir, lab.name), { force: true });
}

/** Stops the server and the reaper when no lab is left. */
function shutDownIfIdle(home: LabHome): void {
  if (listLabs(home.dir).length === 0) shutDown(home);
}

function shutDown(home: LabHome): void {
  if (home.tools) stopServer(home.dir, home.tools);
  const reaper = Number(readText(reaperPidFile(home.dir)));
  if (reaper && reaper !== process.pid && isAlive(reaper)) process.kill(reaper, 'SIGTERM');
  rmSync(reaperPidFile(home.dir), { force: true });
}

export async function labDown(home: LabHome, names: string[], all = false): Promise<string[]> {
  return withLock(home.dir, async () => {
    const known = new Map(listLabs(home.dir).map((l) => [l.name, l]));
    const targets = all ? [...known.keys()] : [...new Set(names)];
    for (const n of targets) {
      if (!known.has(n)) throw new CiError('E_NOT_FOUND', `no lab named ${n} is up`, { where: n, hint: 'ci-intel datalab ls lists the labs that are up' });
    }
    for (const n of targets) await dropLab(home, known.get(n)!);
    // No lab left (a server left by a crash between steps included): the server stops too.
    if (targets.length === known.size) shutDown(home);
    return targets.sort();
  });
}

async function reapUnlocked(home: LabHome): Promise<string[]> {
  const now = home.now().getTime();
  const labs = listLabs(home.dir);
  const expired = labs.filter((l) => l.expires !== null && Date.parse(l.expires) <= now);
  for (const l of expired) await dropLab(home, l);
  if (expired.length && expired.length === labs.length) shutDown(home);
  return expired.map((l) => l.name);
}

/** Takes down every lab past its TTL; returns their names. */
export const reap = (home: LabHome) => withLock(home.dir, () => reapUnlocked(home));

const reaperPidFile = (home: string) => path.join(home, 'reaper.pid');

/**
 * Starts the TTL reaper (one per home, detached): it takes down labs as they expire and exits when
 * none is left. Without the built reaper, expired labs go at the next datalab command instead.
 */
export function startReaper(home: LabHome): boolean {
  const pidFile = reaperPidFile(home.dir);
  const running = Number(readText(pidFile));
  if (running && isAlive(running)) return true;
  const script = builtScript('reaper.js');
  if (!script) return false;
  mkdirSync(home.dir, { recursive: true });
  const child = spawn(process.execPath, [script, home.dir, home.tools?.bin ?? '-'], { detached: true, stdio: 'ignore' });
  child.unref();
  if (child.pid) writeFileSync(pidFile, String(child.pid));
  return true;
}
