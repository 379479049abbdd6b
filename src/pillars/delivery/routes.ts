// HTTP API of the delivery pillar: the stored canary decisions (the DORA page's "Canary decisions"
// card reads the flat rows; `detail=1` adds each decision's metrics and inputs), the DR card, and
// the budget overrides and check (budget/routes.ts).
import { Type } from 'typebox';
import { assertRepo, repoRegexes, requirePrincipal } from '../../core/http/index.js';
import { typed, type HubApp } from '../../core/http/types.js';
import type { HubContext } from '../../core/registry.js';
import { budgetRoutes } from './budget/routes.js';
import { deliveryConfig } from './config.js';
import { drillVerdict, listDrills } from './drills.js';
import { listDecisions } from './store.js';
import type { DeliveryTables } from './tables.js';

export function deliveryRoutes(app: HubApp, ctx: HubContext): void {
  void app.register(async (plain) => {
    const scoped = typed(plain);
    scoped.get(
      '/api/v1/delivery/canary',
      {
        config: { scope: 'read' },
        schema: {
          summary: 'Canary decisions stored with their deployments, newest first: verdict, score, reason (detail=1: per-metric statistics and inputs)',
          tags: ['delivery'],
          querystring: Type.Object({
            repo: Type.Optional(Type.String({ minLength: 1 })),
            environment: Type.Optional(Type.String({ minLength: 1 })),
            deployment: Type.Optional(Type.String({ minLength: 1 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            detail: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('0')])),
          }),
        },
      },
      async (req) => {
        const q = req.query;
        if (q.repo) assertRepo(req, q.repo);
        const rows = await listDecisions(ctx.db.withTables<DeliveryTables>(), {
          repo: q.repo,
          environment: q.environment,
          deploymentId: q.deployment,
          limit: q.limit ?? 50,
          repoRegexes: q.repo ? null : repoRegexes(requirePrincipal(req)),
        });
        return {
          decisions: rows.map((r) => ({
            decided_at: r.decided_at,
            repo: r.repo,
            environment: r.environment,
            deployment: r.deployment_id,
            analysis: r.template,
            verdict: r.verdict,
            score: r.score,
            reason: r.reason,
            ...(q.detail === '1' ? { decision_id: r.decision_id, decision: r.decision, inputs: r.inputs } : {}),
          })),
        };
      },
    );

    scoped.get(
      '/api/v1/delivery/drills',
      {
        config: { scope: 'read' },
        schema: {
          summary: 'The DR card: the latest drill of an environment against the RPO/RTO targets and the 7-day freshness rule, and the drills, newest first',
          tags: ['delivery'],
          querystring: Type.Object({ environment: Type.Optional(Type.String({ minLength: 1 })) }),
        },
      },
      async (req) => {
        const environment = req.query.environment ?? 'prod';
        const t = deliveryConfig(ctx.config).drills;
        const drills = await listDrills(ctx.db.withTables<DeliveryTables>(), { environment, limit: 20 });
        const v = drillVerdict(drills, t, ctx.now(), 7 * 86_400_000);
        return {
          environment,
          status: v.pass ? 'ok' : 'blocking',
          last_drill_at: v.latest?.performed_at ?? null,
          age_days: v.age_days,
          rpo_s: v.latest?.rpo_s ?? null,
          rpo_target_s: t.rpoTargetS,
          rto_s: v.latest?.rto_s ?? null,
          rto_target_s: t.rtoTargetS,
          reason: v.reason,
          drills: drills.map((d) => ({ performed_at: d.performed_at, type: d.type, result: d.result, rpo_s: d.rpo_s, rto_s: d.rto_s, by: d.recorded_by })),
        };
      },
    );

    budgetRoutes(scoped, ctx);
  });
}
