// Chaos in the pipeline (issue 21): seeded faults in CI steps under a measured retry policy.
import { definePillar } from '../../core/registry.js';
import { chaosCommands } from './commands.js';

export const chaosPillar = definePillar({
  id: 'chaos',
  commands: chaosCommands,
});
