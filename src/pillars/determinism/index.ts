// Reproducible builds (seed 000 pillar 4; the deterministic-build issue): compare two builds of
// an artifact inside its archives, classify every difference, normalise archives.
import { definePillar } from '../../core/registry.js';
import { determinismCommands } from './commands.js';

export const determinismPillar = definePillar({
  id: 'determinism',
  commands: (program, ctx) => determinismCommands(program, ctx),
});
