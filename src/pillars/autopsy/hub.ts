// The hub side (issue 4, deliverable 2): `POST /api/v1/runs/:id/jobs/:job/logs` streams a job log
// in (gzip accepted), stores it redacted and compressed in the blob store, derives its root causes
// and the failure signatures; `GET` of the same path gives the stored (redacted) log back;
// `GET /api/v1/autopsy/signatures` lists the signatures, most frequent first. The run detail
// (`GET /api/v1/runs/:id`) shows the root causes under `analyses.autopsy` via the pillar's analyze hook.
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { CiError } from '../../core/errors.js';
import { assertRepo, assertRunVisible, bodyStream, rawBodyParsers, repoRegexes, requirePrincipal, resolveUploadRun } from '../../core/http/index.js';
import type { HubContext } from '../../core/registry.js';
import { explain } from './analyze.js';
import { shippedClassifier } from './classify.js';
import { openOrComment } from './github.js';
import { renderMarkdown } from './render.js';
import { ruleSet } from './rules.js';
import { contractRootCause, ingestLog, logKey, readStoredLog, reanalyze, rootCausesOf, saveAnalysis } from './store.js';
import { db } from './tables.js';
import type { Classifier } from './classify.js';
import type { RootCause } from '../../core/model/index.js';
import type { Rule } from './types.js';
import type { AutopsyConfig } from './config.js';

export function autopsyConfig(ctx: HubContext): AutopsyConfig {
  const c = (ctx.config.pillars?.autopsy ?? {}) as Partial<AutopsyConfig>;
  return { rules: c.rules ?? [], github: c.github };
}

const rulesCache = new WeakMap<HubContext, Rule[]>();
export function hubRules(ctx: HubContext): Rule[] {
  let r = rulesCache.get(ctx);
  if (!r) {
    r = ruleSet(autopsyConfig(ctx).rules);
    rulesCache.set(ctx, r);
  }
  return r;
}

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

/** `?failed=true|false`, else the job's status in the store, else unknown (null). */
async function jobFailed(ctx: HubContext, runId: string, job: string, q: string | undefined): Promise<boolean | null> {
  if (q === 'true' || q === '1') return true;
  if (q === 'false' || q === '0') return false;
  const row = await ctx.db
    .selectFrom('jobs')
    .select('status')
    .where('run_id', '=', runId)
    .where((eb) => eb.or([eb('job_id', '=', job), eb('name', '=', job), eb('job_key', '=', job)]))
    .executeTakeFirst();
  return row ? row.status === 'failed' : null;
}

export function autopsyRoutes(app: FastifyInstance, ctx: HubContext): void {
  app.register(async (scoped) => {
    rawBodyParsers(scoped);
    scoped.post(
      '/api/v1/runs/:id/jobs/:job/logs',
      {
        config: { scope: 'ingest' },
        schema: {
          summary: 'Upload a job log (text, gzip accepted): stored redacted and compressed, analyzed for root causes',
          tags: ['autopsy'],
          params: { type: 'object', properties: { id: { type: 'string' }, job: { type: 'string' } }, required: ['id', 'job'] },
          querystring: { type: 'object', properties: { failed: { type: 'string', enum: ['true', 'false', '1', '0'] } } },
        },
      },
      async (req) => {
        const { id, job } = req.params as { id: string; job: string };
        const jobId = jobParam(job, ctx.redactor);
        const run = await resolveUploadRun(ctx, req, id);
        const body = bodyStream(req, ctx.config.ingest.maxBodyBytes);
        const uploadedAt = ctx.now();
        const { bytes, lines, causes, mine } = await storeJobLog(ctx, run, jobId, body, (req.query as { failed?: string }).failed, uploadedAt);
        let issue: unknown = null;
        const gh = autopsyConfig(ctx).github;
        const token = process.env.CI_INTEL_GITHUB_TOKEN ?? process.env.GITHUB_TOKEN;
        if (gh && token && mine.length) {
          issue = await openIssueForRun(ctx, run.run_id, mine[0]!.signature, { repo: gh.repo, token, apiUrl: gh.apiUrl ?? 'https://api.github.com' }).catch((e: Error) => {
            ctx.log.warn({ err: e.message, run: run.run_id }, 'autopsy: opening the GitHub issue failed');
            return { error: e.message };
          });
        }
        return { run_id: run.run_id, job: jobId, bytes, lines, failed: causes.length > 0, root_causes: mine, ...(issue ? { issue } : {}) };
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
        params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, job: { type: 'string' } }, required: ['id', 'job'] },
      },
    },
    async (req, reply) => {
      const { id, job } = req.params as { id: string; job: string };
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
        summary: 'Failure signatures, most frequent first',
        tags: ['autopsy'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { repo: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        },
      },
    },
    async (req) => {
      const q = req.query as { repo?: string; limit: number };
      if (q.repo) assertRepo(req, q.repo.toLowerCase());
      const allowed = repoRegexes(requirePrincipal(req));
      let query = db(ctx).selectFrom('failure_signatures').selectAll().orderBy('count', 'desc').orderBy('last_seen', 'desc').orderBy('signature').limit(q.limit ?? 100);
      if (q.repo) query = query.where('repo', '=', q.repo.toLowerCase());
      if (allowed) query = query.where((eb) => eb.or(allowed.map((re) => eb('repo', '~', re))));
      return { signatures: await query.execute() };
    },
  );
}

