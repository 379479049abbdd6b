// Mutation Observatory (seed 000 pillar 1; issue 6): how good are the tests — resilience score,
// delta vs main, EWMA control limits, hotspots, equivalent marks, report comparison.
import { definePillar } from '../../core/registry.js';
import { mutationCommands } from './commands.js';
import { mutationSection } from './config.js';
import { seedMutationDemo, synthMutation } from './demo.js';
import { resilienceGate } from './gates.js';
import { mutationRoutes, runAnalysis } from './routes.js';
import { registerMutationMetrics } from './prometheus.js';
import { mutationSubscriptions } from './subscriptions.js';
import { migrations } from './tables.js';
import { resilienceBadge } from './badges.js';

export const mutationPillar = definePillar({
  id: 'mutation',
  config: mutationSection,
  migrations,
  badges: [resilienceBadge],
  routes: (app, ctx) => mutationRoutes(app, ctx),
  commands: (program, ctx) => mutationCommands(program, ctx),
  gates: [resilienceGate],
  subscriptions: mutationSubscriptions,
  analyze: (ctx, runId) => runAnalysis(ctx, runId),
  synth: synthMutation,
  seedDemo: seedMutationDemo,
  metrics: registerMutationMetrics,
  pages: [{ id: 'mutation', title: 'Mutation', order: 60 }],
});
