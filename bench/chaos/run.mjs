// Throughput and CPU cost of the chaos proxy with no toxic enabled, side by side in one run with a
// direct connection and two named peers doing the same job — socat (a userspace copy loop) and
// haproxy in TCP mode (one thread, `option splice-auto`: the kernel moves the bytes). The issue's
// target is ≤ 5 % throughput overhead with no toxic.
//
// Three link rates: line rate on loopback (everything CPU-bound: client, server and any proxy share
// the machine's cores, so a third busy process costs throughput whoever writes it), and the server
// paced to 1 Gbit/s and 100 Mbit/s by a token bucket — the rates of CI runners' links, where the
// overhead is the honest figure the target is about. For each proxy: its CPU seconds per GiB moved
// (ours: process.cpuUsage() inside its process; socat and haproxy: /proc/PID/stat, children
// included), the figure that decides the line-rate result.
//
// Each proxy runs in its own process, as the chaos runner's proxy runs beside the step. Rounds
// alternate the paths so load changes hit all of them; medians are printed.
// Run after `npm run build`: node bench/chaos/run.mjs [SIZE_MIB=256] [ROUNDS=5]
// CHAOS_BENCH_CANDIDATE=/path/to/proxy.js adds a column for another build of the proxy (A/B).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const PROXY = path.resolve(here, '..', '..', 'dist', 'pillars', 'chaos', 'net', 'proxy.js');
const sizeMiB = Number(process.argv[2] ?? 256);
const rounds = Number(process.argv[3] ?? 5);
const loadStart = os.loadavg();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'chaos-bench-'));
const children = [];

// The server: reads "BYTES RATE\n" (RATE bytes/s, 0 = as fast as it can), then sends BYTES. Paced
// sends keep a virtual clock (token bucket, 256 KiB burst) and write 64 KiB at a time.
const SERVER = `const net=require('net');const big=Buffer.alloc(1<<20,0x5a);const small=big.subarray(0,1<<16);
const srv=net.createServer((s)=>{s.on('error',()=>{});let head='';s.on('data',function onData(d){head+=d;const nl=head.indexOf('\\n');if(nl<0)return;s.off('data',onData);
const [bytes,rate]=head.slice(0,nl).split(' ').map(Number);let left=bytes,sent=0;const t0=performance.now();const block=rate?small:big;
const pump=()=>{while(left>0){if(rate){const ahead=sent-rate*(performance.now()-t0)/1000;if(ahead>262144)return setTimeout(pump,Math.max(1,(ahead/rate)*1000));}
const n=Math.min(left,block.length);left-=n;sent+=n;if(!s.write(n===block.length?block:block.subarray(0,n)))return s.once('drain',pump);}s.end();};pump();});});
srv.listen(0,'127.0.0.1',()=>console.log(srv.address().port));`;
// The client: asks for the bytes, counts them to the end, prints the count and the seconds.
const CLIENT = `const net=require('net');const [port,bytes,rate]=process.argv.slice(1).map(Number);const t0=process.hrtime.bigint();let got=0;
const c=net.connect({host:'127.0.0.1',port},()=>c.write(bytes+' '+rate+'\\n'));c.on('data',(b)=>(got+=b.length));
c.on('close',()=>console.log(got,Number(process.hrtime.bigint()-t0)/1e9));`;
// A proxy of ours in its own process; each line on stdin is answered with its CPU time so far (µs).
const OURS = (
  module,
) => `import(${JSON.stringify(pathToFileURL(module).href)}).then(async(m)=>{const p=await m.startProxy({upstream:{host:'127.0.0.1',port:Number(process.argv[1])}});
console.log(p.port);process.stdin.on('data',()=>{const u=process.cpuUsage();console.log(u.user+u.system);});});`;

function child(cmd, args, opts = {}) {
  const c = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'], ...opts });
  children.push(c);
  return c;
}
const firstLine = (c) =>
  new Promise((resolve, reject) => {
    let out = '';
    c.stdout.on('data', function on(d) {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        c.stdout.off('data', on);
        resolve(out.slice(0, nl).trim());
      }
    });
    c.once('exit', (code) => reject(new Error(`${c.spawnargs.join(' ')} exited ${code}`)));
  });
