// bench/scheduler — the duration replay of real histories next to what hindsight could do: the
// model (each run predicted from the runs before it), the naive mean of the last 3 runs, and a
// hindsight smoother that no scheduler can run — the median of the 3 runs before AND the 3 runs
// after. When even hindsight is barely below the naive predictor, the runs' own noise (reruns of
// one commit differ as much as neighbouring commits) is what is left, and no feature can explain
// it. Also prints how much two runs of the same commit differ. Asserts nothing.
//
//   npm run build && node bench/scheduler/replay-bound.mjs [HISTORY.jsonl ...]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readHistoryLine, replay } from 'ci-intel/parsers';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '../../src/pillars/scheduler/fixtures');
const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : [path.join(fixtures, 'history/history.jsonl'), path.join(fixtures, 'npm-history/history.jsonl')];
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (x) => `${(x * 100).toFixed(1)} %`;
for (const file of files) {
  const runs = readFileSync(file, 'utf8')
    .split('\n')
    .map((l, i) => (l.trim() ? readHistoryLine(JSON.parse(l), i + 1) : null))
    .filter((r) => r && 'series' in r);
  const rep = replay(runs);
  const order = [...runs].sort((a, b) => a.time - b.time || a.time2 - b.time2 || a.line - b.line);
  console.log(`${path.relative(process.cwd(), file)}: ${runs.length} runs`);
  for (const s of rep.series) {
    const d = order.filter((r) => r.series === s.series);
    const hind = [];
    for (let k = 1; k < d.length; k++) {
      const around = [...d.slice(Math.max(0, k - 3), k), ...d.slice(k + 1, k + 4)].map((r) => r.duration_ms);
      hind.push(Math.abs(median(around) - d[k].duration_ms) / d[k].duration_ms);
    }
    const reruns = [];
    for (let k = 1; k < d.length; k++)
      if (d[k].features.commit && d[k].features.commit === d[k - 1].features.commit)
        reruns.push(Math.abs(d[k].duration_ms - d[k - 1].duration_ms) / ((d[k].duration_ms + d[k - 1].duration_ms) / 2));
    const m = s.model.mape_pct / 100;
    const n = s.mean_of_last_3.mape_pct / 100;
    const h = mean(hind);
    console.log(
      `  ${s.series.padEnd(18)} MAPE model ${pct(m)}, naive mean-of-last-3 ${pct(n)}, hindsight ${pct(h)}; below naive: model ${pct((n - m) / n)}, hindsight ${pct((n - h) / n)}` +
        (reruns.length ? `; reruns of a commit differ by ${pct(mean(reruns))} on average (${reruns.length} pairs)` : ''),
    );
  }
}
