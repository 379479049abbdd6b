// The autopsy pillar's HTTP routes: `POST /api/v1/runs/:id/jobs/:job/logs` streams a job log in
// (gzip accepted), stores it redacted and compressed, derives its root causes and the failure
// signatures; `GET` of the same path gives the stored (redacted) log back;
// `GET /api/v1/autopsy/signatures` lists the signatures, most frequent first.
import type { HubApp } from '../../core/http/types.js';
import { Type } from 'typebox';
import { CiError } from '../../core/errors.js';
import { assertRepo, assertRunVisible, bodyStream, rawBodyScope, repoRegexes, requirePrincipal, resolveUploadRun } from '../../core/http/index.js';
import type { HubContext } from '../../core/registry.js';
import { db } from './tables.js';
import { readStoredLog, signaturesByRepo } from './store.js';
import { autopsyConfig, openIssueForRun, storeJobLog } from './analysis.js';

const JOB_RE = /^[\w.:@+-]{1,200}$/;

/**
 * The job id of a log path, as stored (in the blob key and the tables): checked, then redacted
 * like any text — a job named after a token must not put the token in a file name.
 */
function jobParam(job: string, redactor: HubContext['redactor']): string {
  if (!JOB_RE.test(job))
    throw new CiError('E_USAGE', `job ${JSON.stringify(job.slice(0, 100))} is not a job id`, {
      where: 'path :job',
      hint: 'letters, digits and . _ - : @ + only (at most 200)',
    });
  return redactor.apply(job).replace(/\[REDACTED:([\w-]+)\]/g, 'REDACTED-$1');
}

export function autopsyRoutes(app: HubApp, ctx: HubContext): void {
  rawBodyScope(app, (scoped) => {
    scoped.post(
      '/api/v1/runs/:id/jobs/:job/logs',
      {
        config: { scope: 'ingest' },
        schema: {
          summary: 'Upload a job log (text, gzip accepted): stored redacted and compressed, analyzed for root causes',
          tags: ['autopsy'],
          params: Type.Object({ id: Type.String(), job: Type.String() }),
          querystring: Type.Object({ failed: Type.Optional(Type.Union(['true', 'false', '1', '0'].map((v) => Type.Literal(v)))) }),
        },
      },
      async (req) => {
        const { id, job } = req.params;
        const jobId = jobParam(job, ctx.redactor);
        const run = await resolveUploadRun(ctx, req, id);
        const body = bodyStream(req, ctx.config.ingest.maxBodyBytes);
        const uploadedAt = ctx.now();
        const { bytes, lines, causes, mine, refused } = await storeJobLog(ctx, run, jobId, body, req.query.failed, uploadedAt);
        let issue: unknown = null;
        const gh = autopsyConfig(ctx).github;
        const token = ctx.config.github.token;
        if (gh && token && mine.length) {
          issue = await openIssueForRun(ctx, run.run_id, mine[0]!.signature, { repo: gh.repo, token, apiUrl: gh.apiUrl ?? ctx.config.github.apiUrl }).catch(
            (e: Error) => {
              ctx.log.warn({ err: e.message, run: run.run_id }, 'autopsy: opening the GitHub issue failed');
              return { error: e.message };
            },
          );
        }
        return {
          run_id: run.run_id,
          job: jobId,
          bytes,
          lines,
          failed: causes.length > 0,
          root_causes: mine,
          // Lines a PII pattern of policy reject refused (the rest of the log is stored).
          ...(refused.length ? { refused: refused.slice(0, 1000) } : {}),
          ...(issue ? { issue } : {}),
        };
      },
    );
  });

  app.get(
    '/api/v1/runs/:id/jobs/:job/logs',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'The stored (redacted) job log',
        tags: ['autopsy'],
        params: Type.Object({ id: Type.String({ format: 'uuid' }), job: Type.String() }),
      },
    },
    async (req, reply) => {
      const { id, job } = req.params;
      const row = await db(ctx)
        .selectFrom('autopsy_logs')
        .select(['blob_key', 'run_id'])
        .where('run_id', '=', id.toLowerCase())
        .where('job_id', '=', jobParam(job, ctx.redactor))
        .executeTakeFirst();
      const run = await ctx.db.selectFrom('runs').select('repo').where('run_id', '=', id.toLowerCase()).executeTakeFirst();
      if (!row || !run) throw new CiError('E_NOT_FOUND', `no log for run ${id} job ${job}`, { hint: 'upload it with POST to the same path' });
      assertRunVisible(req, id, run.repo, `log for run ${id} job ${job}`);
      reply.header('content-type', 'text/plain; charset=utf-8');
      return reply.send(await readStoredLog(ctx, row.blob_key));
    },
  );

  app.get(
    '/api/v1/autopsy/signatures',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Failure signatures per repository (a failure seen in two repositories is a row for each), most frequent first',
        tags: ['autopsy'],
        querystring: Type.Object(
          { repo: Type.Optional(Type.String()), limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const q = req.query;
      const repo = q.repo ? q.repo.toLowerCase() : null;
      if (repo) assertRepo(req, repo);
      return { signatures: await signaturesByRepo(ctx, repo, repoRegexes(requirePrincipal(req)), q.limit) };
    },
  );
}
