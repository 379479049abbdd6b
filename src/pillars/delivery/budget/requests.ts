// Budget overrides asked for in a pull request comment (`/ci-intel override-budget [3d] REASON`): the
// sources pillar checks the commenter's write access and sends the request as a bus event; this
// consumer stores it like any override (source `chatops`, created by the commenter, at the time of
// the comment). Its id comes from the event's, so a redelivered event stores one override.
import { BUDGET_OVERRIDE_REQUESTED, type BudgetOverrideRequest, type Subscription } from '../../../core/bus/index.js';
import { uuidv5 } from '../../../core/identity.js';
import type { HubContext } from '../../../core/registry.js';
import type { DeliveryTables } from '../tables.js';
import { createOverride } from './store.js';

const NAMESPACE = '0c4f7a9e-2d7b-5b61-9a53-6f1e8d2c4b70';

export function budgetOverrideRequests(ctx: HubContext): Subscription {
  return {
    consumer: 'delivery.budget-override-requests',
    types: [BUDGET_OVERRIDE_REQUESTED],
    async handle(event) {
      let req: BudgetOverrideRequest;
      try {
        req = JSON.parse(event.object_key ?? '') as BudgetOverrideRequest;
      } catch {
        ctx.log.warn({ event: event.id }, 'budget override request without its details: ignored');
        return;
      }
      if (!event.repo || !event.kind || !Number.isInteger(req.pr) || !req.reason) {
        ctx.log.warn({ event: event.id }, 'budget override request without repository, pull request, requester or reason: ignored');
        return;
      }
      await createOverride(ctx.db.withTables<DeliveryTables>(), ctx.redactor, new Date(req.requested_at), {
        id: uuidv5(event.id, NAMESPACE),
        repo: event.repo,
        pr: req.pr,
        reason: req.reason,
        by: event.kind,
        expiresAt: new Date(req.expires_at),
        source: 'chatops',
      });
    },
  };
}
