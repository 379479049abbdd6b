// Metrics intelligence (issue 8): DORA four keys, run health, cost & carbon, release readiness,
// the dashboard's API, Prometheus series, Grafana/alert-rule exports, the weekly digest.
import { definePillar } from '../../core/registry.js';
import { metricsCommands, readinessGate } from './commands.js';
import { metricsConfigSection } from './config.js';
import { registerPrometheus } from './export/prometheus.js';
import { refresh } from './refresh.js';
import { rollupMigrations } from './rollup.js';
import { metricsRoutes } from './routes.js';
import { doraRollupMigrations, metricsMigrations } from './schema.js';

/** How often the hub re-checks deployments and commits that arrived without a run (webhooks). */
const REFRESH_EVERY_MS = 15_000;

export const metricsPillar = definePillar({
  id: 'metrics',
  config: metricsConfigSection,
  migrations: [...metricsMigrations, ...rollupMigrations, ...doraRollupMigrations],
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
  background(ctx) {
    let stopped = false;
    let running: Promise<unknown> = Promise.resolve();
    const tick = async () => {
      if (stopped) return;
      running = refresh(ctx, { full: true }).catch((e: Error) => ctx.log.warn({ err: e.message }, 'metrics refresh failed'));
      await running;
      if (!stopped) timer = setTimeout(() => void tick(), REFRESH_EVERY_MS);
    };
    let timer: NodeJS.Timeout | null = setTimeout(() => void tick(), 0);
    return async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running; // never close the store under a refresh
    };
  },
});
