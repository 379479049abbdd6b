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
import { readinessBadge } from './badges.js';

export const metricsPillar = definePillar({
  id: 'metrics',
  config: metricsConfigSection,
  migrations,
  badges: [readinessBadge],
  routes: (app, ctx) => metricsRoutes(app, ctx),
  commands: metricsCommands,
  gates: [readinessGate],
  metrics: registerPrometheus,
  // Their views are in web/ (the shell lists them in src/web/views.ts).
  pages: [
    { id: 'overview', title: 'Overview', order: 0 },
    { id: 'health', title: 'Run Health', order: 10 },
    { id: 'dora', title: 'DORA', order: 20 },
    { id: 'readiness', title: 'Readiness', order: 30 },
    { id: 'cost', title: 'Cost & Carbon', order: 40 },
    { id: 'scorecard', title: 'Scorecard', order: 45 },
  ],
  background: refreshLoop,
});
