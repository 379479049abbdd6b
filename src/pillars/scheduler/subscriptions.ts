// The scheduler's bus consumer: every run the hub hears about gets a prediction when it is first
// seen (a webhook's queued / in-progress run, or a finished record) and its error when it ends.
import { RUN_INGESTED, RUNS_LOADED, type Subscription } from '../../core/bus/index.js';
import type { HubContext } from '../../core/registry.js';
import { schedulerConfig } from './config.js';
import { observeRun, runsOfBatch } from './store.js';
import { sdb } from './tables.js';

export const schedulerSubscriptions = (ctx: HubContext): Subscription[] => [
  {
    consumer: 'scheduler.predictions',
    types: [RUN_INGESTED, RUNS_LOADED],
    async handle(event) {
      const db = sdb(ctx);
      const opts = { fallbackAbove: schedulerConfig(ctx.config).fallbackAbovePct / 100 };
      const ids = event.type === RUNS_LOADED ? (event.object_key ? await runsOfBatch(db, event.object_key) : []) : event.run_id ? [event.run_id] : [];
      for (const id of ids) await observeRun(db, id, ctx.now(), opts);
    },
  },
];
