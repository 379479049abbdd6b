// GET /api/v1/data-quality/checks: the latest outcome of each check, for the dashboard's Data
// quality page. Checks are over the whole store (no repository), so an every-repository token reads them.
import type { HubApp } from '../../core/http/types.js';
import { CiError } from '../../core/errors.js';
import { requirePrincipal } from '../../core/http/index.js';
import type { HubContext } from '../../core/registry.js';
import { latestResults } from './store.js';
import { dqdb } from './tables.js';
import { dataQualityConfig } from './config.js';
import { latencyBySource } from './freshness.js';
import type { FastifyRequest } from 'fastify';

/** Data-quality figures are over the whole store (no repository): an every-repository token reads them. */
function everyRepository(req: FastifyRequest): void {
  if (!requirePrincipal(req).repoPatterns.includes('**'))
    throw new CiError('E_FORBIDDEN_REPO', 'data-quality figures cover every repository', { hint: 'use a token for every repository (**)' });
}

export function dataQualityRoutes(app: HubApp, ctx: HubContext): void {
  app.get(
    '/api/v1/data-quality/checks',
    { config: { scope: 'read' }, schema: { summary: 'The latest outcome of each data-quality check (contract tests and gates)', tags: ['data-quality'] } },
    async (req) => {
      everyRepository(req);
      const checks = await latestResults(dqdb(ctx));
      const broken = (sev: string) => checks.filter((c) => !c.passed && c.severity === sev).length;
      return { failing: broken('fail'), warning: broken('warn'), checks };
    },
  );

  app.get(
    '/api/v1/data-quality/freshness',
    {
      config: { scope: 'read' },
      schema: { summary: 'Ingest freshness per source: P50/P95 of workflow completion → stored over the last day, against the goal', tags: ['data-quality'] },
    },
    async (req) => {
      everyRepository(req);
      const goal = dataQualityConfig(ctx.config).freshnessGoalSeconds;
      const sources = await latencyBySource(dqdb(ctx), ctx.now(), goal);
      return { goal_p95_seconds: goal, sources_missing_goal: sources.filter((s) => !s.meets_goal).length, sources };
    },
  );
}
