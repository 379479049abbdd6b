// Reproducible builds (seed 000 pillar 4; the deterministic-build issue): build twice under varied
// conditions, compare inside archives, classify every difference, normalise archives, record the
// verdicts per commit and gate on drift.
import { definePillar } from '../../core/registry.js';
import { determinismCommands } from './commands.js';
import { seedDeterminismDemo, synthDeterminism } from './demo.js';
import { determinismGate } from './gates.js';
import { determinismRoutes } from './routes.js';
import { migrations } from './tables.js';

export const determinismPillar = definePillar({
  id: 'determinism',
  migrations,
  commands: (program, ctx) => determinismCommands(program, ctx),
  gates: [determinismGate],
  routes: determinismRoutes,
  synth: synthDeterminism,
  seedDemo: seedDeterminismDemo,
  pages: [{ id: 'determinism', title: 'Reproducible builds', order: 80 }],
  panels: [{ id: 'determinism', title: 'Reproducible builds: rate per artifact', page: 'overview', api: '/api/v1/determinism/artifacts', order: 80 }],
});
