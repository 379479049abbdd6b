// Autopsy benchmark (issue 4 targets): the whole offline path — `ci-intel autopsy --json LOG`
// (read, normalize, scan, rank, redact, print) — on a log made of REAL passing output (captured by
// make-passing.sh) with real failures (the held-out logs) spread through it, side by side with
// ripgrep running the same pattern set (the built-in rules, PCRE2) on the same file in the same run.
// Peak memory is measured on two sizes to show it is flat in log size.
//
//   npm run build && node bench/autopsy/run.mjs            # 1024 MB log (and a 32 MB one)
//   AUTOPSY_BENCH_MB=256 node bench/autopsy/run.mjs        # smaller
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const { builtinRules } = await import('ci-intel/parsers');

const MB = 1024 * 1024;
const bigMb = Number(process.env.AUTOPSY_BENCH_MB ?? 1024);
// The peer runs on the small log only (below); rg -P reads 0.2–1 MB/s here, so the small log stays
// at most 32 MB (on 1 GB that also shows memory flat over 32x the input).
const smallMb = Math.max(16, Math.min(32, Math.round(bigMb / 8)));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'autopsy-bench-'));

const passing = readdirSync(path.join(HERE, 'passing'))
  .sort()
  .map((f) => readFileSync(path.join(HERE, 'passing', f)));
const heldout = path.join(ROOT, 'src/pillars/autopsy/fixtures/heldout/logs');
const failures = readdirSync(heldout)
  .filter((f) => f.endsWith('.log') && f !== 'ho-secrets-deploy.log')
  .sort()
  .map((f) => readFileSync(path.join(heldout, f)));

/** Repeats the real passing output; one real failure log every 16 MB. */
function makeLog(file, mb) {
  const fd = openSync(file, 'w');
  const block = Buffer.concat(passing);
  const chunk = Buffer.concat(Array.from({ length: Math.ceil((8 * MB) / block.length) }, () => block));
  let written = 0;
  let f = 0;
  while (written < mb * MB) {
    writeSync(fd, chunk);
    written += chunk.length;
    if (written % (16 * MB) < chunk.length) {
      const fail = failures[f++ % failures.length];
      writeSync(fd, fail);
      written += fail.length;
    }
  }
  closeSync(fd);
  return { bytes: statSync(file).size, failures: f };
}

/** Runs a command under /usr/bin/time: wall seconds and peak RSS (MB). */
function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 64 * MB });
  const m = /(\d+(?:\.\d+)?) (\d+)\s*$/.exec(r.stderr);
  if (!m || r.status === 2 || /error/i.test(r.stderr.replace(/\d+(?:\.\d+)? \d+\s*$/, ''))) throw new Error(`${cmd} failed: ${r.stderr.slice(-500)}`);
  return { seconds: Number(m[1]), rssMb: Number(m[2]) / 1024, stdout: r.stdout };
}

// Named groups become non-capturing: ripgrep joins the patterns into one regex, where two rules'
// `(?<file>...)` would clash; matching is unchanged.
const sources = builtinRules().map((r) => r.match.source.replace(/\(\?<([A-Za-z_]\w*)>/g, '(?:'));

/**
 * The pattern files rg -P is given: one when PCRE2 compiles the whole alternation, else the fewest
 * equal parts it compiles (past ~280 rules the joined regex exceeds PCRE2's compiled-size limit:
 * "regular expression is too large"). The peer then reads the file once per part; its times add up.
 */
function patternFiles() {
  for (let parts = 1; parts <= 8; parts++) {
    const size = Math.ceil(sources.length / parts);
    const files = Array.from({ length: parts }, (_, i) => {
      const f = path.join(tmp, `patterns-${parts}-${i}.txt`);
      writeFileSync(f, sources.slice(i * size, (i + 1) * size).join('\n') + '\n');
      return f;
    });
    if (files.every((f) => spawnSync('rg', ['-P', '-c', '-f', f], { input: 'x\n' }).status !== 2)) return files;
  }
  throw new Error('PCRE2 compiles no split of the rules into 8 parts');
}
const patterns = patternFiles();

/** The peer: rg -P over the file with each pattern part; seconds add up, peak memory is the largest. */
function peerRun(file) {
  const runs = patterns.map((p) => timed('rg', ['-j1', '-P', '-c', '-f', p, file]));
  return {
    seconds: Number(runs.reduce((t, r) => t + r.seconds, 0).toFixed(2)),
    rssMb: Math.max(...runs.map((r) => r.rssMb)),
    stdout: String(runs.reduce((n, r) => n + Number(r.stdout.trim() || 0), 0)),
  };
}
const node = process.execPath;
const cli = path.join(ROOT, 'dist/cli/main.js');

const results = {};
for (const mb of [smallMb, bigMb]) {
  const file = path.join(tmp, `log-${mb}.log`);
  const made = makeLog(file, mb);
  const ours = timed(node, [cli, 'autopsy', '--json', '--no-model', file]);
  // rg -P gets no literal optimization from a 189-way alternation (~1 MB/s here: 1 GB would take
  // over 15 minutes), so the peer runs on the small log only; MB/s are compared, not seconds.
  const peer = mb === smallMb ? peerRun(file) : null;
  const causes = JSON.parse(ours.stdout).root_causes.length;
  results[mb] = { ...made, ours, peer, causes, peerLines: peer ? Number(peer.stdout.trim()) : null };
  rmSync(file);
}

const big = results[bigMb];
const small = results[smallMb];
const mbps = (r, x) => r.bytes / MB / x.seconds;
const f1 = (x) => x.toFixed(1);
console.log(
  `log: ${f1(big.bytes / MB)} MB of real passing output (go test -v, cargo test, pytest -v, vitest, maven) with ${big.failures} real failure logs; ${builtinRules().length} rules`,
);
console.log(
  `throughput (MB/s, one core): ours ${f1(mbps(big, big.ours))} on ${bigMb} MB, ${f1(mbps(small, small.ours))} on ${smallMb} MB; peer rg -P ${f1(mbps(small, small.peer))} on ${smallMb} MB; ratio ${(mbps(small, small.ours) / mbps(small, small.peer)).toFixed(1)}x (same ${smallMb} MB file)`,
);
console.log(`wall time (s): ours ${big.ours.seconds} on ${bigMb} MB; on ${smallMb} MB ours ${small.ours.seconds}, peer rg -P ${small.peer.seconds}`);
console.log(
  `peak memory (MB) on the ${smallMb} MB log: ours ${f1(small.ours.rssMb)}, peer rg -P ${f1(small.peer.rssMb)}, ratio ${(small.ours.rssMb / small.peer.rssMb).toFixed(2)}`,
);
console.log(
  `peak memory flat in log size: ours ${f1(small.ours.rssMb)} MB on ${smallMb} MB, ${f1(big.ours.rssMb)} MB on ${bigMb} MB, ratio ${(big.ours.rssMb / small.ours.rssMb).toFixed(2)} for ${(bigMb / smallMb).toFixed(0)}x the input`,
);
console.log(
  `lines matched on ${smallMb} MB: ours printed ${small.causes} root causes (top 5 of the log); rg counted ${small.peerLines} matching lines` +
    (patterns.length > 1 ? ` (summed over ${patterns.length} pattern parts PCRE2 compiles: a line may count in more than one)` : ''),
);
rmSync(tmp, { recursive: true, force: true });
