// After a run is stored, queue it for export and wake the worker: ingest pays one insert, never a
// request to the collector. Without an endpoint nothing is queued (`traces export` backfills).
// An agent upload's traceparent is remembered (the run's trace then carries the pipeline's trace id
// and hangs under its span) and the run queued again, so the collector gets the joined trace.
import { RUN_INGESTED, RUN_TRACEPARENT, RUNS_LOADED, type Subscription } from '../../core/bus/index.js';
import type { HubContext } from '../../core/registry.js';
import { tracesConfig } from './config.js';
import { queueLoadedRuns, queueRuns, saveTraceparent } from './store.js';
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
  {
    consumer: 'traces.parent',
    types: [RUN_TRACEPARENT],
    async handle(event) {
      if (!event.run_id || !event.object_key) return;
      await saveTraceparent(tdb(ctx), event.run_id, event.object_key, ctx.now());
      if (!tracesConfig(ctx.config).endpoint) return;
      await queueRuns(tdb(ctx), [event.run_id], ctx.now());
      exportLoopOf(ctx)?.kick();
    },
  },
];