const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const listening = async (port) => {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((r) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing listens on ${port}`);
};
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

// CPU seconds of a process, its reaped children included (/proc/PID/stat fields 14–17, in ticks).
const TICK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
const procCpu = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(x[11]) + Number(x[12]) + Number(x[13]) + Number(x[14])) / TICK;
};

const server = child(process.execPath, ['-e', SERVER]);
const upstream = Number(await firstLine(server));

/** The paths: name, port, and how to read the proxy's CPU seconds (null for the direct path). */
const paths = [{ name: 'direct', port: upstream, cpu: null }];
async function addOurs(name, module) {
  const c = child(process.execPath, ['--input-type=module', '-e', OURS(module), String(upstream)]);
  const port = Number(await firstLine(c));
  const lines = [];
  c.stdout.on('data', (d) => lines.push(...String(d).trim().split('\n')));
  const cpu = async () => {
    const n = lines.length;
    c.stdin.write('\n');
    while (lines.length === n) await new Promise((r) => setTimeout(r, 1));
    return Number(lines[lines.length - 1]) / 1e6;
  };
  paths.push({ name, port, cpu });
}
await addOurs('ours', PROXY);
if (process.env.CHAOS_BENCH_CANDIDATE) await addOurs('candidate', path.resolve(process.env.CHAOS_BENCH_CANDIDATE));
if (has('socat')) {
  const port = await freePort();
  const c = child('socat', [`TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr`, `TCP:127.0.0.1:${upstream}`]);
  await listening(port);
  paths.push({ name: 'socat', port, cpu: async () => procCpu(c.pid) });
} else console.log('socat is not installed (apt-get install socat): its column is left out');
if (has('haproxy')) {
  const port = await freePort();
  const cfg = path.join(tmp, 'haproxy.cfg');
  writeFileSync(
    cfg,
    `global\n  nbthread 1\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\n  option splice-auto\n` +
      `listen bench\n  bind 127.0.0.1:${port}\n  server up 127.0.0.1:${upstream}\n`,
  );
  const c = child('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'inherit'] });
  await listening(port);
  paths.push({ name: 'haproxy', port, cpu: async () => procCpu(c.pid) });
} else console.log('haproxy is not installed (apt-get install haproxy): its column is left out');

async function pull(port, bytes, rate) {
  const c = spawn(process.execPath, ['-e', CLIENT, String(port), String(bytes), String(rate)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  c.stdout.on('data', (d) => (out += d));
  await new Promise((r) => c.on('close', r));
  const [got, s] = out.trim().split(' ').map(Number);
  if (got !== bytes) throw new Error(`got ${got} of ${bytes} bytes through port ${port}`);
  return s;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// Paced payloads are smaller so a round stays short (100 Mbit/s moves 12 MB/s).
const scenarios = [
  { name: 'line rate (loopback)', rate: 0, mib: sizeMiB },
  { name: '1 Gbit/s link', rate: 125e6, mib: Math.min(sizeMiB, 64) },
  { name: '100 Mbit/s link', rate: 12.5e6, mib: Math.min(sizeMiB, 16) },
];
const results = [];
for (const sc of scenarios) {
  const bytes = sc.mib << 20;
  for (const p of paths) await pull(p.port, Math.min(bytes, 16 << 20), sc.rate); // warm-up
  const per = new Map(paths.map((p) => [p.name, { mibs: [], cpu: 0 }]));
  for (let i = 0; i < rounds; i++) {
    for (const p of paths) {
      const c0 = p.cpu ? await p.cpu() : 0;
      const s = await pull(p.port, bytes, sc.rate);
      const r = per.get(p.name);
      if (p.cpu) r.cpu += (await p.cpu()) - c0;
      r.mibs.push(sc.mib / s);
    }
  }
  const gib = (rounds * sc.mib) / 1024;
  results.push({ sc, rows: paths.map((p) => ({ name: p.name, mibs: median(per.get(p.name).mibs), cpuPerGiB: p.cpu ? per.get(p.name).cpu / gib : null })) });
}

const loadEnd = os.loadavg();
console.log(
  `chaos proxy, no toxic: ${rounds} rounds per path, medians; load average (1 min) ${loadStart[0].toFixed(2)} at the start, ${loadEnd[0].toFixed(2)} at the end, ${os.availableParallelism()} CPUs`,
);
const names = paths.map((p) => p.name);
const pad = (s, n) => String(s).padStart(n);
console.log(`${'link'.padEnd(32)}${names.map((n) => pad(n, 22)).join('')}`);
for (const { sc, rows } of results) {
  const d = rows[0].mibs;
  const cells = rows.map((r, i) => (i === 0 ? `${r.mibs.toFixed(0)} MiB/s` : `${r.mibs.toFixed(0)} MiB/s (${(r.mibs / d).toFixed(3)})`));
  console.log(`${`${sc.name}, ${sc.mib} MiB`.padEnd(32)}${cells.map((c) => pad(c, 22)).join('')}`);
}
console.log('(ratio = throughput through the proxy / direct; the target is ≥ 0.95, i.e. ≤ 5 % overhead)');
console.log(`${'CPU s per GiB'.padEnd(32)}${names.map((n) => pad(n === 'direct' ? '' : n, 22)).join('')}`);
for (const { sc, rows } of results)
  console.log(`${sc.name.padEnd(32)}${rows.map((r) => pad(r.cpuPerGiB === null ? '' : r.cpuPerGiB.toFixed(3), 22)).join('')}`);
const ours = results[0].rows.find((r) => r.name === 'ours');
for (const peer of ['socat', 'haproxy']) {
  const r = results[0].rows.find((x) => x.name === peer);
  if (r)
    console.log(
      `line rate: ours ${ours.mibs.toFixed(0)} MiB/s vs ${peer} ${r.mibs.toFixed(0)} MiB/s (ratio ${(ours.mibs / r.mibs).toFixed(3)}); CPU per GiB ours ${ours.cpuPerGiB.toFixed(3)} s vs ${peer} ${r.cpuPerGiB.toFixed(3)} s`,
    );
}

for (const c of children) c.kill();
rmSync(tmp, { recursive: true, force: true });
