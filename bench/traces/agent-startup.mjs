// What the agent's own spans cost a pipeline step that does not send them: `ci-intel tests parse`
// on a real pytest report, with TRACEPARENT set but no collector configured, against the same
// command without TRACEPARENT (the peer). Runs alternate; medians. Target: ratio ≤ 1.05 (the span
// recorder is a few objects; the exporter loads only with an endpoint). Needs `npm run build`.
//   node bench/traces/agent-startup.mjs [--runs 8]
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(ROOT, 'dist/cli/main.js');
const report = path.join(ROOT, 'src/pillars/test-reports/fixtures/reports/pytest/report.xml');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 8) || 8;
const base = { ...process.env, TRACEPARENT: '', CI_INTEL_TRACES_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' };
const cases = { untraced: base, traceparentNoCollector: { ...base, TRACEPARENT: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } };
const times = { untraced: [], traceparentNoCollector: [] };
const load = os.loadavg()[0];
for (let i = 0; i < runs; i++) {
  for (const [name, env] of Object.entries(cases)) {
    const start = performance.now();
    const r = spawnSync(process.execPath, [cli, 'tests', 'parse', report], { env, encoding: 'utf8' });
    times[name].push(performance.now() - start);
    if (r.status !== 0) throw new Error(`tests parse exited ${r.status}: ${r.stderr}`);
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const u = median(times.untraced);
const t = median(times.traceparentNoCollector);
console.log(
  JSON.stringify({
    runs,
    untraced_ms: Math.round(u),
    traceparent_no_collector_ms: Math.round(t),
    ratio: Number((t / u).toFixed(3)),
    load_before: load,
    load_after: os.loadavg()[0],
  }),
);
