// `ci-intel repro diff` side by side with diffoscope (Debian diffoscope-minimal) on the same pairs:
// real non-reproducible builds and their fixed versions (tar, tar.gz, gcc, jar, wheel, built by
// pairs.sh) and a large tar pair (1 GiB by default). Prints, per pair, both verdicts (they must
// agree), both times and the ratio; for the large pair, both peak memories too.
// Run after `npm run build`: node bench/determinism/run.mjs [LARGE_MIB]   (0 skips the large pair)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const main = path.resolve(here, '..', '..', 'dist', 'cli', 'main.js');
const large = Number(process.argv[2] ?? 1024);
// The comparison engine in this process too: the CLI's own start (~0.3 s of Node plus loading the
// program) is paid once per call, which dominates on small pairs.
const { diffArtifacts } = await import(pathToFileURL(path.resolve(here, '..', '..', 'dist', 'pillars', 'determinism', 'compare', 'artifact.js')).href);
const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-bench-repro-'));
try {
  execFileSync(path.join(here, 'pairs.sh'), [dir, String(large)], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (spawnSync('diffoscope', ['--version']).status !== 0) throw new Error('diffoscope is not installed: apt-get install diffoscope-minimal');
  // GNU time reports the peak resident memory (KiB) of each run.
  const timed = (cmd, args, timeoutS) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', 'peak-kib=%M', 'timeout', String(timeoutS), cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    return { s, status: r.status, peak: Number(/peak-kib=(\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024, stdout: r.stdout };
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  let agree = 0;
  let pairs = 0;
  const ratios = [];
  const engineRatios = [];
  for (const name of readdirSync(dir).sort()) {
    const file = readdirSync(path.join(dir, name, 'a'))[0];
    const [a, b] = [path.join(dir, name, 'a', file), path.join(dir, name, 'b', file)];
    const reps = name === 'large' ? 1 : 3;
    const ours = [];
    const peer = [];
    const engine = [];
    let o;
    let p;
    for (let i = 0; i < reps; i++) {
      o = timed(process.execPath, [main, 'repro', 'diff', a, b, '--json'], 1800);
      p = timed('diffoscope', ['--no-progress', '--text', '/dev/null', a, b], name === 'large' ? 1800 : 600);
      ours.push(o.s);
      const t0 = process.hrtime.bigint();
      await diffArtifacts(a, b);
      engine.push(Number(process.hrtime.bigint() - t0) / 1e9);
      peer.push(p.s);
    }
    const ov = o.status === 0 ? 'reproducible' : o.status === 1 ? 'not reproducible' : `error ${o.status}`;
    const pv = p.status === 0 ? 'reproducible' : p.status === 1 ? 'not reproducible' : p.status === 124 ? 'timed out' : `error ${p.status}`;
    const classes = o.status === 1 ? Object.keys(JSON.parse(o.stdout.split('\n')[0]).classes).join(',') : '-';
    // A peer that hit the time limit gave no verdict: the pair is reported, not counted as agreeing or not.
    const timedOut = pv === 'timed out';
    if (!timedOut) pairs++;
    if (!timedOut && ov === pv) agree++;
    const ratio = median(peer) / median(ours);
    ratios.push(ratio);
    engineRatios.push(median(peer) / median(engine));
    const mem = name === 'large' ? `, peak memory ours ${o.peak.toFixed(0)} MiB, peer ${p.peak.toFixed(0)} MiB` : '';
    console.log(
      `${name} (${file}): ours ${median(ours).toFixed(2)} s [${ov}: ${classes}], peer ${median(peer).toFixed(2)} s [${pv}], ratio ${timedOut ? '>= ' : ''}${ratio.toFixed(2)}; engine in process ${median(engine).toFixed(2)} s, ratio ${(median(peer) / median(engine)).toFixed(2)}${mem}${ov === pv || timedOut ? '' : '  VERDICTS DIFFER'}`,
    );
  }
  console.log(
    `verdicts: ${agree} of ${pairs} pairs agree with diffoscope; time ratio (diffoscope / ours) median ${median(ratios).toFixed(2)} for the CLI, ${median(engineRatios).toFixed(2)} for the engine in process`,
  );
  if (agree !== pairs) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
