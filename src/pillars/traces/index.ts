// Runs as traces: every stored run exported to an OpenTelemetry collector as one trace (pipeline,
// jobs, queue, tests, deploys), with deterministic ids; `ci-intel traces export` backfills.
import { definePillar } from '../../core/registry.js';
import { traceOfRun } from './analyze.js';
import { tracesCommands } from './commands.js';
import { tracesConfigSection } from './config.js';
import { tracesRoutes } from './routes.js';
import { tracesSubscriptions } from './subscriptions.js';
import { migrations, tdb } from './tables.js';
import { startExportLoop } from './worker.js';

export const tracesPillar = definePillar({
  id: 'traces',
  config: tracesConfigSection,
  migrations,
  commands: tracesCommands,
  routes: tracesRoutes,
  pages: [{ id: 'change', title: 'Commit to deploy', order: 85 }],
  subscriptions: tracesSubscriptions,
  analyze: traceOfRun,
  background: (ctx) => {
    const loop = startExportLoop(ctx, tdb(ctx));
    return () => loop?.stop();
  },
});
