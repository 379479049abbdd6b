// The determinism API: the agent's upload of a commit's verdicts (`repro --record --hub`), and
// behind the dashboard the reproducibility rate per artifact over a window, its latest verdict and
// the commit its current drift began at.
import { Type } from 'typebox';
import type { HubApp } from '../../core/http/types.js';
import { commitUploadRoute } from '../../core/http/commit-upload.js';
import { assertRepo, requirePrincipal } from '../../core/http/index.js';
import type { HubContext } from '../../core/registry.js';
import { artifactHistory } from './history.js';
import { parseVerdictUpload } from './ingest.js';
import { artifactRates, commitVerdicts, identityDrift, recordResults } from './store.js';
import type { DeterminismTables } from './tables.js';

/** Upload cap: 10,000 verdicts of 20 differences each stay well under it. */
const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

export function determinismRoutes(app: HubApp, ctx: HubContext): void {
  commitUploadRoute(
    app,
    {
      tail: 'repro-results',
      tag: 'determinism',
      maxBytes: MAX_UPLOAD_BYTES,
      summary:
        'Record a commit\'s reproducibility verdicts as `ci-intel repro --record --hub` sends them ({"verdicts": [...]}, the verdicts of `repro --json`); re-checking a commit replaces its verdicts',
    },
    async ({ repo, commit, body }) => {
      const verdicts = parseVerdictUpload(body.toString('utf8')).map((v) => ({
        ...v,
        differences: v.differences.map((d) => ({ ...d, where: ctx.redactor.apply(d.where), detail: ctx.redactor.apply(d.detail) })),
      }));
      const recorded = await recordResults(ctx.db.withTables<DeterminismTables>(), { repo, commit, at: ctx.now(), verdicts });
      return { repo, commit, recorded };
    },
  );

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

  app.get(
    '/api/v1/determinism/history',
    {
      config: { scope: 'read' },
      schema: {
        summary:
          'Reproducible builds over time: per artifact, checks and reproducible checks per day (UTC), and the latest verdict with its differences per class (the Reproducible builds page)',
        tags: ['determinism'],
        querystring: Type.Object({ days: Type.Integer({ minimum: 1, maximum: 400, default: 90 }), repo: Type.Optional(Type.String()) }),
      },
    },
    async (req) => {
      const p = requirePrincipal(req);
      const since = new Date(ctx.now().getTime() - req.query.days * 86_400_000);
      const artifacts = await artifactHistory(ctx.db.withTables<DeterminismTables>(), { repo: req.query.repo, since });
      return { artifacts: artifacts.filter((a) => p.allowsRepo(a.repo)) };
    },
  );

  app.get(
    '/api/v1/determinism/identity-drift',
    {
      config: { scope: 'read' },
      schema: {
        summary:
          "Cross-time drift of a repository's build stamps: a commit built with two ELF build ids, JAR Implementation-Versions or Build-Jdks, or the same content under two build ids (behind `gate determinism --across-commits`)",
        tags: ['determinism'],
        querystring: Type.Object({ repo: Type.String({ minLength: 3 }), commit: Type.Optional(Type.String({ minLength: 1 })) }),
      },
    },
    async (req) => {
      assertRepo(req, req.query.repo.toLowerCase());
      return identityDrift(ctx.db.withTables<DeterminismTables>(), { repo: req.query.repo, commit: req.query.commit });
    },
  );

  app.get(
    '/api/v1/determinism/commit-verdicts',
    {
      config: { scope: 'read' },
      schema: {
        summary:
          "A commit's stored reproducibility verdicts per artifact: verdict, differences per class, the first difference and the fix for the first class (the PR comment's and the evidence bundle's section)",
        tags: ['determinism'],
        querystring: Type.Object({ repo: Type.String({ minLength: 3 }), commit: Type.String({ minLength: 1 }) }),
      },
    },
    async (req) => {
      const repo = req.query.repo.toLowerCase();
      assertRepo(req, repo);
      return { repo, commit: req.query.commit, verdicts: await commitVerdicts(ctx.db.withTables<DeterminismTables>(), repo, req.query.commit) };
    },
  );
}
