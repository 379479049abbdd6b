// Faults clean up even when the chaos runner itself is killed: the built CLI runs a step under a
// fault, the test kills the runner (SIGKILL, which no handler sees, and SIGTERM), and then the
// step's process group is gone and the scratch area freed — the guard's work (guard.ts).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/until.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist/cli/main.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-chaos-kill-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Alive and not a zombie (a container's PID 1 may never reap the orphans). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

async function killRunner(fault: string, signal: NodeJS.Signals, name: string) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does it first)`);
  const pidFile = path.join(tmp, `${name}.pid`);
  const scratchFile = path.join(tmp, `${name}.scratch`);
  // The step leaves a grandchild too: the whole group must go, not only the shell.
  const step = `sleep 120 & echo $! > ${pidFile}.child; echo "$CI_INTEL_CHAOS_SCRATCH" > ${scratchFile}; echo $$ > ${pidFile}; wait`;
  const runner = spawn(process.execPath, [CLI, 'chaos', 'run', '--fault', fault, '--rate', '1', '--seed', '1', '--', 'sh', '-c', step], {
    stdio: 'ignore',
    env: { ...process.env, CI_INTEL_LOG_LEVEL: 'warn' },
  });
  const exited = new Promise<void>((r) => runner.on('exit', () => r()));
  await until('the step started', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 60_000);
  const shell = Number(readFileSync(pidFile, 'utf8'));
  const child = Number(readFileSync(`${pidFile}.child`, 'utf8'));
  const scratch = readFileSync(scratchFile, 'utf8').trim();
  expect(alive(shell) && alive(child)).toBe(true);
  runner.kill(signal);
  await exited;
  await until('the step and its child are gone', () => !alive(shell) && !alive(child), 60_000);
  if (scratch) await until('the scratch area is freed', () => !existsSync(scratch), 60_000);
  return { scratch };
}

describe('the chaos runner killed mid-step', () => {
  it('SIGKILL under disk_fill: the step group is killed and the scratch area removed', async () => {
    const { scratch } = await killRunner(`disk_fill:size=8m,percent=50,dir=${tmp}`, 'SIGKILL', 'kill');
    expect(scratch).toContain(path.join(tmp, 'ci-intel-chaos-'));
  });

  it('SIGTERM under disk_fill: the same', async () => {
    const { scratch } = await killRunner(`disk_fill:size=8m,percent=50,dir=${tmp}`, 'SIGTERM', 'term');
    expect(scratch).toContain(path.join(tmp, 'ci-intel-chaos-'));
  });

  it('SIGKILL under cpu_stress: the runner (and so its stressor threads) ends, the step group is killed', async () => {
    await killRunner('cpu_stress:workers=2', 'SIGKILL', 'cpu');
  });
});
