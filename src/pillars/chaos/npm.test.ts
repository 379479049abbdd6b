// A real `npm ci` through the chaos proxy (HTTP_PROXY, as the runner sets it) against a small
// registry on loopback: it serves a packument and a tarball that `npm pack` made here, and the
// project's package-lock.json is what `npm install --package-lock-only` wrote against it. Offline.
// delay_net within npm's fetch timeout: installed; past it once: recovered with a retry; a
// transient drop_net: recovered; a persistent drop: failed.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pillars, runCli } from '../../../test/support/assembled.js';
import type { TrialResult } from './runner.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-chaos-npm-'));
const NAME = 'tiny-chaos-pkg';
const project = path.join(tmp, 'app');
let registry: http.Server;
let url = '';
/** Requests the registry answered, by path: proof that npm reached it (through the proxy). */
const served: string[] = [];
// Asynchronous: the registry answering npm lives in this process, so a blocking exec would deadlock.
const run = promisify(execFile);

beforeAll(async () => {
  // The package, packed by npm itself.
  const src = path.join(tmp, 'pkg');
  mkdirSync(src);
  writeFileSync(path.join(src, 'package.json'), JSON.stringify({ name: NAME, version: '1.0.0', main: 'index.js' }));
  writeFileSync(path.join(src, 'index.js'), "module.exports = 'tiny';\n");
  const [packed] = JSON.parse((await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: src, env: npmEnv() })).stdout) as {
    filename: string;
    integrity: string;
    shasum: string;
  }[];
  const tarball = readFileSync(path.join(tmp, packed!.filename));

  registry = http.createServer((req, res) => {
    served.push(req.url ?? '');
    if (req.url === `/${NAME}`) {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          name: NAME,
          'dist-tags': { latest: '1.0.0' },
          versions: {
            '1.0.0': {
              name: NAME,
              version: '1.0.0',
              main: 'index.js',
              dist: { tarball: `${url}/${NAME}/-/${packed!.filename}`, integrity: packed!.integrity, shasum: packed!.shasum },
            },
          },
        }),
      );
    } else if (req.url === `/${NAME}/-/${packed!.filename}`) {
      res.setHeader('content-type', 'application/octet-stream');
      res.end(tarball);
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((r) => registry.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;

  // The project and its lockfile, written by npm against the registry (directly, no proxy).
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '0.0.0', private: true, dependencies: { [NAME]: '1.0.0' } }));
  await run('npm', ['install', '--package-lock-only', '--registry', url, '--cache', path.join(tmp, 'lock-cache'), '--no-audit', '--no-fund'], {
    cwd: project,
    env: npmEnv(),
  });
  expect(readFileSync(path.join(project, 'package-lock.json'), 'utf8')).toContain(`${url}/${NAME}/-/${packed!.filename}`);
}, 60_000);

afterAll(async () => {
  registry?.closeAllConnections();
  await new Promise((r) => registry?.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

function npmEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: tmp, npm_config_update_notifier: 'false' };
}

/**
 * `npm ci` in the project with an empty cache each attempt (so every attempt fetches), no npm-level
 * retries (the chaos runner's policy is what is measured) and a 1.5 s fetch timeout.
 */
const npmCi = () => [
  'sh',
  '-c',
  `cd ${project} && npm ci --registry ${url} --cache "$(mktemp -d)" --prefer-online --no-audit --no-fund --fetch-retries 0 --fetch-timeout 1500 --loglevel error && test -f node_modules/${NAME}/index.js && echo installed ${NAME}`,
];

async function chaos(fault: string, flags: string[]) {
  let out = '';
  let err = '';
  const args = [
    'chaos',
    'run',
    '--fault',
    fault,
    '--rate',
    '1',
    '--seed',
    '8',
    '--backoff',
    '20ms',
    '--target',
    'npm-ci',
    ...flags,
    '--json',
    '--',
    ...npmCi(),
  ];
  const code = await runCli(
    args,
    { out: (s) => (out += s), err: (s) => (err += s), env: { ...npmEnv(), TMPDIR: tmp }, isTTY: false, now: () => new Date(), cwd: tmp },
    pillars,
  );
  return { code, t: JSON.parse(out) as TrialResult, err };
}

describe('npm ci through the chaos proxy against a local registry', () => {
  it('delay_net: a small latency still installs; latency past the fetch timeout fails once and the retry recovers', async () => {
    served.length = 0;
    const slow = await chaos('delay_net:latency=50ms,jitter=20ms', []);
    expect(slow.code, slow.err).toBe(0);
    expect(slow.t.trial).toMatchObject({ fault: 'delay_net', target: 'npm-ci', outcome: 'recovered', retries: 0 });
    expect(slow.err).toContain(`installed ${NAME}`);
    // npm ci reads the lockfile: it fetches the tarball only, and it reached the registry.
    expect(served).toContain(`/${NAME}/-/${NAME}-1.0.0.tgz`);

    const once = await chaos('delay_net:latency=2500ms,times=1', []);
    expect(once.code, once.err).toBe(0);
    expect(once.t.trial).toMatchObject({ outcome: 'recovered', retries: 1 });
    expect(once.t.attempts.map((a) => a.exit_code !== 0)).toEqual([true, false]);
  });

  it('drop_net: a transient drop is recovered with a retry; a persistent one fails the trial', async () => {
    rmSync(path.join(project, 'node_modules'), { recursive: true, force: true });
    const transient = await chaos('drop_net:loss=1,times=1', []);
    expect(transient.code, transient.err).toBe(0);
    expect(transient.t.trial).toMatchObject({ fault: 'drop_net', outcome: 'recovered', retries: 1 });
    expect(transient.t.attempts.map((a) => a.exit_code !== 0)).toEqual([true, false]);
    expect(existsSync(path.join(project, 'node_modules', NAME, 'index.js'))).toBe(true);

    const persistent = await chaos('drop_net:loss=1', ['--retries', '1']);
    expect(persistent.code).toBe(1);
    expect(persistent.t.trial).toMatchObject({ outcome: 'failed', retries: 1 });
    expect(persistent.err).toMatch(/npm error code (ECONNRESET|ECONNREFUSED|EPIPE)/);
  });
});
