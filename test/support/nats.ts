// Starts a real nats-server with JetStream for the tests (Debian's nats-server; .ci/run installs
// it), in a temp folder on a free port. Outside CI a missing binary skips the JetStream tests with
// the install hint; in CI it is an error.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './postgres.js';

export interface RunningNats {
  url: string;
  port: number;
  dir: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function natsServerBinary(): string | null {
  for (const p of ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']) {
    if (spawnSync(p, ['--version']).status === 0) return p;
  }
  const r = spawnSync('nats-server', ['--version']);
  return r.status === 0 ? 'nats-server' : null;
}

/** Why JetStream tests cannot run here, or null when they can (in CI a missing server is an error). */
export function natsSkipReason(): string | null {
  if (natsServerBinary()) return null;
  const reason = 'nats-server not found (install: apt-get install -y nats-server)';
  if (process.env.CI === 'true') throw new Error(reason);
  return reason;
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nats-server did not listen on ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startNats(): Promise<RunningNats> {
  const bin = natsServerBinary();
  if (!bin) throw new Error('nats-server not found (install: apt-get install -y nats-server)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-nats-'));
  const port = await freePort();
  const child = spawn(bin, ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  try {
    await waitForPort(port, 20_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${log}`);
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    dir,
    process: child,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
