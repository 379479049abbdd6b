// After a run is stored, queue it for export and wake the worker: ingest pays one insert, never a
// request to the collector. Without an endpoint nothing is queued (`traces export` backfills).
import { RUN_INGESTED, RUNS_LOADED, type Subscription } from '../../core/bus/index.js';
import type { HubContext } from '../../core/registry.js';
import { tracesConfig } from './config.js';
import { queueLoadedRuns, queueRuns } from './store.js';
import { tdb } from './tables.js';
import { exportLoopOf } from './worker.js';

export const tracesSubscriptions = (ctx: HubContext): Subscription[] => [
  {
    consumer: 'traces.export',
    types: [RUN_INGESTED, RUNS_LOADED],
    async handle(event) {
      if (!tracesConfig(ctx.config).endpoint) return;
      if (event.type === RUNS_LOADED) {
        if (event.object_key) await queueLoadedRuns(tdb(ctx), event.object_key, ctx.now());
      } else if (event.run_id) await queueRuns(tdb(ctx), [event.run_id], ctx.now());
      exportLoopOf(ctx)?.kick();
    },
  },
];
