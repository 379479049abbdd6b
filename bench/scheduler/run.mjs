// bench/scheduler — issue 19 target: `tests split` of 50k tests over 8 shards in < 1 s, next to a
// plain round-robin split over the same list in the same run. The timings report is a JUnit file of
// 50k cases whose times are drawn (seeded) from the per-test times of a real vitest run kept in
// src/pillars/scheduler/fixtures/history (the real suite has hundreds of tests, not 50k).
// Prints: the pure split (ours) vs round robin, the whole CLI command (parse the report + read the
// list + split + print one shard), and the shard quality of both (slowest shard / max(longest,
// total/N), 1.0 is the best possible), and the CLI's start (`--version`) next to a bare node start.
// Asserts nothing.
//
//   npm run build && node bench/scheduler/run.mjs [--tests 50000] [--shards 8]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { roundRobin, shardQuality, snapshotOf, splitTests } from 'ci-intel/parsers';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N_TESTS = arg('tests', 50000);
const SHARDS = arg('shards', 8);

// Real per-test times: every case time of the real vitest runs kept as fixtures.
const junitDir = path.join(root, 'src/pillars/scheduler/fixtures/history/junit');
const times = [];
for (const p of readdirSync(junitDir).sort())
  for (const f of readdirSync(path.join(junitDir, p)).sort()) {
    const xml = gunzipSync(readFileSync(path.join(junitDir, p, f))).toString('utf8');
    for (const m of xml.matchAll(/<testcase [^>]*time="([0-9.]+)"/g)) times.push(Number(m[1]) * 1000);
  }
let seed = 42;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const dir = mkdtempSync(path.join(os.tmpdir(), 'sched-bench-'));
const ids = [];
const xml = ['<?xml version="1.0" encoding="UTF-8" ?>\n<testsuites name="bench">\n'];
const perFile = 25;
for (let i = 0; i < N_TESTS; i += perFile) {
  const file = `src/m${String(Math.floor(i / 2500)).padStart(2, '0')}/f${String(i).padStart(6, '0')}.test.ts`;
  xml.push(`<testsuite name="${file}" tests="${perFile}">\n`);
  for (let j = 0; j < perFile && i + j < N_TESTS; j++) {
    const ms = times[Math.floor(rnd() * times.length)];
    xml.push(`<testcase classname="${file}" name="case ${j}" time="${(ms / 1000).toFixed(6)}"></testcase>\n`);
    ids.push(`${file}::case ${j}`);
  }
  xml.push('</testsuite>\n');
}
xml.push('</testsuites>\n');
const report = path.join(dir, 'timings.xml');
writeFileSync(report, xml.join(''));
const list = path.join(dir, 'tests.txt');
writeFileSync(list, ids.join('\n') + '\n');

const time = (fn, reps = 5) => {
  fn();
  const ms = [];
  let out;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    out = fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return { ms: ms[reps >> 1], out };
};
const cases = ids.map((id) => {
  const [file, name] = id.split('::');
  return { id, suite: file, classname: file, name, duration_ms: 0, file: null };
});
// durations of the one run, from the XML we wrote
let k = 0;
for (const m of xml.join('').matchAll(/time="([0-9.]+)"><\/testcase>/g)) cases[k++].duration_ms = Number(m[1]) * 1000;
const actual = new Map(cases.map((c) => [c.id, c.duration_ms]));
const ours = time(() => splitTests(ids, snapshotOf([cases]), SHARDS, 'case'));
const peer = time(() => roundRobin(ids, SHARDS));
const f = (x) => x.toFixed(1);
console.log(
  `split ${N_TESTS} tests into ${SHARDS} shards (pure, median of 5): ours ${f(ours.ms)} ms, peer round-robin ${f(peer.ms)} ms, ratio ${(ours.ms / peer.ms).toFixed(2)}`,
);
const qOurs = shardQuality(ours.out.shards, actual);
const qPeer = shardQuality(
  peer.out.map((tests) => ({ tests })),
  actual,
);
console.log(
  `shard quality (slowest / max(longest, total/N), 1 = best): ours ${qOurs.toFixed(3)}, peer round-robin ${qPeer.toFixed(3)}, ratio ${(qOurs / qPeer).toFixed(3)}`,
);
const cli = path.join(root, 'dist/cli/main.js');
const cmd = time(
  () =>
    execFileSync(process.execPath, [cli, 'tests', 'split', '--shards', String(SHARDS), '--index', '3', '--by', 'case', '--timings', report, '--tests', list], {
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  3,
);
const rrCmd = time(
  () =>
    execFileSync(
      process.execPath,
      [
        '-e',
        `const ids=require('fs').readFileSync(${JSON.stringify(list)},'utf8').split('\\n').filter(Boolean).sort();process.stdout.write(ids.filter((_,i)=>i%${SHARDS}===3).join('\\n'))`,
      ],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    ),
  3,
);
console.log(
  `whole command (parse ${N_TESTS}-case JUnit + list + split + print shard 3, median of 3): ours ${f(cmd.ms)} ms, peer round-robin script (no timings) ${f(rrCmd.ms)} ms, ratio ${(cmd.ms / rrCmd.ms).toFixed(2)}`,
);
// The CLI's own start (module loading), next to a bare node start: `tests split` pays it too.
const start = time(() => execFileSync(process.execPath, [cli, '--version'], { stdio: ['ignore', 'pipe', 'ignore'] }), 5);
const bare = time(() => execFileSync(process.execPath, ['-e', '0'], { stdio: ['ignore', 'pipe', 'ignore'] }), 5);
console.log(`CLI start (ci-intel --version, median of 5): ${f(start.ms)} ms, peer bare node start ${f(bare.ms)} ms, ratio ${(start.ms / bare.ms).toFixed(2)}`);
console.log(`load average (1 min) at the end: ${os.loadavg()[0].toFixed(1)}`);
rmSync(dir, { recursive: true, force: true });
