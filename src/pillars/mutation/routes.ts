// HTTP API of the mutation pillar (issue 6 "Outputs"): the upload, a run's mutation analysis, the
// main-branch trend with control limits, the latest per-file resilience vs coverage, and the
// baseline the agent's `--baseline main` compares with.
import type { HubApp } from '../../core/http/types.js';
import { Type } from 'typebox';
import type { Readable } from 'node:stream';
import { CiError } from '../../core/errors.js';
import { assertRepo, assertRunVisible, bodyStream, rawBodyScope, repoRegexes, requirePrincipal, resolveUploadRun } from '../../core/http/index.js';
import type { HubContext } from '../../core/registry.js';
import { ingestMutationReport } from './ingest.js';
import { parseFormat } from './reports/index.js';
import { fileScoresOf, latestMain, loadReport, sql } from './store.js';
import { mdb } from './tables.js';

async function readAll(s: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const repoQuery = Type.Object({ repo: Type.String({ minLength: 1 }) });

/** What GET /api/v1/runs/:id shows under analyses.mutation (and GET /api/v1/runs/:id/mutation). */
export async function runAnalysis(ctx: HubContext, runId: string): Promise<Record<string, unknown> | null> {
  const db = mdb(ctx);
  const r = await db.selectFrom('mutation_runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
  if (!r) return null;
  const files = await db.selectFrom('mutation_files').selectAll().where('run_id', '=', runId).orderBy('file').execute();
  const trend = await db.selectFrom('mutation_trends').selectAll().where('run_id', '=', runId).executeTakeFirst();
  return {
    tests: {
      resilience: {
        mutants_total: r.mutants_total,
        killed: r.killed,
        equiv: r.equiv,
        timeout: r.timeout,
        score: r.score,
        delta_vs_main: r.delta_vs_main,
        equivalent_mutants_dropped: r.equivalent_mutants_dropped,
      },
    },
    label: r.label,
    level: r.level,
    source: r.source,
    format: r.format,
    tool: r.tool,
    is_main: r.is_main,
    declared_score: r.declared_score,
    baseline_run_id: r.baseline_run_id,
    counts:
      r.survived === null
        ? null
        : { survived: r.survived, no_coverage: r.no_coverage, runtime_errors: r.runtime_errors, compile_errors: r.compile_errors, ignored: r.ignored },
    control: {
      ewma: r.ewma,
      lcl: r.lcl,
      ucl: r.ucl,
      center: trend?.center ?? null,
      out_of_control: r.out_of_control,
      lambda: trend?.lambda ?? null,
      L: trend?.l ?? null,
    },
    files: files.map(({ run_id: _r, ...f }) => f),
    hotspots: r.hotspots ? JSON.parse(r.hotspots) : [],
  };
}

export function mutationRoutes(app: HubApp, ctx: HubContext): void {
  // The upload takes the raw (streamed, possibly gzipped) body: its own encapsulated context.
  void rawBodyScope(app, (scoped) => {
    scoped.post(
      '/api/v1/runs/:id/mutation',
      {
        config: { scope: 'ingest' },
        schema: {
          summary:
            'Upload a mutation report for a run (StrykerJS/Stryker.NET/Stryker4s JSON, PIT XML, mutmut, go-mutesting, cargo-mutants); answers the derived resilience',
          tags: ['mutation'],
          params: Type.Object({ id: Type.String() }),
          querystring: Type.Object({ format: Type.Optional(Type.String()) }),
        },
      },
      async (req) => {
        const { id } = req.params;
        const format = parseFormat(req.query.format);
        const run = await resolveUploadRun(ctx, req, id);
        const body = await readAll(bodyStream(req, ctx.config.ingest.maxBodyBytes));
        if (!body.trim()) throw new CiError('E_BODY_EMPTY', 'the request has no body', { hint: 'send the mutation report file' });
        const r = await ingestMutationReport(ctx, run, body, format);
        return { run_id: r.run_id, repo: r.repo, created: r.created, ...r.summary, control: r.control };
      },
    );
  });

  app.get(
    '/api/v1/runs/:id/mutation',
    {
      config: { scope: 'read' },
      schema: {
        summary: "A run's mutation analysis: tests.resilience, label, control position, files, hotspots",
        tags: ['mutation'],
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
      },
    },
    async (req) => {
      const id = req.params.id.toLowerCase();
      const run = await ctx.db.selectFrom('runs').select(['repo']).where('run_id', '=', id).executeTakeFirst();
      if (!run) throw new CiError('E_NOT_FOUND', `no run ${id}`);
      assertRunVisible(req, id, run.repo);
      const a = await runAnalysis(ctx, id);
      if (!a)
        throw new CiError('E_NOT_FOUND', `run ${id} has no mutation data`, {
          hint: 'upload a report: POST /api/v1/runs/:id/mutation (ci-intel mutation report --hub ...)',
        });
      return { run_id: id, ...a };
    },
  );

  app.get(
    '/api/v1/mutation/trends',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'The main-branch resilience series of a repository with its EWMA and control limits; without repo, the latest point of every repository',
        tags: ['mutation'],
        querystring: Type.Object({ repo: Type.Optional(Type.String({ minLength: 1 })) }),
      },
    },
    async (req) => {
      const q = req.query;
      const db = mdb(ctx);
      if (!q.repo) {
        const res = repoRegexes(requirePrincipal(req));
        const rows = (
          await sql<{
            repo: string;
            run_id: string;
            at: Date;
            score: number;
            ewma: number;
            lcl: number | null;
            ucl: number | null;
            out_of_control: boolean | null;
            points: number;
          }>`
            select distinct on (repo) repo, run_id, at, score, ewma, lcl, ucl, out_of_control, count(*) over (partition by repo)::int as points
            from mutation_trends ${
              res
                ? sql`where (${sql.join(
                    res.map((re) => sql`repo ~ ${re}`),
                    sql` or `,
                  )})`
                : sql``
            }
            order by repo, at desc, run_id desc`.execute(db)
        ).rows;
        return { repos: rows.map((r) => ({ ...r, at: iso(r.at) })) };
      }
      const repo = q.repo.toLowerCase();
      assertRepo(req, repo);
      const rows = await db.selectFrom('mutation_trends').selectAll().where('repo', '=', repo).orderBy('at').orderBy('run_id').execute();
      const last = rows.at(-1);
      return {
        repo,
        lambda: last?.lambda ?? null,
        L: last?.l ?? null,
        points: rows.map((t) => ({
          run_id: t.run_id,
          at: iso(t.at),
          score: t.score,
          ewma: t.ewma,
          center: t.center,
          sigma: t.sigma,
          lcl: t.lcl,
          ucl: t.ucl,
          out_of_control: t.out_of_control,
        })),
      };
    },
  );

  app.get(
    '/api/v1/mutation/runs',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Runs with mutation data, newest first (all branches), for the repositories the token may read',
        tags: ['mutation'],
        querystring: Type.Object({ repo: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
      },
    },
    async (req) => {
      const q = req.query;
      let sel = mdb(ctx)
        .selectFrom('mutation_runs')
        .select([
          'run_id',
          'repo',
          'branch',
          'commit_sha',
          'at',
          'source',
          'format',
          'mutants_total',
          'killed',
          'equiv',
          'timeout',
          'score',
          'delta_vs_main',
          'label',
          'out_of_control',
        ]);
      if (q.repo) {
        assertRepo(req, q.repo.toLowerCase());
        sel = sel.where('repo', '=', q.repo.toLowerCase());
      } else {
        const res = repoRegexes(requirePrincipal(req));
        if (res)
          sel = sel.where(
            sql<boolean>`(${sql.join(
              res.map((re) => sql<boolean>`repo ~ ${re}`),
              sql` or `,
            )})`,
          );
      }
      const rows = await sel
        .orderBy('at', 'desc')
        .orderBy('run_id', 'desc')
        .limit(q.limit ?? 100)
        .execute();
      return { items: rows.map((r) => ({ ...r, at: iso(r.at) })) };
    },
  );

  app.get(
    '/api/v1/mutation/files',
    {
      config: { scope: 'read' },
      schema: {
        summary: "Per-file resilience vs coverage of a repository's latest uploaded main-branch report (the scatter plot)",
        tags: ['mutation'],
        querystring: repoQuery,
      },
    },
    async (req) => {
      const repo = req.query.repo.toLowerCase();
      assertRepo(req, repo);
      const db = mdb(ctx);
      const latest = await db
        .selectFrom('mutation_runs')
        .select(['run_id', 'at'])
        .where('repo', '=', repo)
        .where('source', '=', 'upload')
        .orderBy('is_main', 'desc')
        .orderBy('at', 'desc')
        .orderBy('run_id', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (!latest) return { repo, run_id: null, files: [] };
      const files = await db.selectFrom('mutation_files').selectAll().where('run_id', '=', latest.run_id).orderBy('file').execute();
      return { repo, run_id: latest.run_id, at: iso(latest.at), files: files.map(({ run_id: _r, ...f }) => f) };
    },
  );

  app.get(
    '/api/v1/mutation/baseline',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'The latest main-branch mutation run of a repository (before a time): score, per-file scores and, when uploaded, the normalized report',
        tags: ['mutation'],
        querystring: Type.Object({ repo: Type.String({ minLength: 1 }), before: Type.Optional(Type.String({ format: 'date-time' })) }),
      },
    },
    async (req) => {
      const q = req.query;
      const repo = q.repo.toLowerCase();
      assertRepo(req, repo);
      const db = mdb(ctx);
      const base = await latestMain(db, repo, q.before ? { at: q.before, run_id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' } : undefined);
      if (!base) throw new CiError('E_NOT_FOUND', `no scored main-branch mutation run for ${repo}`, { hint: 'upload a main-branch report first' });
      const row = await db.selectFrom('mutation_runs').select(['report_key']).where('run_id', '=', base.run_id).executeTakeFirstOrThrow();
      const files = Object.fromEntries(await fileScoresOf(db, base.run_id));
      return { repo, run_id: base.run_id, at: base.at, score: base.score, files, report: row.report_key ? await loadReport(ctx, row.report_key) : null };
    },
  );
}