/**
 * Stores one job's log (redacted, compressed), derives its root causes and signatures, and refreshes
 * the run's report: what the upload route does after auth, also called by the demo seeding.
 * `failedQuery` is the route's `?failed=` (else the job's status in the store decides).
 */
export async function storeJobLog(
  ctx: HubContext,
  run: { run_id: string; repo: string },
  jobId: string,
  body: Readable,
  failedQuery: string | undefined,
  uploadedAt: Date,
): Promise<{ bytes: number; lines: number; causes: RootCause[]; mine: RootCause[] }> {
  const key = logKey(run.run_id, jobId);
  const { scanner, bytes } = await ingestLog(ctx, body, key, hubRules(ctx));
  const failed = await jobFailed(ctx, run.run_id, jobId, failedQuery);
  const { hits, facts } = scanner.end();
  const a = explain(hits, facts, { classifier: shippedClassifier(), assumeFailed: failed === true });
  // A job known to have passed has no root cause, whatever its log shows.
  const causes = failed === false ? [] : a.root_causes;
  await saveAnalysis(
    ctx,
    { run_id: run.run_id, job_id: jobId, repo: run.repo, blob_key: key, bytes, lines: facts.lines, job_failed: failed, uploaded_at: uploadedAt },
    causes,
  );
  await refreshReport(ctx, run.run_id);
  const stored = await rootCausesOf(ctx, run.run_id);
  const mine = stored.find((s) => s.job_id === jobId)?.causes ?? [];
  return { bytes, lines: facts.lines, causes, mine };
}

/** The analyze hook: `analyses.autopsy` of GET /api/v1/runs/:id. */
export async function analyzeRun(ctx: HubContext, runId: string): Promise<Record<string, unknown> | null> {
  const jobs = await rootCausesOf(ctx, runId);
  const logs = await db(ctx).selectFrom('autopsy_logs').select(['job_id', 'bytes', 'lines', 'job_failed', 'analyzed_at']).where('run_id', '=', runId).orderBy('job_id').execute();
  if (!logs.length) return null;
  // The contract's list: each job's causes, most likely first, the jobs in id order.
  const root_causes = jobs.flatMap((j) => j.causes.map(contractRootCause));
  return {
    root_causes,
    jobs: logs.map((l) => ({
      job: l.job_id,
      bytes: Number(l.bytes),
      lines: Number(l.lines),
      job_failed: l.job_failed,
      analyzed_at: l.analyzed_at,
      root_causes: jobs.find((j) => j.job_id === l.job_id)?.causes ?? [],
    })),
  };
}

