// bench/scheduler — issue 19 "done when": on a real history, split run k with the timings of the
// runs before it (all of them, averaged), then measure the slowest shard with run k's ACTUAL times:
// ratio = slowest / max(longest test, total / N), 1.0 the best possible. Average and max over the
// runs, for N = 2, 4, 8, per project and unit (file: what vitest shards; case: single tests), next
// to round robin, to "timings of the last run only" and to an oracle that splits with run k's own
// actual times (what no predictor can beat: the gap between it and 1.0 is the units' granularity,
// not the prediction), and to hindsight: run k split with the timings of every OTHER run, before
// and after it — the best any history can tell about run k; the gap between hindsight and the oracle
// is run k's own noise, which no prediction from other runs can know. The history is this repository's vitest suites at real commits
// (src/pillars/scheduler/fixtures/make-history.sh). Asserts nothing.
//
//   npm run build && node bench/scheduler/quality.mjs [HISTORY_DIR]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { actualTimes, parseReportCases, roundRobin, shardQuality, snapshotOf, splitTests, unitsOf } from 'ci-intel/parsers';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = process.argv[2] ?? path.resolve(here, '../../src/pillars/scheduler/fixtures/history');
const hist = readFileSync(path.join(dir, 'history.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const projects = [...new Set(hist.map((h) => h.project))].sort();
const f3 = (x) => x.toFixed(3);
// Every run but k, farthest from k first: the snapshot weighs its last runs most, so the runs
// nearest to k (before and after it) weigh most.
const nearestLast = (runs, k) =>
  runs
    .map((r, j) => [r, j])
    .filter(([, j]) => j !== k)
    .sort(([, a], [, b]) => Math.abs(b - k) - Math.abs(a - k) || a - b)
    .map(([r]) => r);
// Replay order: the commit's time when the history has it, else when the run started.
const timeOf = (h) => Date.parse(h.commit_time ?? h.started_at);
for (const p of projects) {
  const runs = [];
  for (const h of hist.filter((x) => x.project === p).sort((a, b) => timeOf(a) - timeOf(b) || Date.parse(a.started_at) - Date.parse(b.started_at)))
    runs.push((await parseReportCases(path.join(dir, h.junit))).cases);
  for (const by of ['file', 'case']) {
    for (const n of [2, 4, 8]) {
      const q = { ours: [], last: [], rr: [], hindsight: [], oracle: [] };
      for (let k = 1; k < runs.length; k++) {
        const ids = unitsOf(runs[k], by);
        const actual = actualTimes(runs[k], by);
        q.ours.push(shardQuality(splitTests(ids, snapshotOf(runs.slice(0, k)), n, by).shards, actual));
        q.last.push(shardQuality(splitTests(ids, snapshotOf(runs.slice(k - 1, k)), n, by).shards, actual));
        q.hindsight.push(shardQuality(splitTests(ids, snapshotOf(nearestLast(runs, k)), n, by).shards, actual));
        q.oracle.push(shardQuality(splitTests(ids, snapshotOf([runs[k]]), n, by).shards, actual));
        q.rr.push(
          shardQuality(
            roundRobin(ids, n).map((tests) => ({ tests })),
            actual,
          ),
        );
      }
      const avg = (a) => a.reduce((s, x) => s + x, 0) / a.length;
      const max = (a) => Math.max(...a);
      console.log(
        `shard quality ${p} by ${by} N=${n} (${q.ours.length} runs): ours avg ${f3(avg(q.ours))} max ${f3(max(q.ours))}, peer last-run-only avg ${f3(avg(q.last))} max ${f3(max(q.last))}, peer round-robin avg ${f3(avg(q.rr))} max ${f3(max(q.rr))}, hindsight avg ${f3(avg(q.hindsight))} max ${f3(max(q.hindsight))}, oracle avg ${f3(avg(q.oracle))} max ${f3(max(q.oracle))}, ratio avg ours/round-robin ${f3(avg(q.ours) / avg(q.rr))}`,
      );
    }
  }
}
