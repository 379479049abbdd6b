// The metrics API behind the dashboard (issue 8), all under /api/v1/metrics, read scope; the SARIF
// and lint uploads under /api/v1/runs/:id (ingest scope); CSV/JSON export of every dashboard table.
import type { HubApp } from '../../core/http/types.js';
import { Type, type Static } from 'typebox';
import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { CiError } from '../../core/errors.js';
import { assertRepo, assertRunVisible, bodyStream, rawBodyScope, repoRegexes, requirePrincipal, resolveUploadRun } from '../../core/http/index.js';
import type { HubContext } from '../../core/registry.js';
import { metricsConfig, type MetricsConfig } from './config.js';
import { doraReport } from './dora-store.js';
import { scorecard } from './scorecard.js';
import { flatten, toCsv } from './export/csv.js';
import { parseWindow, type Filters } from './filters.js';
import { MAX_REPORT_BYTES, parseFindings, type FindingCategory } from './findings.js';
import { findingsOf, storeFindings } from './findings-store.js';
import { failedRuns, jobHealth, runHealth, runTrend } from './health.js';
import { readinessAll } from './readiness.js';
import { metricsDb, refresh } from './refresh.js';

const filterQuery = Type.Object(
  {
    repo: Type.Optional(Type.String()),
    branch: Type.Optional(Type.String()),
    environment: Type.Optional(Type.String()),
    workflow: Type.Optional(Type.String()),
    window: Type.Optional(Type.String({ description: 'days: 1, 7, 30 or 90' })),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
  },
  { additionalProperties: false },
);

export function filtersOf(req: FastifyRequest & { query: Static<typeof filterQuery> }): Filters {
  const q = req.query;
  const principal = requirePrincipal(req);
  if (q.repo) assertRepo(req, q.repo.toLowerCase());
  return {
    repo: q.repo || undefined,
    branch: q.branch || undefined,
    environment: q.environment || undefined,
    workflow: q.workflow || undefined,
    window: parseWindow(q.window),
    repoRegexes: repoRegexes(principal),
  };
}

/** Every table the dashboard shows, by name (the export route and the digest read them). */
export const TABLES = [
  'pipelines',
  'jobs',
  'daily',
  'failures',
  'dora-groups',
  'dora-weekly',
  'deployments',
  'incidents',
  'readiness',
  'cost-weekly',
  'cost-repos',
] as const;
export type TableName = (typeof TABLES)[number];

export async function tableRows(ctx: HubContext, f: Filters, name: TableName, cfg: MetricsConfig): Promise<Record<string, unknown>[]> {
  const db = metricsDb(ctx);
  const now = ctx.now();
  switch (name) {
    case 'pipelines':
      return (await runHealth(db, f, now, cfg)).pipelines.map(({ usd: _u, carbon_g: _c, kwh: _k, usd_per_run: _a, carbon_g_per_run: _b, ...r }) => r);
    case 'jobs':
      return (await jobHealth(db, f, now, cfg)).map((r) => flatten(r as unknown as Record<string, unknown>));
    case 'daily':
      return (await runTrend(db, f, now, cfg, 'day')).map((r) => ({
        day: r.day,
        runs: r.runs,
        success: r.success,
        failed: r.failed,
        success_rate: r.success_rate,
        duration_p50_ms: r.duration_p50_ms,
        duration_p95_ms: r.duration_p95_ms,
        queue_p95_ms: r.queue_p95_ms,
      }));
    case 'failures':
      return (await failedRuns(db, f, now, cfg)) as unknown as Record<string, unknown>[];
    case 'dora-groups':
      return (await doraReport(db, f, now, cfg)).groups.map((g) => flatten(g as unknown as Record<string, unknown>));
    case 'dora-weekly':
      return (await doraReport(db, f, now, cfg)).weekly;
    case 'deployments':
      return (await doraReport(db, f, now, cfg)).deployments;
    case 'incidents':
      return (await doraReport(db, f, now, cfg)).incidents;
    case 'readiness':
      return (await readinessAll(db, f, cfg)).map((r) => ({
        repo: r.repo,
        branch: r.branch,
        score: r.score,
        band: r.band,
        complete: r.complete,
        missing: r.missing.join(' '),
        ...Object.fromEntries(r.components.map((c) => [`${c.id}.score`, c.score])),
      }));
    case 'cost-weekly':
      return (await runTrend(db, f, now, cfg, 'week')).map((r) => ({
        week: r.day,
        runs: r.runs,
        usd: r.usd,
        carbon_g: r.carbon_g,
        kwh: r.kwh,
        usd_per_run: r.usd_per_run,
        carbon_g_per_run: r.carbon_g_per_run,
      }));
    case 'cost-repos':
      return (await runHealth(db, f, now, cfg)).pipelines.map((r) => ({
        repo: r.repo,
        workflow: r.workflow,
        runs: r.runs,
        usd: r.usd,
        carbon_g: r.carbon_g,
        kwh: r.kwh,
        usd_per_run: r.usd_per_run,
        carbon_g_per_run: r.carbon_g_per_run,
      }));
  }
}

