// Delivery judgement (issue 22): canary verdicts stored with the deployment and exported to
// Prometheus; SLO burn-rate, DR-drill and cost/CO2e budget gates (overrides audited).
import { payloadSchemas } from '../../core/contract/payload.js';
import { definePillar } from '../../core/registry.js';
import { budgetCommands, budgetGate } from './budget/commands.js';
import { budgetOverrideRequests } from './budget/requests.js';
import { budgetCheckBody } from './budget/routes.js';
import { deliveryCommands } from './commands.js';
import { deliveryConfig, deliveryConfigSection } from './config.js';
import { drillCommands, drillGate } from './drill-commands.js';
import { deliveryGates } from './gates.js';
import { registerDeliveryMetrics } from './prometheus.js';
import { deliveryRoutes, drillBody } from './routes.js';
import { decisionsOfRun } from './store.js';
import { sloRules } from './slo/rules.js';
import { migrations, type DeliveryTables } from './tables.js';

export const deliveryPillar = definePillar({
  id: 'delivery',
  config: deliveryConfigSection,
  migrations,
  gates: [...deliveryGates, drillGate, budgetGate],
  commands: (program, ctx) => {
    deliveryCommands(program, ctx);
    drillCommands(program, ctx);
    budgetCommands(program, ctx);
  },
  subscriptions: (ctx) => [budgetOverrideRequests(ctx)],
  metrics: registerDeliveryMetrics,
  // `metrics rules` carries the SLOs' multi-window burn-rate alerts too (`slo rules` prints them alone).
  alertRules: (config) => sloRules(deliveryConfig(config).slos).groups,
  routes: deliveryRoutes,
  schemas: payloadSchemas('delivery pillar (src/pillars/delivery)', [
    {
      subject: 'dr_drill_upload',
      version: '1.0.0',
      schema: drillBody,
      note: 'a DR drill as drill record --hub uploads it (POST /api/v1/delivery/drills; the route validates its body)',
    },
    {
      subject: 'budget_check_request',
      version: '1.0.0',
      schema: budgetCheckBody,
      note: 'a budget gate check through the hub (POST /api/v1/delivery/budget/check; the route validates its body)',
    },
  ]),
  analyze: async (ctx, runId) => {
    const canary = await decisionsOfRun(ctx.db.withTables<DeliveryTables>(), runId);
    return canary.length ? { canary } : null;
  },
  panels: [
    { id: 'delivery-canary', title: 'Canary decisions', page: 'dora', api: '/api/v1/delivery/canary', order: 60 },
    { id: 'delivery-dr', title: 'DR drills (RPO/RTO vs targets)', page: 'dora', api: '/api/v1/delivery/drills', order: 61 },
    { id: 'delivery-budget-overrides', title: 'Budget overrides', page: 'cost', api: '/api/v1/delivery/budget/card', order: 60 },
    { id: 'delivery-concurrency', title: 'Concurrency caps (most runs at once vs the cap)', page: 'cost', api: '/api/v1/delivery/concurrency', order: 61 },
  ],
});
