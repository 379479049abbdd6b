// The data-quality series on /metrics, read from the stored outcomes at scrape time (so every hub
// process reports the same):
//   ci_intel_data_quality_breach{check, target, severity}  gauge  1 when the check's latest outcome broke it
//   ci_intel_data_quality_value{check, target}             gauge  what it measured last (rows, seconds, a rate)
// The series carry no repository: a check is over the whole store, so only an every-repository
// token sees them (core/exposition.ts).
import { Gauge, type Registry } from 'prom-client';
import { schemaRecordsCounter } from '../../core/contract/deprecation.js';
import type { HubContext, RuleGroup } from '../../core/registry.js';
import { latestResults } from './store.js';
import { dqdb } from './tables.js';
import { dataQualityConfig } from './config.js';
import { latencyBySource } from './freshness.js';

export function registerDataQualityMetrics(registry: Registry, ctx: HubContext): void {
  // Created here too so it is on /metrics (at 0 per registered version) before the first ingest.
  schemaRecordsCounter(registry);
  const db = dqdb(ctx);
  new Gauge({
    name: 'ci_intel_data_quality_breach',
    help: '1 when the latest outcome of a data-quality check (contract test or gate) broke it, 0 when it passed',
    labelNames: ['check', 'target', 'severity'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await latestResults(db)) this.set({ check: r.check, target: r.target, severity: r.severity }, r.passed ? 0 : 1);
    },
  });
  new Gauge({
    name: 'ci_intel_data_quality_value',
    help: 'What a data-quality check measured last: failing rows, the newest row age (seconds), a row-count change or a null rate',
    labelNames: ['check', 'target'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await latestResults(db)) if (r.value !== null) this.set({ check: r.check, target: r.target }, r.value);
    },
  });
  const goal = () => dataQualityConfig(ctx.config).freshnessGoalSeconds;
  new Gauge({
    name: 'ci_intel_ingest_latency_seconds',
    help: 'Ingest freshness: workflow completion → stored, P50 and P95 per source (upload, ndjson, webhook) over the runs stored in the last day',
    labelNames: ['source', 'quantile'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await latencyBySource(db, ctx.now(), goal())) {
        this.set({ source: s.source, quantile: '0.5' }, s.p50_seconds);
        this.set({ source: s.source, quantile: '0.95' }, s.p95_seconds);
      }
    },
  });
  new Gauge({
    name: 'ci_intel_ingest_latency_goal_seconds',
    help: 'The ingest freshness goal for the P95 (dataQuality.freshnessGoalSeconds)',
    registers: [registry],
    collect() {
      this.set(goal());
    },
  });
}

/** The alert `ci-intel metrics rules` adds: a `fail` check broken on its latest outcome. */
export function dataQualityRules(): RuleGroup[] {
  return [
    {
      name: 'data-quality',
      rules: [
        {
          alert: 'DataQualityBreach',
          expr: 'max by (check, target) (ci_intel_data_quality_breach{severity="fail"}) == 1',
          labels: { severity: 'critical' },
          annotations: {
            summary: 'Data-quality check {{ $labels.check }} on {{ $labels.target }} failed on the latest load',
            description: 'See the Data quality page or GET /api/v1/data-quality/checks for what it measured; `ci-intel data check` runs it again.',
          },
        },
      ],
    },
  ];
}