export function metricsRoutes(app: HubApp, ctx: HubContext): void {
  const cfg = () => metricsConfig(ctx.config);
  const read = { scope: 'read' as const };
  const schema = (summary: string) => ({ summary, tags: ['metrics'], querystring: filterQuery });

  app.get(
    '/api/v1/metrics/overview',
    { config: read, schema: schema('Overview: run health totals, daily trend, DORA (production) and readiness summary') },
    async (req) => {
      const f = filtersOf(req);
      await refresh(ctx);
      const db = metricsDb(ctx);
      const c = cfg();
      const [health, daily, dora, readiness] = await Promise.all([
        runHealth(db, f, ctx.now(), c, { pipelines: false }),
        runTrend(db, f, ctx.now(), c, 'day'),
        doraReport(db, { ...f, environment: f.environment ?? 'production' }, ctx.now(), c),
        readinessAll(db, f, c),
      ]);
      const scored = readiness.filter((r) => r.score !== null);
      return {
        window: dora.window,
        health: health.total,
        daily,
        dora: { total: dora.total, across: dora.across, environments: dora.environments, weekly: dora.weekly },
        readiness: {
          repos: readiness.length,
          scored: scored.length,
          min: scored.length ? Math.min(...scored.map((r) => r.score!)) : null,
          mean: scored.length ? scored.reduce((s, r) => s + r.score!, 0) / scored.length : null,
          incomplete: readiness.filter((r) => !r.complete).length,
        },
      };
    },
  );

  app.get('/api/v1/metrics/health', { config: read, schema: schema('Run health per pipeline and per job, with stage time budgets') }, async (req) => {
    const f = filtersOf(req);
    await refresh(ctx);
    const db = metricsDb(ctx);
    const [h, jobs] = await Promise.all([runHealth(db, f, ctx.now(), cfg()), jobHealth(db, f, ctx.now(), cfg())]);
    return { percentiles: 'approximate: quarter-octave buckets, within ±9.05% of exact nearest-rank', total: h.total, pipelines: h.pipelines, jobs };
  });

  app.get('/api/v1/metrics/failures', { config: read, schema: schema('The latest failed runs (drill-down list)') }, async (req) => {
    const f = filtersOf(req);
    return { items: await failedRuns(metricsDb(ctx), f, ctx.now(), cfg()) };
  });

  app.get(
    '/api/v1/metrics/dora',
    { config: read, schema: schema('DORA four keys (production unless environment=...) with bands and 30-day targets') },
    async (req) => {
      const f = filtersOf(req);
      await refresh(ctx);
      return doraReport(metricsDb(ctx), f, ctx.now(), cfg());
    },
  );

  app.get(
    '/api/v1/metrics/scorecard',
    {
      config: read,
      schema: schema(
        'Executive scorecard: per repository DORA bands (production), readiness, flake index, cost and CO2e per run, this window and the one before',
      ),
    },
    async (req) => {
      const f = filtersOf(req);
      await refresh(ctx);
      return scorecard(metricsDb(ctx), f, ctx.now(), cfg());
    },
  );

  app.get('/api/v1/metrics/readiness', { config: read, schema: schema('Release readiness per repo, with every component and its inputs') }, async (req) => {
    const f = filtersOf(req);
    await refresh(ctx);
    return { weights: cfg().readiness.weights, items: await readinessAll(metricsDb(ctx), f, cfg()) };
  });

  app.get('/api/v1/metrics/cost', { config: read, schema: schema('Cost and carbon: totals, per week, per pipeline') }, async (req) => {
    const f = filtersOf(req);
    await refresh(ctx);
    const db = metricsDb(ctx);
    const [h, weekly] = await Promise.all([runHealth(db, f, ctx.now(), cfg()), runTrend(db, f, ctx.now(), cfg(), 'week')]);
    const pick = (r: { runs: number; usd: number; carbon_g: number; kwh: number; usd_per_run: number | null; carbon_g_per_run: number | null }) => ({
      runs: r.runs,
      usd: r.usd,
      carbon_g: r.carbon_g,
      kwh: r.kwh,
      usd_per_run: r.usd_per_run,
      carbon_g_per_run: r.carbon_g_per_run,
    });
    return {
      total: pick(h.total),
      weekly: weekly.map((w) => ({ week: w.day, ...pick(w) })),
      pipelines: h.pipelines.map((p) => ({ repo: p.repo, workflow: p.workflow, ...pick(p) })),
    };
  });

  app.get(
    '/api/v1/metrics/filters',
    { config: read, schema: { summary: 'Values for the dashboard filters (repos, default branches, environments, workflows)', tags: ['metrics'] } },
    async (req) => {
      const regexes = repoRegexes(requirePrincipal(req));
      await refresh(ctx);
      const db = metricsDb(ctx);
      const where = regexes
        ? sql`where ${sql.join(
            regexes.map((re) => sql`d.repo ~ ${re}`),
            sql` or `,
          )}`
        : sql``;
      const rows = (
        await sql<{
          repo: string;
          workflow: string;
          environment: string;
          branch: string;
        }>`select distinct d.repo, d.workflow, d.environment, d.branch from metrics_run_daily d ${where}`.execute(db)
      ).rows;
      const uniq = (xs: string[]) => [...new Set(xs)].filter((x) => x !== '' && x !== '*').sort();
      return {
        repos: uniq(rows.map((r) => r.repo)),
        workflows: uniq(rows.map((r) => r.workflow)),
        environments: uniq(rows.map((r) => r.environment)),
        branches: uniq(rows.map((r) => r.branch)),
        windows: [1, 7, 30, 90],
        production: cfg().productionEnvironments,
      };
    },
  );

  app.get(
    '/api/v1/metrics/export/:table',
    {
      config: read,
      schema: {
        summary: `CSV or JSON of a dashboard table: ${TABLES.join(', ')} (append .csv or .json, or pass format)`,
        tags: ['metrics'],
        params: Type.Object({ table: Type.String() }),
        querystring: filterQuery,
      },
    },
    async (req, reply) => {
      const { table } = req.params;
      const m = /^([a-z-]+?)(?:\.(csv|json))?$/.exec(table);
      const name = m?.[1] as TableName | undefined;
      if (!name || !(TABLES as readonly string[]).includes(name)) {
        throw new CiError('E_NOT_FOUND', `no dashboard table ${JSON.stringify(table)}`, { where: 'path :table', hint: `tables: ${TABLES.join(', ')}` });
      }
      const format = m?.[2] ?? req.query.format ?? 'json';
      const f = filtersOf(req);
      await refresh(ctx);
      const rows = await tableRows(ctx, f, name, cfg());
      if (format === 'csv') {
        reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`);
        return toCsv(rows);
      }
      return { table: name, items: rows };
    },
  );

  app.get(
    '/api/v1/runs/:id/findings',
    {
      config: read,
      schema: {
        summary: 'Security and lint findings uploaded for a run',
        tags: ['metrics'],
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
      },
    },
    async (req) => {
      const { id } = req.params;
      const run = await ctx.db.selectFrom('runs').select(['repo']).where('run_id', '=', id.toLowerCase()).executeTakeFirst();
      if (!run) throw new CiError('E_NOT_FOUND', `no run ${id}`);
      assertRunVisible(req, id, run.repo);
      return { items: await findingsOf(metricsDb(ctx), id.toLowerCase()) };
    },
  );

  // Uploads stream their body (gzip accepted) with a cap; an unknown run becomes a stub (core http).
  rawBodyScope(app, (scoped) => {
    const upload = (path: string, summary: string, fixed: FindingCategory | null) =>
      scoped.post(
        path,
        {
          config: { scope: 'ingest' },
          schema: {
            summary,
            tags: ['metrics'],
            params: Type.Object({ id: Type.String() }),
            querystring: Type.Object(
              { category: Type.Optional(Type.Union([Type.Literal('security'), Type.Literal('quality')])) },
              { additionalProperties: false },
            ),
          },
        },
        async (req) => {
          const { id } = req.params;
          const run = await resolveUploadRun(ctx, req, id);
          const chunks: Buffer[] = [];
          for await (const c of bodyStream(req, MAX_REPORT_BYTES)) chunks.push(c as Buffer);
          const buf = Buffer.concat(chunks);
          if (buf.length === 0) throw new CiError('E_BODY_EMPTY', 'the request has no body', { hint: 'send the SARIF or ESLint JSON file as the body' });
          const summaries = parseFindings(buf, 'body');
          const cat: FindingCategory | null = fixed ?? req.query.category ?? null;
          const stored = await storeFindings(metricsDb(ctx), ctx.redactor, run.run_id, summaries, cat, ctx.now());
          return { run_id: run.run_id, created_run: run.created, findings: stored };
        },
      );
    upload(
      '/api/v1/runs/:id/sarif',
      'Upload a SARIF 2.1.0 log (security by default; linters such as ESLint count as code quality; ?category= overrides)',
      null,
    );
    upload('/api/v1/runs/:id/lint', 'Upload lint results (ESLint JSON or SARIF): code quality for readiness', 'quality');
  });
}
