// The determinism API behind the dashboard panel: reproducibility rate per artifact over a window,
// its latest verdict and the commit its current drift began at.
import { Type } from 'typebox';
import type { HubApp } from '../../core/http/types.js';
import { requirePrincipal } from '../../core/http/index.js';
import type { HubContext } from '../../core/registry.js';
import { artifactRates } from './store.js';
import type { DeterminismTables } from './tables.js';

export function determinismRoutes(app: HubApp, ctx: HubContext): void {
  app.get(
    '/api/v1/determinism/artifacts',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Reproducible builds: per artifact, the share of checks that reproduced, the latest verdict and the first commit of the current drift',
        tags: ['determinism'],
        querystring: Type.Object({ days: Type.Integer({ minimum: 1, maximum: 400, default: 90 }), repo: Type.Optional(Type.String()) }),
      },
    },
    async (req) => {
      const p = requirePrincipal(req);
      const since = new Date(ctx.now().getTime() - req.query.days * 86_400_000);
      const rates = (await artifactRates(ctx.db.withTables<DeterminismTables>(), { repo: req.query.repo, since })).filter((r) => p.allowsRepo(r.repo));
      const checks = rates.reduce((n, r) => n + r.checks, 0);
      return {
        reproducible_rate: checks ? Math.round((1000 * rates.reduce((n, r) => n + r.reproducible, 0)) / checks) / 10 : null,
        drifting: rates.filter((r) => r.latest !== 'reproducible').length,
        artifacts: rates.map((r) => ({
          repo: r.repo,
          artifact: r.artifact,
          rate_percent: Math.round(r.rate * 1000) / 10,
          checks: r.checks,
          latest: r.latest,
          first_drift_commit: r.firstDriftCommit,
          last_checked: r.lastChecked,
        })),
      };
    },
  );
}
