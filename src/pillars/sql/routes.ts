// The self-service SQL API: run a query (JSON, CSV or Parquet), list the views with their columns,
// save a query and open it by id (the SQL page's shareable URL), and a saved query's result as a
// file for notebooks (GET .../result.csv|.parquet, so pandas reads it by URL with the token header).
import { randomBytes } from 'node:crypto';
import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HubApp } from '../../core/http/types.js';
import { repoRegexes, requirePrincipal } from '../../core/http/index.js';
import { CiError } from '../../core/errors.js';
import type { HubContext } from '../../core/registry.js';
import { sqlConfig } from './config.js';
import { checkQuery } from './guard.js';
import { toCsv, toObjects, toParquet } from './format.js';
import { prepare, runQuery, type SqlResult } from './run.js';
import type { SqlTables } from './tables.js';

const FORMATS = ['json', 'csv', 'parquet'] as const;
type Format = (typeof FORMATS)[number];
const MAX_SQL = 64 * 1024;

function send(reply: FastifyReply, r: SqlResult, format: Format, name: string) {
  if (format === 'csv')
    return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(toCsv(r));
  if (format === 'parquet')
    return reply
      .header('content-type', 'application/vnd.apache.parquet')
      .header('content-disposition', `attachment; filename="${name}.parquet"`)
      .send(Buffer.from(toParquet(r)));
  return { columns: r.columns, rows: toObjects(r), row_count: r.rows.length, truncated: r.truncated, views: r.views };
}

export function sqlRoutes(app: HubApp, ctx: HubContext): void {
  const db = ctx.db.withTables<SqlTables>();
  const run = (req: FastifyRequest, text: string) => runQuery(ctx.store, ctx.config.db, text, repoRegexes(requirePrincipal(req)), sqlConfig(ctx.config));

  app.post(
    '/api/v1/sql',
    {
      config: { scope: 'read' },
      schema: {
        summary: "Runs one read-only SELECT over the sql_* views, limited to the caller's repositories",
        tags: ['sql'],
        body: Type.Object({ sql: Type.String({ minLength: 1, maxLength: MAX_SQL }), format: Type.Optional(Type.Union(FORMATS.map((f) => Type.Literal(f)))) }),
      },
    },
    async (req, reply) => send(reply, await run(req, req.body.sql), req.body.format ?? 'json', 'query'),
  );

  app.get(
    '/api/v1/sql/views',
    { config: { scope: 'read' }, schema: { summary: 'The views self-service SQL reads, with their columns', tags: ['sql'] } },
    async () => {
      const { views } = await prepare(ctx.db);
      const { timeoutMs, maxRows } = sqlConfig(ctx.config);
      return { limits: { timeout_ms: timeoutMs, max_rows: maxRows }, views: views.map((v) => ({ name: v.name, doc: v.doc, columns: v.columns })) };
    },
  );

  app.post(
    '/api/v1/sql/saved',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Saves a query (its text only) for sharing by URL; whoever opens it sees the rows their own teams see',
        tags: ['sql'],
        body: Type.Object({ sql: Type.String({ minLength: 1, maxLength: MAX_SQL }), title: Type.Optional(Type.String({ maxLength: 200 })) }),
      },
    },
    async (req, reply) => {
      const { views } = await prepare(ctx.db);
      // Refused queries are not saved: a shared link always holds a query that may run.
      await checkQuery(req.body.sql, new Set(views.map((v) => v.name)));
      const id = randomBytes(9).toString('base64url');
      await db
        .insertInto('saved_sql_queries')
        .values({ id, title: req.body.title?.trim() || 'Untitled query', sql: req.body.sql, created_at: ctx.now() })
        .execute();
      return reply
        .code(201)
        .send({ id, url: `/?page=sql&q=${id}`, csv: `/api/v1/sql/saved/${id}/result.csv`, parquet: `/api/v1/sql/saved/${id}/result.parquet` });
    },
  );

  const saved = async (id: string) => {
    const row = await db.selectFrom('saved_sql_queries').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new CiError('E_NOT_FOUND', `no saved query ${id}`, { where: 'path :id', hint: 'check the link; saved queries are listed nowhere else' });
    return row;
  };

  app.get(
    '/api/v1/sql/saved/:id',
    { config: { scope: 'read' }, schema: { summary: 'A saved query', tags: ['sql'], params: Type.Object({ id: Type.String({ maxLength: 64 }) }) } },
    async (req) => {
      const row = await saved(req.params.id);
      return { id: row.id, title: row.title, sql: row.sql, created_at: new Date(row.created_at).toISOString() };
    },
  );

  app.get(
    '/api/v1/sql/saved/:id/result.:format',
    {
      config: { scope: 'read' },
      schema: {
        summary: "A saved query's result as a file (CSV or Parquet) for notebooks, limited to the caller's repositories",
        tags: ['sql'],
        params: Type.Object({ id: Type.String({ maxLength: 64 }), format: Type.Union(FORMATS.map((f) => Type.Literal(f))) }),
      },
    },
    async (req, reply) => {
      const row = await saved(req.params.id);
      return send(reply, await run(req, row.sql), req.params.format, `query-${row.id}`);
    },
  );
}
