// Reproducible builds (seed 000 pillar 4; the deterministic-build issue): build twice under varied
// conditions, compare inside archives, classify every difference, normalise archives, record the
// verdicts per commit and gate on drift.
import { payloadSchemas } from '../../core/contract/payload.js';
import { definePillar } from '../../core/registry.js';
import { determinismCommands } from './commands.js';
import { seedDeterminismDemo, synthDeterminism } from './demo.js';
import { determinismGate } from './gates.js';
import { verdictUploadContract } from './ingest.js';
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
  schemas: payloadSchemas('determinism pillar (src/pillars/determinism)', [
    {
      ...verdictUploadContract,
      note: "a commit's reproducibility verdicts as repro --record --hub uploads them (POST /api/v1/repos/:owner/:repo/repro-results)",
    },
  ]),
  panels: [{ id: 'determinism', title: 'Reproducible builds: rate per artifact', page: 'overview', api: '/api/v1/determinism/artifacts', order: 80 }],
});
