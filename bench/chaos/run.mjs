// Throughput through the chaos proxy with no toxic enabled vs a direct connection, on the same
// payload in the same run (the target: ≤ 5 % overhead). A local TCP server sends SIZE MiB
// per connection; the client counts bytes to the end. Rounds alternate direct and proxied so load
// changes hit both; the medians and their ratio are printed.
// Run after `npm run build`: node bench/chaos/run.mjs [SIZE_MIB=256] [ROUNDS=7]
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const { startProxy } = await import(pathToFileURL(path.resolve(here, '..', '..', 'dist', 'pillars', 'chaos', 'net', 'proxy.js')).href);
const sizeMiB = Number(process.argv[2] ?? 256);
const rounds = Number(process.argv[3] ?? 7);

// The server and the client each run in their own process, as the upstream and the step do; the
// proxy runs here, as it does in the chaos runner.
const SERVER = `const net=require('net');const block=Buffer.alloc(1<<20,0x5a);const size=Number(process.argv[1]);
const srv=net.createServer((s)=>{let left=size;const pump=()=>{while(left>0){left--;if(!s.write(block))return s.once('drain',pump);}s.end();};s.on('error',()=>{});pump();});
srv.listen(0,'127.0.0.1',()=>console.log(srv.address().port));`;
const CLIENT = `const net=require('net');const t0=process.hrtime.bigint();let bytes=0;const c=net.connect({host:'127.0.0.1',port:Number(process.argv[1])});
c.on('data',(b)=>(bytes+=b.length));c.on('close',()=>console.log(bytes, Number(process.hrtime.bigint()-t0)/1e9));`;
const server = spawn(process.execPath, ['-e', SERVER, String(sizeMiB)], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = Number(await new Promise((r) => server.stdout.once('data', (d) => r(String(d).trim()))));
const upstream = { host: '127.0.0.1', port };
const proxy = await startProxy({ upstream });

async function pull(port) {
  const child = spawn(process.execPath, ['-e', CLIENT, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise((r) => child.on('close', r));
  const [bytes, s] = out.trim().split(' ').map(Number);
  if (bytes !== sizeMiB << 20) throw new Error(`got ${bytes} bytes`);
  return sizeMiB / s;
}

const direct = [];
const proxied = [];
await pull(upstream.port); // warm-up
await pull(proxy.port);
for (let i = 0; i < rounds; i++) {
  direct.push(await pull(upstream.port));
  proxied.push(await pull(proxy.port));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const d = median(direct);
const p = median(proxied);
console.log(`load average (1 min) at the end: ${os.loadavg()[0].toFixed(2)} on ${os.availableParallelism()} CPUs`);
console.log(
  `chaos proxy throughput, no toxic (${sizeMiB} MiB × ${rounds}, medians): ours ${p.toFixed(0)} MiB/s, peer (direct connection) ${d.toFixed(0)} MiB/s, ratio ${(p / d).toFixed(3)} (overhead ${((1 - p / d) * 100).toFixed(1)} %)`,
);
await proxy.close();
server.kill();
