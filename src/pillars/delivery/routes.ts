// HTTP API of the delivery pillar: the stored canary decisions (the DORA page's "Canary decisions"
// card reads the flat rows; `detail=1` adds each decision's metrics and inputs), the DR card, and
// the budget overrides and check (budget/routes.ts).
import { Type } from 'typebox';
import { CiError } from '../../core/errors.js';
import { assertRepo, repoRegexes, requirePrincipal } from '../../core/http/index.js';
import { normalizeRepo } from '../../core/identity.js';
import { typed, type HubApp } from '../../core/http/types.js';
import type { HubContext } from '../../core/registry.js';
import { budgetRoutes } from './budget/routes.js';
import { deliveryConfig } from './config.js';
import { drillIdOf, drillVerdict, listDrills, recordDrill, type Drill } from './drills.js';
import { listDecisions } from './store.js';
import type { DeliveryTables } from './tables.js';

/** The body of a DR drill (`drill record --hub`), in the schema registry as dr_drill_upload. */
export const drillBody = Type.Object(
  {
    type: Type.Union([Type.Literal('rollback'), Type.Literal('restore')]),
    result: Type.Union([Type.Literal('pass'), Type.Literal('fail')]),
    rpo_s: Type.Number({ minimum: 0 }),
    rto_s: Type.Number({ minimum: 0 }),
    environment: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    repo: Type.Optional(Type.String({ minLength: 3, maxLength: 300 })),
    performed_at: Type.Optional(Type.String({ format: 'date-time' })),
    by: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    evidence: Type.Optional(
      Type.Object(
        { file: Type.String({ maxLength: 1000 }), sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }), bytes: Type.Integer({ minimum: 0 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

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

    // `drill record --hub`: a drill of one repository needs a token for it; an environment-wide
    // drill (no repo) a token for every repository.
    scoped.post(
      '/api/v1/delivery/drills',
      {
        config: { scope: 'ingest' },
        schema: {
          summary: 'Record a DR drill (rollback or restore) with its RPO, RTO and result; the same drill sent twice is one row',
          tags: ['delivery'],
          body: drillBody,
        },
      },
      async (req, reply) => {
        const b = req.body;
        const repo = b.repo ? normalizeRepo(b.repo) : null;
        if (repo) assertRepo(req, repo);
        else if (repoRegexes(requirePrincipal(req)) !== null)
          throw new CiError('E_FORBIDDEN_REPO', 'a drill without a repository concerns every repository: the token is limited to some', {
            where: 'body /repo',
            hint: 'name the repository drilled (repo), or use a token for ** ',
          });
        const base = {
          type: b.type,
          environment: b.environment ?? 'prod',
          repo,
          result: b.result,
          rpo_s: b.rpo_s,
          rto_s: b.rto_s,
          performed_at: new Date(b.performed_at ?? ctx.now()).toISOString(),
        };
        const d: Drill = { ...base, drill_id: drillIdOf(base), recorded_by: b.by ?? null, evidence: b.evidence ?? null };
        const fresh = await recordDrill(ctx.db.withTables<DeliveryTables>(), d);
        return reply.code(fresh ? 201 : 200).send({ recorded: fresh, drill: d });
      },
    );

    budgetRoutes(scoped, ctx);
  });
}
