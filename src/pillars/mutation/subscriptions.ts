// The mutation pillar's bus consumers.
import { RUN_INGESTED, RUNS_LOADED, type Subscription } from '../../core/bus/index.js';
import type { HubContext } from '../../core/registry.js';
import { controlParams, mutationConfig } from './config.js';
import { deriveFromRecord, loadedRunsToScore } from './store.js';
import { mdb } from './tables.js';

export const mutationSubscriptions = (ctx: HubContext): Subscription[] => [
  {
    // A pipeline_run record carries tests.resilience counts: derive the score by the dictionary,
    // the delta vs main and the control position (an uploaded report, richer, wins). Webhook runs
    // arrive one by one (run.ingested); NDJSON batches as one runs.loaded event.
    consumer: 'mutation.records',
    types: [RUN_INGESTED, RUNS_LOADED],
    async handle(event) {
      const cfg = mutationConfig(ctx.config);
      const opts = { mainBranch: cfg.mainBranch, thresholds: cfg.thresholds, control: controlParams(cfg), now: ctx.now() };
      const ids =
        event.type === RUNS_LOADED ? (event.object_key ? await loadedRunsToScore(mdb(ctx), event.object_key) : []) : event.run_id ? [event.run_id] : [];
      for (const id of ids) await deriveFromRecord(mdb(ctx), id, opts);
    },
  },
];
