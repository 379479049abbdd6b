// Report ingestion: a 100,000-mutant StrykerJS report (mutation-testing-report-schema), parsed,
// schema-validated, fingerprinted and scored by ci-intel, next to mutation-testing-metrics (the
// official metrics library StrykerJS and its dashboard use) computing the same report's metrics
// from the already-parsed JSON. Target (issue 6): >= 50,000 mutants/s.
// Run after `npm run build`: node bench/mutation/ingest.mjs [mutants]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { calculateMutationTestMetrics } from 'mutation-testing-metrics';
import { countStatuses, fileScores, readReport, resilienceOf } from 'ci-intel/parsers';

const N = Number(process.argv[2] ?? 100_000);
const FILES = 500;
const STATUSES = ['Killed', 'Killed', 'Killed', 'Survived', 'NoCoverage', 'Timeout', 'CompileError', 'RuntimeError', 'Ignored'];
const MUTATORS = ['ConditionalExpression', 'EqualityOperator', 'StringLiteral', 'ArithmeticOperator', 'BlockStatement'];

// Deterministic generator (sfc32-like LCG): the same report every run.
let seed = 42;
const rnd = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;

function makeReport() {
  const files = {};
  const perFile = Math.ceil(N / FILES);
  let id = 0;
  for (let f = 0; f < FILES && id < N; f++) {
    const lines = [];
    for (let l = 0; l < 120; l++) lines.push(`  const v${l} = input.a${l % 7} >= ${l} ? compute(v${l % 5}, '${l}') : other(${l} + 1);`);
    const mutants = [];
    for (let k = 0; k < perFile && id < N; k++, id++) {
      const line = 1 + Math.floor(rnd() * 120);
      const col = 3 + Math.floor(rnd() * 40);
      mutants.push({
        id: String(id),
        mutatorName: MUTATORS[id % MUTATORS.length],
        replacement: id % 3 ? 'false' : '""',
        status: STATUSES[Math.floor(rnd() * STATUSES.length)],
        location: { start: { line, column: col }, end: { line, column: col + 5 } },
        coveredBy: ['t1', 't2'],
      });
    }
    files[`src/module${String(f).padStart(3, '0')}/file.ts`] = { language: 'typescript', source: lines.join('\n'), mutants };
  }
  return { schemaVersion: '1', thresholds: { high: 80, low: 60 }, files, framework: { name: 'StrykerJS', version: '9.6.1' } };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-bench-mut-'));
const file = path.join(dir, 'mutation.json');
const text = JSON.stringify(makeReport());
writeFileSync(file, text);

function best(fn, runs = 3) {
  let t = Infinity;
  let out;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    out = fn();
    t = Math.min(t, performance.now() - t0);
  }
  return { ms: t, out };
}

const ours = best(() => {
  const r = readReport(file);
  const res = resilienceOf(countStatuses(r.mutants));
  fileScores(r.mutants);
  return res;
});
const peer = best(() => {
  const doc = JSON.parse(text);
  return calculateMutationTestMetrics(doc).systemUnderTestMetrics.metrics;
});
if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
else console.log(file);

// Same inputs, same answer: both count the same valid and detected mutants.
if (ours.out.mutants_total !== peer.out.totalValid || ours.out.killed !== peer.out.totalDetected) {
  console.error('MISMATCH', ours.out, peer.out.totalValid, peer.out.totalDetected);
  process.exit(1);
}
const parseOnly = best(() => JSON.parse(text));
const rate = (ms) => Math.round(N / (ms / 1000));
console.log(
  `machine: ${os.cpus().length} cores, load average ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} (other work on the same cores slows every line below alike)`,
);
console.log(`JSON.parse alone (the floor both sides pay): ${rate(parseOnly.ms)} mutants/s (${parseOnly.ms.toFixed(0)} ms)`);
console.log(`report size: ${(text.length / 1048576).toFixed(1)} MiB, ${N} mutants in ${FILES} files; score ${ours.out.score.toFixed(4)} both ways`);
console.log(
  `report ingest (parse+validate+fingerprint+score, ${N} mutants): ours ${rate(ours.ms)} mutants/s (${ours.ms.toFixed(0)} ms), peer mutation-testing-metrics ${rate(peer.ms)} mutants/s (${peer.ms.toFixed(0)} ms), ratio ${(peer.ms / ours.ms).toFixed(2)}`,
);
console.log(`target >= 50000 mutants/s: ${rate(ours.ms) >= 50_000 ? 'met' : 'NOT met'}`);
