// GET /api/v1/scoreboard?week=2026-W49: the week's board (the caller's repositories only) with the
// legend of the formula; POST /api/v1/scoreboard/commits: who wrote which commit (JSON
// {"commits": [{"repo", "sha", "author", "reverts"?}]}), so points reach people.
import { Type } from 'typebox';
import { repoRegexes, requirePrincipal, assertRepo } from '../../core/http/index.js';
import { typed, type HubApp } from '../../core/http/types.js';
import type { HubContext } from '../../core/registry.js';
import { scoreboardConfig } from './config.js';
import { saveAuthors } from './demo.js';
import { normalizeRepo } from '../../core/identity.js';
import { legend } from './render.js';
import { scoreboard } from './store.js';
import { sbdb } from './tables.js';
import { parseWeek, weekOf } from './week.js';

const SHA = Type.String({ pattern: '^[0-9a-fA-F]{40}([0-9a-fA-F]{24})?$', description: 'full commit SHA' });

/** The body of a commit authors upload, in the schema registry as scoreboard_commits_upload. */
export const commitAuthorsBody = Type.Object(
  {
    commits: Type.Array(
      Type.Object(
        {
          repo: Type.String({ minLength: 3, pattern: '/' }),
          sha: SHA,
          author: Type.String({ minLength: 1, maxLength: 200 }),
          reverts: Type.Optional(SHA),
        },
        { additionalProperties: false },
      ),
      { maxItems: 10000 },
    ),
  },
  { additionalProperties: false },
);

export function scoreboardRoutes(app: HubApp, ctx: HubContext): void {
  void app.register(async (plain) => {
    const scoped = typed(plain);
    scoped.get(
      '/api/v1/scoreboard',
      {
        config: { scope: 'read' },
        schema: {
          summary: "A week's scoreboard: teams and people ranked by points, every award with its reason, the formula's legend",
          tags: ['scoreboard'],
          querystring: Type.Object({ week: Type.Optional(Type.String({ minLength: 1, description: 'ISO week, e.g. 2026-W49 (default: this week)' })) }),
        },
      },
      async (req) => {
        const week = req.query.week ? parseWeek(req.query.week, 'week') : weekOf(ctx.now());
        const board = await scoreboard(ctx, week, repoRegexes(requirePrincipal(req)));
        const around = { previous: weekOf(new Date(week.from.getTime() - 1)).id, next: weekOf(week.to).id };
        return { ...board, legend: legend(scoreboardConfig(ctx.config)), ...around };
      },
    );
    scoped.post(
      '/api/v1/scoreboard/commits',
      {
        config: { scope: 'ingest' },
        schema: {
          summary:
            'Commit authors (and the commit each reverts, if a revert): {"commits": [{"repo", "sha", "author", "reverts"?}]}; a commit sent again is replaced',
          tags: ['scoreboard'],
          body: commitAuthorsBody,
        },
      },
      async (req) => {
        const rows = req.body.commits.map((c) => ({
          repo: normalizeRepo(c.repo),
          sha: c.sha.toLowerCase(),
          author: c.author.trim().toLowerCase(),
          reverts: c.reverts?.toLowerCase() ?? null,
        }));
        for (const r of rows) assertRepo(req, r.repo);
        return { stored: await saveAuthors(sbdb(ctx), rows) };
      },
    );
  });
}
