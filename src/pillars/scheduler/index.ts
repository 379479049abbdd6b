// The scheduler (seed 000 pillar 3; issue 19): job durations learnt from history with the error
// published, test sharding by past timings, runner and shard-count plans. See README.md beside this file.
import { definePillar } from '../../core/registry.js';
import type { ReadCases } from './cli-split.js';
import { schedulerCommands } from './commands.js';

/** The assembly passes the report reader (the tests pillar's parsers), see cli-split.ts. */
export const schedulerPillar = (deps: { readCases: ReadCases }) =>
  definePillar({
    id: 'scheduler',
    commands: (program, ctx) => schedulerCommands(program, ctx, deps.readCases),
  });
