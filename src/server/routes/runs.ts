// Runs API: NDJSON ingest and the run list / detail (spine issue "Ingest", "Server").
import type { HubApp } from '../../core/http/types.js';
import { Type } from 'typebox';
import { sql } from 'kysely';
import { CiError } from '../../core/errors.js';
import type { HubContext, Pillar } from '../../core/registry.js';
import { ingestNdjson, readRecord } from '../../core/runs/ingest.js';
import { assertRepo, assertRunVisible, bodyStream, rawBodyParsers, repoRegexes, requirePrincipal } from '../../core/http/index.js';
import { runLinks } from '../../core/runs/links.js';
import { checkLoad } from '../../core/runs/after-load.js';
import { getRunDetail, listRuns, RunListQuery } from '../../core/runs/read.js';

const checkSchema = {
  type: 'object',
  properties: {
    check: { type: 'string' },
    target: { type: 'string' },
    severity: { type: 'string' },
    passed: { type: 'boolean' },
    value: { type: ['number', 'null'] },
    threshold: { type: ['number', 'null'] },
    message: { type: 'string' },
  },
};

export function ingestRoutes(app: HubApp, ctx: HubContext, pillars: Pillar[]): void {
  app.register(async (scoped) => {
    rawBodyParsers(scoped);
    scoped.post(
      '/api/v1/runs',
      {
        config: { scope: 'ingest' },
        schema: {
          summary: 'Ingest pipeline_run records (NDJSON, one record per line; gzip accepted)',
          tags: ['runs'],
          response: {
            200: {
              type: 'object',
              properties: {
                accepted: { type: 'integer' },
                replaced: { type: 'integer' },
                rejected: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      line: { type: 'integer' },
                      pointer: { type: 'string' },
                      reason: { type: 'string' },
                      code: { type: 'string' },
                    },
                  },
                },
                load_id: { type: 'string' },
                schemas: { type: 'object', additionalProperties: { type: 'integer' } },
                warnings: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      code: { type: 'string' },
                      schema: { type: 'string' },
                      records: { type: 'integer' },
                      lines: { type: 'array', items: { type: 'integer' } },
                      deprecated_after: { type: 'string' },
                      message: { type: 'string' },
                    },
                  },
                },
                data_quality: {
                  type: 'object',
                  properties: { status: { type: 'string' }, checked: { type: 'integer' }, breaches: { type: 'array', items: checkSchema } },
                },
              },
            },
          },
        },
      },
      async (req, reply) => {
        const principal = requirePrincipal(req);
        const body = bodyStream(req, ctx.config.ingest.maxBodyBytes);
        const res = await ingestNdjson(ctx, body, {
          source: 'api',
          tokenId: principal.token_id,
          allowRepo: principal.allowsRepo,
        });
        const out = {
          accepted: res.accepted,
          replaced: res.replaced,
          rejected: res.rejected,
          load_id: res.load_id,
          schemas: res.schemas,
          warnings: res.warnings,
          data_quality: res.accepted ? await checkLoad(ctx, pillars, { load_id: res.load_id, run_ids: res.run_ids }) : undefined,
        };
        if (res.lines === 0 || (res.accepted === 0 && res.rejected.length === 0)) {
          throw new CiError('E_BODY_EMPTY', 'the body holds no records', { hint: 'send NDJSON, one pipeline_run record per line' });
        }
        if (res.accepted === 0) {
          const allForbidden = res.rejected.every((r) => r.code === 'E_FORBIDDEN_REPO');
          const err = allForbidden
            ? new CiError('E_FORBIDDEN_REPO', 'the token is not valid for any repository of the batch', {
                hint: `its patterns are ${principal.repoPatterns.join(', ')}`,
              })
            : new CiError('E_NOTHING_ACCEPTED', `none of the ${res.rejected.length} records was accepted`, {
                hint: 'see rejected[] for the line, JSON pointer and reason of each; `ci-intel validate FILE` checks locally',
              });
          return reply.status(err.status as 200).send({ ...out, error: { ...err.toJSON(), request_id: req.id } });
        }
        return out;
      },
    );
  });
}

const runListSchema = {
  summary: 'List runs, newest first, with keyset paging',
  tags: ['runs'],
  querystring: RunListQuery,
};

export function runRoutes(app: HubApp, ctx: HubContext, pillars: Pillar[]): void {
  app.get('/api/v1/runs', { config: { scope: 'read' }, schema: runListSchema }, async (req) => {
    const q = req.query;
    if (q.repo) assertRepo(req, q.repo.toLowerCase());
    return listRuns(ctx.db, q, repoRegexes(requirePrincipal(req)));
  });

  app.get(
    '/api/v1/runs/:id',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'One run: the record as sent, the normalized run, and what pillars derived',
        tags: ['runs'],
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
      },
    },
    async (req) => {
      const { id } = req.params;
      const run = await getRunDetail(ctx.db, id.toLowerCase());
      if (!run) throw new CiError('E_NOT_FOUND', `no run ${id}`, { hint: 'list runs with GET /api/v1/runs' });
      assertRunVisible(req, id, run.repo as string);
      const record = await readRecord(ctx, id.toLowerCase());
      const analyses: Record<string, unknown> = {};
      for (const p of pillars) {
        if (!p.analyze) continue;
        const a = await p.analyze(ctx, id.toLowerCase());
        if (a) analyses[p.id] = a;
      }
      return { record, run, links: runLinks(run as Parameters<typeof runLinks>[0], ctx.config), analyses };
    },
  );

  app.get('/healthz', { config: { scope: 'public' }, schema: { summary: 'Liveness', tags: ['ops'] } }, async () => ({ ok: true }));
  app.get('/readyz', { config: { scope: 'public' }, schema: { summary: 'Readiness: the store answers', tags: ['ops'] } }, async (_req, reply) => {
    try {
      await sql`select 1`.execute(ctx.db);
      return { ok: true, store: ctx.store.kind, bus: ctx.bus.kind };
    } catch (e) {
      return reply.status(503).send({ ok: false, error: (e as Error).message });
    }
  });
}
