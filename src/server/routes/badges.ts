// README badges: GET /badge/OWNER/REPO/METRIC.svg, a flat SVG of the latest value of a metric the
// pillars contribute (BadgeDef). Public for the repositories in badges.publicRepos; any other needs
// a read token for it (header, as everywhere; image tags in a private README are fetched by a
// proxy that can add it). A repository the caller may not see answers exactly as one without runs.
import { Type } from 'typebox';
import { sql } from 'kysely';
import type { FastifyRequest } from 'fastify';
import type { HubApp } from '../../core/http/types.js';
import { presentedToken } from '../../core/http/index.js';
import type { HubContext, Pillar } from '../../core/registry.js';
import { CiError } from '../../core/errors.js';
import { anonymousReader, authenticate, compileRepoPattern, type Principal } from '../../core/tokens.js';
import { renderBadge, type BadgeDef } from '../../core/badge.js';

const NOT_FOUND_HINT = 'check the owner and name; a badge of a repository not listed in badges.publicRepos needs a read token for it';

export function badgeRoutes(app: HubApp, ctx: HubContext, pillars: Pillar[]): void {
  const defs = new Map<string, BadgeDef>();
  for (const p of pillars) for (const b of p.badges ?? []) defs.set(b.metric, b);
  // Compiled once: a bad pattern stops the hub at start, naming the setting.
  const publicRepos = ctx.config.badges.publicRepos.map((pat, i) => {
    try {
      return compileRepoPattern(pat);
    } catch (e) {
      throw new CiError('E_CONFIG_INVALID', `badges.publicRepos[${i}]: ${(e as Error).message}`, {
        where: 'ci-intel.yml badges.publicRepos or CI_INTEL_PUBLIC_BADGES',
        hint: 'use repo patterns such as acme/app, acme/* or group/**',
      });
    }
  });
  const isPublic = (repo: string) => publicRepos.some((m) => m(repo));

  app.get(
    '/badge/:owner/:repo/:file',
    {
      // Public at the route: the handler decides per repository (public list, else a read token).
      config: { scope: 'public' },
      schema: {
        summary: `README badge of a metric (${[...defs.keys()].join(', ')}) as a flat SVG; public for badges.publicRepos, else a read token`,
        tags: ['badges'],
        params: Type.Object({
          owner: Type.String({ minLength: 1, maxLength: 200 }),
          repo: Type.String({ minLength: 1, maxLength: 200 }),
          file: Type.String({ minLength: 1, maxLength: 100 }),
        }),
      },
    },
    async (req, reply) => {
      const { owner, repo: name, file } = req.params;
      const metric = file.endsWith('.svg') ? file.slice(0, -4) : null;
      const def = metric === null ? undefined : defs.get(metric);
      if (!def) {
        throw new CiError('E_NOT_FOUND', 'no such badge', {
          where: 'path /badge/OWNER/REPO/METRIC.svg',
          hint: `METRIC is one of ${[...defs.keys()].join(', ')}`,
        });
      }
      const repo = `${owner}/${name}`.toLowerCase();
      const open = isPublic(repo);
      if (!open) {
        const principal = await readerOf(req, ctx);
        // Same answer as a repository with no runs: a token cannot probe for others' names.
        if (!principal.allowsRepo(repo)) throw new CiError('E_NOT_FOUND', 'no badge for this repository', { hint: NOT_FOUND_HINT });
      }
      const known = await sql`select 1 from runs where repo = ${repo} limit 1`.execute(ctx.db);
      if (known.rows.length === 0) throw new CiError('E_NOT_FOUND', 'no badge for this repository', { hint: NOT_FOUND_HINT });
      const reading = await def.read(ctx, repo);
      const svg = reading
        ? renderBadge(def.label, reading.text, reading.colour, `${repo} ${def.label}: ${reading.text}`)
        : renderBadge(def.label, 'unknown', 'grey', `${repo} ${def.label}: no data yet`);
      // Five minutes, as shields does; a private repository's badge only in the caller's cache.
      reply.header('cache-control', open ? 'public, max-age=300' : 'private, max-age=300');
      reply.header('content-type', 'image/svg+xml; charset=utf-8');
      // The SVG is ours and carries no script; a browser opening it directly still runs none.
      reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
      return svg;
    },
  );
}

/** The caller's principal for a non-public badge: a read token (or the demo's anonymous reader). */
async function readerOf(req: FastifyRequest, ctx: HubContext): Promise<Principal> {
  const token = presentedToken(req);
  if (!token) {
    if (ctx.config.server.demo) return anonymousReader;
    // No token: answer as for a missing repository, so a private name is never confirmed.
    throw new CiError('E_NOT_FOUND', 'no badge for this repository', { hint: NOT_FOUND_HINT });
  }
  const principal = await authenticate(ctx.db, token, ctx.now());
  if (!principal.scopes.includes('read') && !principal.scopes.includes('admin')) {
    throw new CiError('E_FORBIDDEN_SCOPE', 'the token lacks the "read" scope', { hint: 'create a token with --scope read' });
  }
  return principal;
}
