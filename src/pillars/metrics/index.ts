// Metrics intelligence (issue 8): DORA four keys, run health, cost & carbon, release readiness,
// the dashboard's API, Prometheus series, Grafana/alert-rule exports, the weekly digest.
import { definePillar } from '../../core/registry.js';
import { metricsCommands } from './commands.js';
import { readinessGate } from './gates.js';
import { metricsConfigSection } from './config.js';
import { registerPrometheus } from './prometheus.js';
import { refreshLoop } from './refresh.js';
import { metricsRoutes } from './routes.js';
import { migrations } from './tables.js';

export const metricsPillar = definePillar({
  id: 'metrics',
  config: metricsConfigSection,
  migrations,
  routes: (app, ctx) => metricsRoutes(app, ctx),
  commands: metricsCommands,
  gates: [readinessGate],
  metrics: registerPrometheus,
  panels: [
    { id: 'metrics.overview', title: 'Overview', page: 'overview', api: '/api/v1/metrics/overview', order: 0 },
    { id: 'metrics.health', title: 'Run Health', page: 'health', api: '/api/v1/metrics/health', order: 10 },
    { id: 'metrics.dora', title: 'DORA', page: 'dora', api: '/api/v1/metrics/dora', order: 20 },
    { id: 'metrics.readiness', title: 'Readiness', page: 'readiness', api: '/api/v1/metrics/readiness', order: 30 },
    { id: 'metrics.cost', title: 'Cost & Carbon', page: 'cost', api: '/api/v1/metrics/cost', order: 40 },
  ],
  background: refreshLoop,
});
