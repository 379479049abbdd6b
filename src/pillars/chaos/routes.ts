// The chaos API: the agent's trial uploads (`chaos run --record --hub`) and the resilience report
// behind `chaos report --hub` and the dashboard panel.
import { Type } from 'typebox';
import { sinceInstant } from '../../core/duration.js';
import { assertRepo, bodyStream, rawBodyScope, repoFromPath, requirePrincipal } from '../../core/http/index.js';
import type { HubApp } from '../../core/http/types.js';
import type { HubContext } from '../../core/registry.js';
import { loadReport, parseTrialUpload, recordTrial } from './store.js';
import { flipSwitch, readSwitch } from './switch.js';
import type { ChaosTables } from './tables.js';

export function chaosRoutes(app: HubApp, ctx: HubContext): void {
  const db = () => ctx.db.withTables<ChaosTables>();
  rawBodyScope(app, (scoped) => {
    // The agent's uploads may be gzip-encoded: read the raw body (bodyStream decodes it).
    scoped.post(
      '/api/v1/repos/:owner/:repo/chaos-trials',
      {
        config: { scope: 'ingest' },
        schema: {
          summary:
            'Record one chaos trial as `chaos run --record` sends it: the run record’s chaos item and the time the fault added; a trial also reported in its run’s record is stored once',
          tags: ['chaos'],
          params: Type.Object({ owner: Type.String(), repo: Type.String() }),
          querystring: Type.Object({ commit: Type.Optional(Type.String({ minLength: 4, maxLength: 64, pattern: '^[0-9A-Za-z._-]+$' })) }),
        },
      },
      async (req) => {
        const repo = repoFromPath(req.params);
        assertRepo(req, repo);
        const chunks: Buffer[] = [];
        for await (const c of bodyStream(req, 64 * 1024)) chunks.push(c as Buffer);
        const upload = parseTrialUpload(Buffer.concat(chunks).toString('utf8'));
        const trial_id = await recordTrial(db(), { repo, commit: req.query.commit ?? null, at: ctx.now(), upload });
        return { trial_id, repo };
      },
    );
  });

  app.get(
    '/api/v1/chaos/report',
    {
      config: { scope: 'read' },
      schema: {
        summary:
          'Resilience under chaos: per repository, target and fault — trials, recovery rate, mean retries, added time, a resilience score (0–100, weights in the answer) and its trend against the window before',
        tags: ['chaos'],
        querystring: Type.Object({ since: Type.String({ default: '30d' }), repo: Type.Optional(Type.String()) }),
      },
    },
    async (req) => {
      const p = requirePrincipal(req);
      const until = ctx.now();
      const since = sinceInstant(req.query.since, until, 'since');
      return loadReport(db(), { since, until, repo: req.query.repo, allowsRepo: (r) => p.allowsRepo(r) });
    },
  );

  app.get(
    '/api/v1/chaos/switch',
    {
      config: { scope: 'read' },
      schema: {
        summary:
          'The chaos kill switch: enabled false stops every injection (chaos run and chaos plan ask before each trial and while a fault is on); its flips, newest first',
        tags: ['chaos'],
      },
    },
    async () => readSwitch(db()),
  );

  app.put(
    '/api/v1/chaos/switch',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Flip the chaos kill switch (admin); audited: who, why, when',
        tags: ['chaos'],
        body: Type.Object(
          {
            enabled: Type.Boolean(),
            by: Type.String({ minLength: 1, maxLength: 200 }),
            reason: Type.String({ minLength: 1, maxLength: 2000 }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const p = requirePrincipal(req);
      return flipSwitch(db(), { ...req.body, tokenId: p.token_id, at: ctx.now() });
    },
  );
}