/** Opens or comments on the GitHub issue for a run's failure (deduplicated by signature). */
export async function openIssueForRun(ctx: HubContext, runId: string, signature: string, target: { repo: string; token: string; apiUrl: string }) {
  const jobs = await rootCausesOf(ctx, runId);
  const md = renderMarkdown(
    jobs.map((j) => ({ log: j.job_id, failed: true, root_causes: j.causes })),
    { build: runId },
  );
  const top = jobs[0]?.causes[0];
  const title = `CI failure: ${top ? `${top.tool} ${top.category}: ${top.message}` : runId}`;
  const res = await openOrComment(target, signature, ctx.redactor.apply(title), ctx.redactor.apply(md));
  await db(ctx)
    .insertInto('autopsy_issues')
    .values({ signature, repo: target.repo, number: res.number, url: res.url, created_at: ctx.now() })
    .onConflict((oc) => oc.columns(['signature', 'repo']).doUpdateSet({ number: res.number, url: res.url }))
    .execute();
  return res;
}

/** The run's autopsy report (seed 000 issue template), kept current after every (re)analysis. */
export async function refreshReport(ctx: HubContext, runId: string): Promise<string> {
  const jobs = await rootCausesOf(ctx, runId);
  const md = ctx.redactor.apply(renderMarkdown(jobs.map((j) => ({ log: j.job_id, failed: j.causes.length > 0, root_causes: j.causes })), { build: runId }));
  await db(ctx)
    .insertInto('autopsy_reports')
    .values({ run_id: runId, markdown: md, created_at: ctx.now() })
    .onConflict((oc) => oc.column('run_id').doUpdateSet({ markdown: md, created_at: ctx.now() }))
    .execute();
  return md;
}

export interface Reclassification {
  reclassified: number;
  changes: Array<{ run_id: string; job: string; from: string; to: string }>;
}

/**
 * Re-runs the stored (redacted) logs through the given rules and model (issue 4, deliverable 11:
 * old failures are re-analyzed when rule packs change) and reports each job whose top cause moved.
 */
export async function reclassifyLogs(ctx: HubContext, rules: Rule[], classifier: Classifier | null, since: Date | null): Promise<Reclassification> {
  let q = db(ctx).selectFrom('autopsy_logs').selectAll().orderBy('uploaded_at').orderBy('run_id').orderBy('job_id');
  if (since) q = q.where('uploaded_at', '>=', since);
  const logs = await q.execute();
  const changes: Reclassification['changes'] = [];
  const label = (c: RootCause | undefined) =>
    c ? `${c.category} (${'rule_id' in c.decided_by ? `rule ${c.decided_by.rule_id}` : `model ${c.decided_by.model}`})` : 'none';
  for (const l of logs) {
    const before = (await rootCausesOf(ctx, l.run_id)).find((j) => j.job_id === l.job_id)?.causes[0];
    const a = await reanalyze(ctx, l.blob_key, rules, { classifier, assumeFailed: l.job_failed === true });
    const causes = l.job_failed === false ? [] : a.root_causes;
    const run = await ctx.db.selectFrom('runs').select('repo').where('run_id', '=', l.run_id).executeTakeFirst();
    await saveAnalysis(
      ctx,
      {
        run_id: l.run_id,
        job_id: l.job_id,
        repo: run?.repo ?? 'unknown/unknown',
        blob_key: l.blob_key,
        bytes: Number(l.bytes),
        lines: a.facts.lines,
        job_failed: l.job_failed,
        uploaded_at: new Date(l.uploaded_at),
      },
      causes,
    );
    await refreshReport(ctx, l.run_id);
    const after = (await rootCausesOf(ctx, l.run_id)).find((j) => j.job_id === l.job_id)?.causes[0];
    if (label(before) !== label(after) || before?.signature !== after?.signature) {
      changes.push({ run_id: l.run_id, job: l.job_id, from: label(before), to: label(after) });
    }
  }
  return { reclassified: logs.length, changes };
}
