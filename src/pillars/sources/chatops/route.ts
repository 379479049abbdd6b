// GET /api/v1/repos/:owner/:repo/switches: the switches ChatOps set for a repository (`chaos`:
// on|off), for a pipeline step to read, with who set each and when.
import { Type } from 'typebox';
import { typed, type HubApp } from '../../../core/http/types.js';
import { assertRepo } from '../../../core/http/index.js';
import { normalizeRepo } from '../../../core/identity.js';
import type { HubContext } from '../../../core/registry.js';
import type { Db } from '../deliveries.js';

export function switchesRoute(app: HubApp, ctx: HubContext): void {
  typed(app).get(
    '/api/v1/repos/:owner/:repo/switches',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Switches set by ChatOps for a repository (chaos on|off), with who set them and when',
        tags: ['chatops'],
        params: Type.Object({ owner: Type.String(), repo: Type.String() }),
      },
    },
    async (req) => {
      const repo = normalizeRepo(`${req.params.owner}/${req.params.repo}`);
      assertRepo(req, repo);
      const rows = await (ctx.db as unknown as Db)
        .selectFrom('sources_switches')
        .select(['name', 'value', 'set_by', 'set_at'])
        .where('repo', '=', repo)
        .orderBy('name')
        .execute();
      return { repo, switches: rows.map((r) => ({ ...r, set_at: new Date(r.set_at).toISOString() })) };
    },
  );
}
