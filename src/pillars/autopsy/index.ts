// Pipeline Autopsy (seed 000 pillar 2; issue 4): explains failed CI logs — root causes with the
// evidence line, file and line, fix, repro command — rule-first, ML-second, secrets redacted.
import { definePillar } from '../../core/registry.js';
import { autopsyCommands } from './commands.js';
import { seedAutopsyDemo, synthAutopsy } from './demo.js';
import { autopsyConfigSection } from './config.js';
import { analyzeRun } from './analysis.js';
import { checkRunSubscription } from './checks.js';
import { autopsyRoutes } from './routes.js';
import { migrations } from './tables.js';

export const autopsy = definePillar({
  id: 'autopsy',
  config: autopsyConfigSection,
  migrations,
  routes: autopsyRoutes,
  commands: autopsyCommands,
  analyze: analyzeRun,
  subscriptions: (ctx) => [checkRunSubscription(ctx)],
  synth: synthAutopsy,
  seedDemo: seedAutopsyDemo,
  panels: [{ id: 'autopsy-signatures', title: 'Top failure signatures', page: 'overview', api: '/api/v1/autopsy/signatures' }],
});
