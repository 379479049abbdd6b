// The canary decision for people: the verdict and its reason first, then one line per metric
// (sorted by name) with the numbers the verdict rests on.
import type { Decision } from './judge.js';

const num = (x: number | null) => (x === null ? '-' : String(Math.round(x * 10_000) / 10_000));
const pct = (x: number | null) => (x === null ? '-' : `${x > 0 ? '+' : ''}${Math.round(x * 1000) / 10}%`);

export function renderDecision(d: Decision): string {
  const head = [`canary verdict: ${d.verdict} (score ${d.score}/100, analysis ${d.template})`, `reason: ${d.reason}`, ''];
  const rows = [
    ['metric', 'status', 'weight', 'baseline median', 'canary median', 'change', 'p', 'effect', 'failed', 'warm-up left out'],
    ...d.metrics.map((m) => [
      m.name,
      m.status,
      String(m.weight),
      num(m.baseline.median),
      num(m.canary.median),
      pct(m.median_change),
      m.mann_whitney ? (m.mann_whitney.p < 1e-6 ? '<0.000001' : num(m.mann_whitney.p)) : '-',
      m.mann_whitney ? num(m.mann_whitney.effect) : '-',
      `${m.canary.failed_measurements}/${m.canary.samples}`,
      String(m.canary.warmup_excluded),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
  return `${[...head, ...table].join('\n')}\n`;
}
