// The hub's analysis of stored logs: a job log stored (redacted, compressed) and analyzed, the run's
// root causes for `GET /api/v1/runs/:id` (`analyses.autopsy`, the pillar's analyze hook), the run's
// report in the issue template's shape, and the GitHub issue per failure signature.
import type { Readable } from 'node:stream';
import type { HubContext } from '../../core/registry.js';
import { refusedMarker, type RefusedLine } from '../../core/redact/index.js';
import { piiHolds } from '../../core/redact/pii.js';
import { explain } from './analyze.js';
import { shippedClassifier } from './classify.js';
import { openOrComment } from './github.js';
import { renderMarkdown } from './render.js';
import { ruleSet } from './rules.js';
import { contractRootCause, ingestLog, logKey, rootCausesOf, saveAnalysis } from './store.js';
import { db } from './tables.js';
import { enqueueAnalyzed } from './checks.js';
import type { RootCause } from '../../core/model/index.js';
import type { Rule } from './types.js';
import { autopsyConfigSection, type AutopsyConfig } from './config.js';
import { sectionOf } from '../../core/config.js';

export function autopsyConfig(ctx: HubContext): AutopsyConfig {
  return sectionOf(ctx.config, autopsyConfigSection);
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
): Promise<{ bytes: number; lines: number; causes: RootCause[]; mine: RootCause[]; refused: LogLineRefusal[] }> {
  const key = logKey(run.run_id, jobId);
  const { scanner, bytes, refused } = await ingestLog(ctx, body, key, hubRules(ctx));
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
  await enqueueAnalyzed(ctx, run);
  const stored = await rootCausesOf(ctx, run.run_id);
  const mine = stored.find((s) => s.job_id === jobId)?.causes ?? [];
  return { bytes, lines: facts.lines, causes, mine, refused: refused.map((r) => logLineRefusal(ctx, jobId, r)) };
}

/** A log line a `reject` PII pattern refused, as the upload's answer names it. */
export interface LogLineRefusal {
  /** `<job>.log:<line>`: the stored log keeps its line numbers. */
  where: string;
  line: number;
  patterns: string[];
  code: 'E_PII_REFUSED';
  reason: string;
}

function logLineRefusal(ctx: HubContext, jobId: string, r: RefusedLine): LogLineRefusal {
  return {
    where: `${jobId}.log:${r.line}`,
    line: r.line,
    patterns: r.rules,
    code: 'E_PII_REFUSED',
    reason: `${piiHolds(ctx.redactor.pii, r.rules)}: the line is stored as ${r.rules.map(refusedMarker).join(' ')}; remove it at the source`,
  };
}

/** The analyze hook: `analyses.autopsy` of GET /api/v1/runs/:id. */
export async function analyzeRun(ctx: HubContext, runId: string): Promise<Record<string, unknown> | null> {
  const jobs = await rootCausesOf(ctx, runId);
  const logs = await db(ctx)
    .selectFrom('autopsy_logs')
    .select(['job_id', 'bytes', 'lines', 'job_failed', 'analyzed_at'])
    .where('run_id', '=', runId)
    .orderBy('job_id')
    .execute();
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
  const md = ctx.redactor.apply(
    renderMarkdown(
      jobs.map((j) => ({ log: j.job_id, failed: j.causes.length > 0, root_causes: j.causes })),
      { build: runId },
    ),
  );
  await db(ctx)
    .insertInto('autopsy_reports')
    .values({ run_id: runId, markdown: md, created_at: ctx.now() })
    .onConflict((oc) => oc.column('run_id').doUpdateSet({ markdown: md, created_at: ctx.now() }))
    .execute();
  return md;
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
