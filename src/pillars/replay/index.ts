// Infrastructure replay (seed 000 pillar 9; issue 23): Terraform and Ansible runs and drift checks
// recorded as immutable records tied to environment and commit; diff, drift trend, local replay.
// See README.md beside this file.
import { definePillar } from '../../core/registry.js';
import { replayCommands } from './commands.js';

export const replayPillar = definePillar({
  id: 'replay',
  commands: (program, ctx) => replayCommands(program, ctx),
});
