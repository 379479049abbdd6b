// The ephemeral data lab (seed 000 pillar 6; issue 23): throwaway PostgreSQL databases on the
// machine's own server binaries, seeded from a schema, snapshotted to the blob store. See README.md.
import { definePillar } from '../../core/registry.js';
import { datalabCommands } from './commands.js';
import { datalabConfigSection } from './config.js';

export const datalabPillar = definePillar({
  id: 'datalab',
  config: datalabConfigSection,
  commands: (program, ctx) => datalabCommands(program, ctx),
});
