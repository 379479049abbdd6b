// Budget API: overrides created (admin: letting a PR spend more is a decision, not an upload) and
// listed with their audit (read; the Cost page's card), and the gate's check through the hub
// (ingest: the CI job's token; it records the use of an override).
import { Type } from 'typebox';
import { untilInstant } from '../../../core/duration.js';
import { CiError } from '../../../core/errors.js';
import { assertRepo, repoRegexes, requirePrincipal } from '../../../core/http/index.js';
import type { HubApp } from '../../../core/http/types.js';
import { normalizeRepo } from '../../../core/identity.js';
import type { HubContext } from '../../../core/registry.js';
import { deliveryConfig } from '../config.js';
import type { DeliveryTables } from '../tables.js';
import { concurrencyPeaks } from './concurrency.js';
import { checkBudget, createOverride, listOverrides } from './store.js';

const REPO = Type.String({ minLength: 3, maxLength: 300, pattern: '^[^/\\s]+(/[^/\\s]+)+$' });
const PR = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });

/** The body of a budget check through the hub (`budget check --hub`), in the schema registry as budget_check_request. */
export const budgetCheckBody = Type.Object(
  { repo: REPO, pr: PR, by: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])) },
  { additionalProperties: false },
);

export function budgetRoutes(scoped: HubApp, ctx: HubContext): void {
  const db = () => ctx.db.withTables<DeliveryTables>();
  scoped.post(
    '/api/v1/delivery/budget/overrides',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Let one pull request through the budget gate until the override expires; audited (who, when, why, until when)',
        tags: ['delivery'],
        body: Type.Object(
          {
            repo: REPO,
            pr: PR,
            reason: Type.String({ minLength: 1, maxLength: 2000 }),
            by: Type.String({ minLength: 1, maxLength: 200 }),
            expires: Type.String({ minLength: 1, maxLength: 40, description: 'a duration from now (7d, 12h) or a date' }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => {
      const b = req.body;
      const repo = normalizeRepo(b.repo);
      assertRepo(req, repo);
      const now = ctx.now();
      const expiresAt = untilInstant(b.expires, now, 'body /expires');
      if (expiresAt <= now) throw new CiError('E_USAGE', `expires ${b.expires} is not in the future`, { where: 'body /expires', hint: 'e.g. 7d' });
      const override = await createOverride(db(), ctx.redactor, now, { repo, pr: b.pr, reason: b.reason, by: b.by, expiresAt, source: 'api' });
      return reply.code(201).send({ override });
    },
  );
  scoped.get(
    '/api/v1/delivery/budget/overrides',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Budget overrides, newest first, with their audit: who, when, why, until when, and each use by a gate',
        tags: ['delivery'],
        querystring: Type.Object({ repo: Type.Optional(Type.String({ minLength: 1 })), pr: Type.Optional(PR) }),
      },
    },
    async (req) => {
      const repo = req.query.repo ? normalizeRepo(req.query.repo) : undefined;
      if (repo) assertRepo(req, repo);
      const now = ctx.now().getTime();
      const rows = await listOverrides(db(), { repo, pr: req.query.pr, repoRegexes: repo ? null : repoRegexes(requirePrincipal(req)) });
      return { overrides: rows.map((o) => ({ ...o, active: Date.parse(o.expires_at) > now })) };
    },
  );
  // The Cost page's cards (generic panels: flat rows, the page's repo and window filters).
  scoped.get(
    '/api/v1/delivery/budget/card',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'The Cost page card: budget overrides, newest first (pull request, who, why, until when, active or expired, how often a gate used it)',
        tags: ['delivery'],
        querystring: Type.Object({ repo: Type.Optional(Type.String({ minLength: 1 })) }),
      },
    },
    async (req) => {
      const repo = req.query.repo ? normalizeRepo(req.query.repo) : undefined;
      if (repo) assertRepo(req, repo);
      const now = ctx.now().getTime();
      const rows = await listOverrides(db(), { repo, repoRegexes: repo ? null : repoRegexes(requirePrincipal(req)), limit: 50 });
      return {
        active: rows.filter((o) => Date.parse(o.expires_at) > now).length,
        overrides: rows.map((o) => ({
          pull_request: `${o.repo} #${o.pr}`,
          by: o.created_by,
          reason: o.reason,
          created_at: o.created_at,
          expires_at: o.expires_at,
          status: Date.parse(o.expires_at) > now ? 'active' : 'expired',
          times_used: o.uses.length,
          last_used_at: o.uses.at(-1)?.used_at ?? null,
          via: o.source,
        })),
      };
    },
  );
  scoped.get(
    '/api/v1/delivery/concurrency',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Per-repository concurrency: the configured cap beside the most pipeline runs seen running at once in the window',
        tags: ['delivery'],
        querystring: Type.Object({
          repo: Type.Optional(Type.String({ minLength: 1 })),
          window: Type.Optional(Type.Integer({ minimum: 1, maximum: 3660, description: 'days (default 30)' })),
        }),
      },
    },
    async (req) => {
      const repo = req.query.repo ? normalizeRepo(req.query.repo) : undefined;
      if (repo) assertRepo(req, repo);
      const days = req.query.window ?? 30;
      const repos = await concurrencyPeaks(db(), deliveryConfig(ctx.config).concurrency, {
        since: new Date(ctx.now().getTime() - days * 86_400_000),
        repo,
        repoRegexes: repo ? null : repoRegexes(requirePrincipal(req)),
      });
      return { window_days: days, over_cap: repos.filter((r) => r.status === 'over').length, repos };
    },
  );
  scoped.post(
    '/api/v1/delivery/budget/check',
    {
      config: { scope: 'ingest' },
      schema: {
        summary: "The budget gate on the hub: a pull request's spend against its budgets and overrides (records an override's use)",
        tags: ['delivery'],
        body: budgetCheckBody,
      },
    },
    async (req) => {
      const repo = normalizeRepo(req.body.repo);
      assertRepo(req, repo);
      const by = req.body.by ?? (requirePrincipal(req).token_id ? `token ${requirePrincipal(req).token_id}` : null);
      return checkBudget(db(), deliveryConfig(ctx.config), { repo, pr: req.body.pr, by }, ctx.now());
    },
  );
}
