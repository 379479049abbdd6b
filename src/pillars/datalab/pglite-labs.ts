// Starting and stopping a PGlite lab's process (pglite-lab.ts). Its state file lives in the home's
// `pglite/` folder (not `labs/`, where every *.json is a lab record) and goes with the lab.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { CiError } from '../../core/errors.js';
import { builtScript, isAlive } from './server.js';

const stateFile = (home: string, name: string) => path.join(home, 'pglite', `${name}.state`);
/** PGlite compiles its WebAssembly at start: ~1 s on a quiet machine, far longer on a loaded one. */
const START_TIMEOUT_MS = 120_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function labScript(): string {
  const found = builtScript('pglite-lab.js');
  if (!found)
    throw new CiError('E_DATALAB_FAILED', 'the PGlite lab program (pglite-lab.js) is missing', {
      where: 'dist/pillars/datalab/pglite-lab.js',
      hint: 'build the project first: npm run build',
    });
  return found;
}

/** Starts a lab's process and waits until it accepts connections. */
export async function startPgliteLab(home: string, name: string): Promise<{ pid: number; port: number }> {
  const file = stateFile(home, name);
  mkdirSync(path.dirname(file), { recursive: true });
  rmSync(file, { force: true });
  const child = spawn(process.execPath, [labScript(), file], { detached: true, stdio: 'ignore' });
  child.unref();
  const pid = child.pid;
  if (!pid) throw new CiError('E_DATALAB_FAILED', 'cannot start the PGlite lab process', { where: 'pglite-lab.js', hint: 'is node on PATH?' });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (existsSync(file)) {
      const state = JSON.parse(readFileSync(file, 'utf8')) as { port?: number; error?: string };
      if (state.port) return { pid, port: state.port };
      await stopPgliteLab(home, name, pid);
      throw new CiError('E_DATALAB_FAILED', `PGlite did not start: ${state.error ?? 'no reason given'}`, {
        where: `lab ${name}`,
        hint: 'see the message above',
      });
    }
    if (!isAlive(pid) || Date.now() > deadline) {
      await stopPgliteLab(home, name, pid);
      throw new CiError('E_DATALAB_FAILED', `PGlite did not start within ${START_TIMEOUT_MS / 1000} s`, {
        where: `lab ${name}`,
        hint: 'is the machine overloaded? try again, or install PostgreSQL (apt-get install -y postgresql)',
      });
    }
    await sleep(50);
  }
}

/** Stops a lab's process (SIGTERM, then SIGKILL after 5 s) and removes its state file. */
export async function stopPgliteLab(home: string, name: string, pid: number | undefined): Promise<void> {
  if (pid && isAlive(pid)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 5_000;
    while (isAlive(pid) && Date.now() < deadline) await sleep(25);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(stateFile(home, name), { force: true });
}
