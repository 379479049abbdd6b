// npm run bench -- NAME [args...]: builds, then runs bench/NAME/run.mjs (or every .mjs entry of the
// folder when it has no run.mjs). Without NAME, lists the benchmarks. Benchmarks print
// `name: ours X, peer Y, ratio Z` lines; run them on a quiet machine (ratios are side by side).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

const [name, ...rest] = process.argv.slice(2);
const benches = readdirSync('bench', { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
if (!name || !benches.includes(name)) {
  console.log(`usage: npm run bench -- NAME [args]\nbenchmarks: ${benches.join(', ')}`);
  process.exit(name ? 2 : 0);
}
execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
const dir = path.join('bench', name);
const entries = existsSync(path.join(dir, 'run.mjs'))
  ? ['run.mjs']
  : readdirSync(dir)
      .filter((f) => f.endsWith('.mjs'))
      .sort();
let code = 0;
for (const e of entries) {
  console.log(`# ${path.join(dir, e)} ${rest.join(' ')}`);
  const r = spawnSync(process.execPath, [path.join(dir, e), ...rest], { stdio: 'inherit' });
  code ||= r.status ?? 1;
}
process.exit(code);
