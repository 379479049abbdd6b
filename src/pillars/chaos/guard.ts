// Cleanup that survives the runner: a small detached process watching a pipe from the runner.
// The runner tells it what it creates (a step's process group, a scratch folder) and what it
// released; when the pipe closes without "done" — the runner was killed, even by SIGKILL, which no
// handler sees — the guard kills the groups still listed and removes the folders. Worker-thread
// stressors need no guard: they die with the runner's process. (DECISIONS: D-chaos-1.)
import { spawn, type ChildProcess } from 'node:child_process';

// Plain JavaScript run with `node -e`, so the same guard works from the sources (tests) and dist/.
const GUARD_SOURCE = String.raw`
const fs = require('node:fs');
const groups = new Set();
const dirs = new Set();
let done = false;
let buf = '';
function cleanUp() {
  for (const g of groups) { try { process.kill(-g, 'SIGKILL'); } catch {} }
  for (const d of dirs) { try { fs.rmSync(d, { recursive: true, force: true }); } catch {} }
}
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buf += chunk;
  let i;
  while ((i = buf.indexOf('\n')) >= 0) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    const sp = line.indexOf(' ');
    const cmd = sp < 0 ? line : line.slice(0, sp);
    const arg = sp < 0 ? '' : line.slice(sp + 1);
    if (cmd === 'group') groups.add(Number(arg));
    else if (cmd === 'ungroup') groups.delete(Number(arg));
    else if (cmd === 'dir') dirs.add(arg);
    else if (cmd === 'undir') dirs.delete(arg);
    else if (cmd === 'done') done = true;
  }
});
process.stdin.on('end', () => { if (!done) cleanUp(); process.exit(0); });
process.stdin.on('error', () => { cleanUp(); process.exit(0); });
`;

export interface Guard {
  /** The guard's process id (tests check it goes away). */
  pid: number | undefined;
  /** Resolves once the line is in the pipe: from then on the guard will see it even if the runner dies. */
  group(pgid: number): Promise<void>;
  ungroup(pgid: number): void;
  dir(path: string): void;
  undir(path: string): void;
  /** Normal end: everything was released by the runner itself. */
  done(): void;
}

export function startGuard(): Guard {
  const child: ChildProcess = spawn(process.execPath, ['-e', GUARD_SOURCE], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  child.unref();
  const stdin = child.stdin!;
  // The pipe must not keep the runner alive, and a guard that died must not crash the runner.
  (stdin as unknown as { unref?: () => void }).unref?.();
  stdin.on('error', () => {});
  const say = (line: string) =>
    new Promise<void>((resolve) => {
      // A dead guard cannot be helped: the runner goes on (its own cleanup still runs).
      if (stdin.destroyed) resolve();
      else stdin.write(`${line}\n`, () => resolve());
    });
  return {
    pid: child.pid,
    group: (g) => say(`group ${g}`),
    ungroup: (g) => void say(`ungroup ${g}`),
    dir: (d) => void say(`dir ${d}`),
    undir: (d) => void say(`undir ${d}`),
    done: () => {
      void say('done');
      stdin.end();
    },
  };
}
