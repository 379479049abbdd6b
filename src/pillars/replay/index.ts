// Infrastructure replay (seed 000 pillar 9; issue 23): Terraform and Ansible runs and drift checks
// recorded as immutable records tied to environment and commit; diff, drift trend, local replay;
// in the hub, records per repository and environment, drift on the dashboard, applies in DORA.
// See README.md beside this file.
import { payloadSchemas } from '../../core/contract/payload.js';
import { definePillar } from '../../core/registry.js';
import { replayCommands } from './commands.js';
import { seedReplayDemo, synthReplay } from './demo.js';
import { replayRoutes, replayUploadContract } from './routes.js';
import { migrations } from './tables.js';

export const replayPillar = definePillar({
  id: 'replay',
  migrations,
  commands: (program, ctx) => replayCommands(program, ctx),
  routes: replayRoutes,
  synth: synthReplay,
  seedDemo: seedReplayDemo,
  // The designed view of the page is web/index.ts; the drift panel puts drift on the DORA page too.
  pages: [{ id: 'infra', title: 'Infrastructure', order: 78 }],
  schemas: payloadSchemas('replay pillar (src/pillars/replay)', [
    {
      ...replayUploadContract,
      note: 'one infrastructure run or drift check as replay record --hub uploads it (POST /api/v1/repos/:owner/:repo/replay-records)',
    },
  ]),
  panels: [{ id: 'replay-drift', title: 'Infrastructure drift', page: 'dora', api: '/api/v1/replay/drift/summary', order: 90 }],
});
