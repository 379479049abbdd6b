// Chaos in the pipeline (issue 21): seeded faults in CI steps under a measured retry policy, the
// trials recorded, and a resilience report.
import { payloadSchemas } from '../../core/contract/payload.js';
import { definePillar } from '../../core/registry.js';
import { chaosCommands } from './commands.js';
import { chaosGate } from './gates.js';
import { chaosRoutes } from './routes.js';
import { trialUploadContract } from './store.js';
import { chaosSubscriptions } from './subscriptions.js';
import { migrations } from './tables.js';

export const chaosPillar = definePillar({
  id: 'chaos',
  migrations,
  commands: chaosCommands,
  routes: (app, ctx) => chaosRoutes(app, ctx),
  subscriptions: chaosSubscriptions,
  gates: [chaosGate],
  pages: [{ id: 'chaos', title: 'Chaos', order: 88 }],
  schemas: payloadSchemas('chaos pillar (src/pillars/chaos)', [
    { ...trialUploadContract, note: 'one trial as chaos run --record --hub uploads it (POST /api/v1/repos/:owner/:repo/chaos-trials)' },
  ]),
});
