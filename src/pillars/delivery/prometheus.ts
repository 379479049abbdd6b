// The delivery pillar's series on the shared /metrics registry (seed 004 §4.1 "Rollout Metrics"):
//   cicd_canary_analysis_result{service, template}  gauge  1 = the latest conclusive judgement
//                                                          promoted, 0 = it rolled back
// A `hold` is not a result (Argo's Inconclusive): the gauge keeps the last promote/rollback.
import type { Registry } from 'prom-client';
import type { HubContext } from '../../core/registry.js';
import { latestConclusive } from './store.js';
import type { DeliveryTables } from './tables.js';

export function registerDeliveryMetrics(registry: Registry, ctx: HubContext): void {
  registry.registerMetric({
    name: 'cicd_canary_analysis_result',
    help: 'Latest conclusive canary analysis per service and template (1 = pass/promote, 0 = fail/rollback)',
    type: 'gauge',
    aggregator: 'sum',
    get: async () => ({
      name: 'cicd_canary_analysis_result',
      help: 'Latest conclusive canary analysis per service and template (1 = pass/promote, 0 = fail/rollback)',
      type: 'gauge',
      aggregator: 'sum',
      values: (await latestConclusive(ctx.db.withTables<DeliveryTables>())).map((r) => ({
        labels: { service: r.repo, template: r.template },
        value: r.verdict === 'promote' ? 1 : 0,
      })),
    }),
    reset() {},
  } as unknown as Parameters<Registry['registerMetric']>[0]);
}
