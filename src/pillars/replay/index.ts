// Infrastructure replay (seed 000 pillar 9; issue 23): Terraform and Ansible runs and drift checks
// recorded as immutable records tied to environment and commit; diff, drift trend, local replay;
// in the hub, records per repository and environment, drift on the dashboard, applies in DORA.
// See README.md beside this file.
import { definePillar } from '../../core/registry.js';
import { replayCommands } from './commands.js';
import { replayRoutes } from './routes.js';
import { migrations } from './tables.js';

export const replayPillar = definePillar({
  id: 'replay',
  migrations,
  commands: (program, ctx) => replayCommands(program, ctx),
  routes: replayRoutes,
});
