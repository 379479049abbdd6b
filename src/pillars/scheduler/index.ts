// The scheduler (seed 000 pillar 3; issue 19): job durations learnt from history with the error
// published, test sharding by past timings, runner and shard-count plans. See README.md beside this file.
import { definePillar } from '../../core/registry.js';
import type { ReadCases } from './cli-split.js';
import { schedulerCommands } from './commands.js';
import { schedulerConfigSection } from './config.js';
import { registerSchedulerMetrics } from './prometheus.js';
import { schedulerRoutes } from './routes.js';
import { schedulerSubscriptions } from './subscriptions.js';
import { migrations } from './tables.js';

/** The assembly passes the report reader (the tests pillar's parsers), see cli-split.ts. */
export const schedulerPillar = (deps: { readCases: ReadCases }) =>
  definePillar({
    id: 'scheduler',
    config: schedulerConfigSection,
    migrations,
    routes: schedulerRoutes,
    commands: (program, ctx) => schedulerCommands(program, ctx, deps.readCases),
    subscriptions: schedulerSubscriptions,
    metrics: registerSchedulerMetrics,
    pages: [{ id: 'scheduler', title: 'Scheduler', order: 65 }],
  });
