// GET /api/v1/data-quality/checks: the latest outcome of each check, for the dashboard's Data
// quality page. Checks are over the whole store (no repository), so an every-repository token reads them.
import type { HubApp } from '../../core/http/types.js';
import { CiError } from '../../core/errors.js';
import { requirePrincipal } from '../../core/http/index.js';
import type { HubContext } from '../../core/registry.js';
import { latestResults } from './store.js';
import { dqdb } from './tables.js';

export function dataQualityRoutes(app: HubApp, ctx: HubContext): void {
  app.get(
    '/api/v1/data-quality/checks',
    { config: { scope: 'read' }, schema: { summary: 'The latest outcome of each data-quality check (contract tests and gates)', tags: ['data-quality'] } },
    async (req) => {
      const p = requirePrincipal(req);
      if (!p.repoPatterns.includes('**'))
        throw new CiError('E_FORBIDDEN_REPO', 'data-quality checks cover every repository', { hint: 'use a token for every repository (**)' });
      const checks = await latestResults(dqdb(ctx));
      const broken = (sev: string) => checks.filter((c) => !c.passed && c.severity === sev).length;
      return { failing: broken('fail'), warning: broken('warn'), checks };
    },
  );
}
