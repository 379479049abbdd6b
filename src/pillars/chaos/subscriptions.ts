// The chaos pillar's bus consumer: a run record's `chaos[]` items (core's chaos_trials) join the
// trials the agent recorded, under the same trial id (store.ts). Webhook/record runs arrive one by
// one (run.ingested); NDJSON batches as one runs.loaded event naming the batch's record blob.
import { RUN_INGESTED, RUNS_LOADED, type Subscription } from '../../core/bus/index.js';
import type { HubContext } from '../../core/registry.js';
import { copyRunTrials } from './store.js';
import type { ChaosTables } from './tables.js';

export const chaosSubscriptions = (ctx: HubContext): Subscription[] => [
  {
    consumer: 'chaos.trials',
    types: [RUN_INGESTED, RUNS_LOADED],
    async handle(event) {
      const db = ctx.db.withTables<ChaosTables>();
      const ids =
        event.type === RUNS_LOADED
          ? event.object_key
            ? (await db.selectFrom('runs').select('run_id').where('record_key', '=', event.object_key).execute()).map((r) => r.run_id)
            : []
          : event.run_id
            ? [event.run_id]
            : [];
      await copyRunTrials(db, ids, ctx.now());
    },
  },
];
