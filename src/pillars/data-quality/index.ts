// Data you can trust: the compat view pipeline_runs_all over v1.1 and v1.2 runs, the seed's
// contract tests and the configured data-quality gates after every load (in the ingest answer,
// on /metrics with an alert rule, on the Data quality page), and the backfill of historical runs.
import { definePillar } from '../../core/registry.js';
import { checkAfterLoad } from './checks.js';
import { dataQualityCommands } from './commands.js';
import { dataQualityConfig, dataQualityConfigSection } from './config.js';
import { dataQualityRules, registerDataQualityMetrics } from './prometheus.js';
import { dataQualityRoutes } from './routes.js';
import { freshnessSubscription } from './freshness.js';
import { migrations } from './tables.js';

export const dataQualityPillar = definePillar({
  id: 'data-quality',
  config: dataQualityConfigSection,
  migrations,
  commands: dataQualityCommands,
  routes: dataQualityRoutes,
  metrics: registerDataQualityMetrics,
  // Only where ci-intel.yml declares gates: `metrics rules` without them stays the metrics pillar's file.
  alertRules: (config) => (dataQualityConfig(config).gates.length ? dataQualityRules() : []),
  afterLoad: checkAfterLoad,
  subscriptions: (ctx) => [freshnessSubscription(ctx)],
  pages: [{ id: 'data-quality', title: 'Data quality', order: 85 }],
  panels: [
    { id: 'dq-checks', title: 'Data-quality checks (latest outcome of each)', page: 'data-quality', api: '/api/v1/data-quality/checks', order: 10 },
    {
      id: 'dq-freshness',
      title: 'Ingest freshness (workflow completion → stored, last day)',
      page: 'data-quality',
      api: '/api/v1/data-quality/freshness',
      order: 20,
    },
  ],
});
