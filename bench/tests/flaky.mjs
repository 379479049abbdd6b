// bench/tests — issue 5 target: on a rerun series of a real suite with seeded random failures, every
// flaky test found and no stable or broken test flagged (precision and recall 1.0). Next to it, the
// naive rule "failed at least once in the series" that over-quarantines (it flags broken tests too).
// The series is 20 `go test -json` runs of one commit (flaky-series/make.sh; truth.json says which
// tests were written to be flaky). Prints both figures; asserts nothing.
//
//   npm run build && node bench/tests/flaky.mjs
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { classify, parseReportCases } from 'ci-intel/parsers';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'flaky-series');
const truth = JSON.parse(readFileSync(path.join(dir, 'truth.json'), 'utf8'));
const files = readdirSync(path.join(dir, 'runs'))
  .filter((f) => f.endsWith('.json'))
  .sort();
const execs = [];
for (const f of files) {
  const { cases } = await parseReportCases(path.join(dir, 'runs', f));
  for (const c of cases) execs.push({ id: c.id, status: c.status, commit: 'HEAD', run: f });
}
const score = (found) => {
  const want = new Set(truth.flaky);
  const tp = found.filter((id) => want.has(id)).length;
  return { precision: found.length ? tp / found.length : 1, recall: want.size ? tp / want.size : 1, flagged: found.length };
};
const ours = score(classify(execs).flaky.map((t) => t.id));
const naive = score([...new Set(execs.filter((e) => e.status === 'failed' || e.status === 'errored').map((e) => e.id))]);
const f2 = (v) => v.toFixed(2);
console.log(
  `flaky series: ${files.length} runs, ${new Set(execs.map((e) => e.id)).size} tests, ${truth.flaky.length} written flaky, ${truth.broken.length} written broken`,
);
console.log(`flaky precision: ours ${f2(ours.precision)}, peer naive-any-failure ${f2(naive.precision)}, ratio ${f2(ours.precision / naive.precision)}`);
console.log(`flaky recall: ours ${f2(ours.recall)}, peer naive-any-failure ${f2(naive.recall)}, ratio ${f2(ours.recall / naive.recall)}`);
console.log(`flagged tests: ours ${ours.flagged}, peer naive-any-failure ${naive.flagged} (truth ${truth.flaky.length})`);
