// The change traces' API: GET /api/v1/repos/:owner/:repo/changes/:sha/trace (one change from
// commit to production deploy: its lead-time segments, cost and CO2e, the runs, the trace id) and
// GET /api/v1/changes (the latest changes deployed to production, to pick one from).
import { Type } from 'typebox';
import { assertRepo, repoFromPath, repoRegexes, requirePrincipal } from '../../core/http/index.js';
import { typed, type HubApp } from '../../core/http/types.js';
import { CiError } from '../../core/errors.js';
import { normalizeRepo } from '../../core/identity.js';
import type { HubContext } from '../../core/registry.js';
import { changeTrace, type ChangeFacts } from './change.js';
import { changeExportedAt, latestChanges, loadChangeFacts, productionEnvironments } from './change-store.js';
import { tracesConfig } from './config.js';
import { tdb } from './tables.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The answer for one change: what the dashboard's waterfall draws, figures as the trace carries them. */
export function changeAnswer(f: ChangeFacts, traceUrl: string | undefined, sent: { exported_at: Date; spans: number } | null) {
  const t = changeTrace(f);
  return {
    repo: f.repo,
    sha: f.sha,
    environment: f.environment,
    deployment_id: f.deployment_id,
    deployed_sha: f.deployed_sha,
    pr: f.pr?.number ?? null,
    merge_commit: f.merge_commit?.sha ?? null,
    trace_id: t.traceId,
    trace_url: traceUrl ? traceUrl.replaceAll('{traceId}', t.traceId) : null,
    exported_at: sent ? new Date(sent.exported_at).toISOString() : null,
    started_at: iso(t.start),
    committed_at: iso(f.committed_at),
    deployed_at: iso(t.end),
    total_s: (t.end - t.start) / 1000,
    lead_time_s: f.lead_time_s,
    segments: t.segments.map((s) => ({
      id: s.id,
      label: s.label,
      from: s.from,
      to: s.to,
      start: iso(s.start),
      end: iso(s.end),
      seconds: (s.end - s.start) / 1000,
    })),
    cost: t.cost,
    runs: f.runs.map((r) => ({ ...r, started_at: iso(r.started_at), ended_at: iso(r.ended_at) })),
  };
}

export function tracesRoutes(app: HubApp, ctx: HubContext): void {
  const scoped = typed(app);
  scoped.get(
    '/api/v1/repos/:owner/:repo/changes/:sha/trace',
    {
      config: { scope: 'read' },
      schema: {
        summary:
          'One change from commit to production deploy: lead-time segments (coding, review, build, deploy wait, deploy), the DORA lead time, cost and CO2e of its runs, its trace id',
        tags: ['traces'],
        params: Type.Object({
          owner: Type.String(),
          repo: Type.String(),
          sha: Type.String({ pattern: '^[0-9a-fA-F]{40}([0-9a-fA-F]{24})?$', description: 'full commit SHA' }),
        }),
      },
    },
    async (req) => {
      const repo = repoFromPath(req.params);
      assertRepo(req, repo);
      const sha = req.params.sha.toLowerCase();
      const db = tdb(ctx);
      const facts = await loadChangeFacts(db, repo, sha, productionEnvironments(ctx.config));
      if (!facts)
        throw new CiError('E_NOT_FOUND', `commit ${sha.slice(0, 12)} of ${repo} has no production deployment that shipped it (yet)`, {
          where: 'path :sha',
          hint: 'a change has a trace once a successful deployment to production contains it and the hub knows the commit graph (ci-intel commits upload); lead times refresh every 15 s',
        });
      return changeAnswer(facts, tracesConfig(ctx.config).traceUrl, await changeExportedAt(db, repo, sha));
    },
  );
  scoped.get(
    '/api/v1/changes',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'The latest changes deployed to production (of the repositories the token may see), newest first, with their DORA lead time',
        tags: ['traces'],
        querystring: Type.Object({
          repo: Type.Optional(Type.String({ minLength: 3, description: 'owner/name' })),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
        }),
      },
    },
    async (req) => {
      const repo = req.query.repo ? normalizeRepo(req.query.repo) : undefined;
      if (repo) assertRepo(req, repo);
      const rows = await latestChanges(tdb(ctx), productionEnvironments(ctx.config), repoRegexes(requirePrincipal(req)), req.query.limit, repo);
      return { changes: rows.map((r) => ({ ...r, deployed_at: new Date(r.deployed_at).toISOString() })) };
    },
  );
}
