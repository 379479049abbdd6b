// bench/webhooks (sources issue "Benchmark"): deliveries/s and p99 through HMAC verify + durable
// persist (group commit) + 2xx, on PostgreSQL and on PGlite, next to a bare node:http hello world,
// all on this machine in one run. The load generator is autocannon in its own process.
// Run after `npm run build`:  node bench/webhooks/run.mjs [--seconds 10] [--connections 50]
// PostgreSQL: DATABASE_URL if set, else a throwaway server from Debian's postgresql (as the tests do).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sign } from '@octokit/webhooks-methods';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const MAIN = path.join(root, 'dist/cli/main.js');
const require = createRequire(import.meta.url);
const arg = (name, d) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const SECONDS = arg('seconds', 10);
const CONNECTIONS = arg('connections', 50);
const SECRET = 'bench-secret';
if (!existsSync(MAIN)) {
  console.error('dist/ is missing: run npm run build first');
  process.exit(2);
}

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });

function load(o) {
  const r = spawnSync(process.execPath, [path.join(here, 'load.mjs'), JSON.stringify(o)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`load generator failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function waitFor(child, re, what) {
  let out = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} did not start: ${out}`)), 120_000);
    const on = (d) => {
      out += d.toString();
      const m = re.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m);
      }
    };
    child.stdout.on('data', on);
    child.stderr.on('data', (d) => (out += d.toString()));
    child.once('exit', (c) => reject(new Error(`${what} exited ${c}: ${out}`)));
  });
}

const stop = async (child) => {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
};

async function helloWorld() {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['-e', `require('node:http').createServer((q, s) => s.end('hello world')).listen(${port}, '127.0.0.1', () => console.log('up'))`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitFor(child, /up/, 'node:http');
  const r = load({ url: `http://127.0.0.1:${port}/`, seconds: SECONDS, connections: CONNECTIONS, mode: 'hello' });
  await stop(child);
  return r;
}

async function hub(env, label, payload) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-bench-'));
  const child = spawn(process.execPath, [MAIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dir], {
    env: { ...process.env, ...env, GITHUB_WEBHOOK_SECRET: SECRET, CI_INTEL_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [, url] = await waitFor(child, /listening on (http:\/\/\S+)/, `hub (${label})`);
  const base = url.replace('localhost', '127.0.0.1');
  const body = JSON.stringify(payload);
  const r = load({
    url: `${base}/webhooks/github`,
    seconds: SECONDS,
    connections: CONNECTIONS,
    mode: 'webhook',
    body,
    signature: await sign(SECRET, body),
    prefix: label,
  });
  await stop(child);
  return { ...r, dir };
}

function startPostgres() {
  const rootDir = '/usr/lib/postgresql';
  const v = existsSync(rootDir) ? readdirSync(rootDir).sort((a, b) => Number(b) - Number(a))[0] : null;
  if (!v) throw new Error('no PostgreSQL: set DATABASE_URL or apt-get install postgresql');
  const bin = path.join(rootDir, v, 'bin');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-bench-pg-'));
  chmodSync(dir, 0o777);
  const root = process.getuid?.() === 0;
  const pg = (cmd, args) => {
    const r = root
      ? spawnSync('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args], { encoding: 'utf8' })
      : spawnSync(path.join(bin, cmd), args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  };
  pg('initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-locale']);
  return { dir, pg, bin };
}

const payload = require('@octokit/webhooks-examples/api.github.com/index.json')
  .find((e) => e.name === 'workflow_job')
  .examples.find((e) => e.action === 'completed');
const fmt = (n) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));

console.error(
  `bench/webhooks: ${SECONDS} s per run, ${CONNECTIONS} connections, payload ${JSON.stringify(payload).length} bytes (a real workflow_job delivery)`,
);
const peer = await helloWorld();

let pgUrl = process.env.DATABASE_URL;
let pgServer = null;
if (!pgUrl) {
  pgServer = startPostgres();
  const port = await freePort();
  // Default durability settings (fsync on, synchronous_commit on): a 2xx means the delivery is on disk.
  pgServer.pg('pg_ctl', [
    '-D',
    path.join(pgServer.dir, 'data'),
    '-w',
    '-l',
    path.join(pgServer.dir, 'log'),
    '-o',
    `-p ${port} -k ${pgServer.dir} -c listen_addresses=127.0.0.1`,
    'start',
  ]);
  pgUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
}
const results = [];
try {
  for (const [label, env] of [
    ['postgres', { DATABASE_URL: pgUrl }],
    ['pglite', {}],
  ]) {
    const r = await hub(env, label, payload);
    results.push([label, r]);
    rmSync(r.dir, { recursive: true, force: true });
  }
} finally {
  if (pgServer) {
    pgServer.pg('pg_ctl', ['-D', path.join(pgServer.dir, 'data'), '-m', 'fast', '-w', 'stop']);
    rmSync(pgServer.dir, { recursive: true, force: true });
  }
}

console.log(`node:http hello world: ${fmt(peer.rps)} req/s, p99 ${peer.p99} ms`);
for (const [label, r] of results) {
  const bad = r.non2xx + r.errors + r.timeouts;
  console.log(
    `webhooks ${label}: ours ${fmt(r.rps)} deliveries/s (p50 ${r.p50} ms, p99 ${r.p99} ms${bad ? `, ${bad} not 2xx` : ''}), peer node:http ${fmt(peer.rps)} req/s, ratio ${(r.rps / peer.rps).toFixed(2)}`,
  );
}
const pgRes = results.find(([l]) => l === 'postgres')[1];
console.log(`goal on PostgreSQL: ratio >= 0.25 and p99 < 100 ms: ${pgRes.rps / peer.rps >= 0.25 && pgRes.p99 < 100 ? 'met' : 'NOT met'}`);
