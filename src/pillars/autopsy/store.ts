// The autopsy pillar's tables (seed 000 pillar 2 "Storage: failure_signatures, autopsy_reports")
// and the persistence of an analysis. Logs are stored redacted and gzip-compressed in the blob
// store; root causes per (run, job) here; failure_signatures counts each signature once per job
// log, with first/last seen, and is recomputed from the root causes so re-analysis never
// double-counts.
import { createGzip, createGunzip } from 'node:zlib';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { sql } from 'kysely';
import type { RootCause } from '../../core/model/index.js';
import { repoScope } from '../../core/db/access.js';
import type { HubContext } from '../../core/registry.js';
import type { RefusedLine } from '../../core/redact/index.js';
import { explain, redactCauses, type ExplainOptions } from './analyze.js';
import { LogScanner } from './scan.js';
import type { Rule } from './types.js';
import { type AutopsyDb, type AutopsyTables, db } from './tables.js';

export const logKey = (runId: string, jobId: string) => `logs/${runId}/${encodeURIComponent(jobId)}.log.gz`;

/**
 * Streams a log into the store: redacted first (nothing unredacted is kept), compressed into the
 * blob store and scanned in the same pass. Memory stays bounded whatever the log size.
 */
export async function ingestLog(
  ctx: HubContext,
  input: Readable,
  key: string,
  rules: Rule[],
): Promise<{ scanner: LogScanner; bytes: number; refused: RefusedLine[] }> {
  const redacted = input.pipe(ctx.redactor.stream({ keepLines: true }));
  input.on('error', (e) => redacted.destroy(e));
  const gzip = createGzip();
  const put = ctx.blob.put(key, gzip);
  const scanner = new LogScanner(rules);
  let bytes = 0;
  try {
    for await (const chunk of redacted) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      bytes += buf.length;
      scanner.write(buf);
      if (!gzip.write(buf)) await once(gzip, 'drain');
    }
    gzip.end();
  } catch (e) {
    gzip.destroy(e as Error);
    await put.catch(() => {});
    throw e;
  }
  await put;
  return { scanner, bytes, refused: redacted.refused };
}
/** The stored (redacted) log as a stream of text. */
export async function readStoredLog(ctx: HubContext, key: string): Promise<Readable> {
  const s = await ctx.blob.get(key);
  const gunzip = createGunzip();
  s.on('error', (e) => gunzip.destroy(e));
  return s.pipe(gunzip);
}
/** Replaces a job's root causes and recomputes the signatures they touch. */
export async function saveAnalysis(
  ctx: HubContext,
  row: { run_id: string; job_id: string; repo: string; blob_key: string; bytes: number; lines: number; job_failed: boolean | null; uploaded_at: Date },
  causes: RootCause[],
): Promise<void> {
  const d = db(ctx);
  const now = ctx.now();
  const clean = redactCauses(causes, ctx.redactor);
  await d.transaction().execute(async (trx) => {
    const old = await trx.selectFrom('autopsy_root_causes').select('signature').where('run_id', '=', row.run_id).where('job_id', '=', row.job_id).execute();
    await trx.deleteFrom('autopsy_root_causes').where('run_id', '=', row.run_id).where('job_id', '=', row.job_id).execute();
    await trx
      .insertInto('autopsy_logs')
      .values({
        run_id: row.run_id,
        job_id: row.job_id,
        blob_key: row.blob_key,
        bytes: row.bytes,
        lines: row.lines,
        job_failed: row.job_failed,
        uploaded_at: row.uploaded_at,
        analyzed_at: now,
      })
      .onConflict((oc) =>
        oc.columns(['run_id', 'job_id']).doUpdateSet({
          blob_key: row.blob_key,
          bytes: row.bytes,
          lines: row.lines,
          job_failed: row.job_failed,
          uploaded_at: row.uploaded_at,
          analyzed_at: now,
        }),
      )
      .execute();
    if (clean.length) {
      await trx
        .insertInto('autopsy_root_causes')
        .values(
          clean.map((c, rank) => ({
            run_id: row.run_id,
            job_id: row.job_id,
            rank,
            category: c.category,
            tool: c.tool,
            pattern: c.pattern,
            message: c.message,
            suggestion: c.suggestion,
            severity: c.severity,
            file: c.file,
            line: c.line,
            docs_uri: c.docs_uri,
            repro: c.repro,
            evidence: JSON.stringify(c.evidence),
            decided_by: JSON.stringify(c.decided_by),
            signature: c.signature,
            seen_at: row.uploaded_at,
          })),
        )
        .execute();
    }
    const touched = [...new Set([...old.map((o) => o.signature), ...clean.map((c) => c.signature)])];
    for (const sig of touched) await recomputeSignature(trx, sig, row.repo);
  });
}
/** failure_signatures row from the root causes that carry the signature (none left: row removed). */
async function recomputeSignature(trx: AutopsyDb, signature: string, repo: string): Promise<void> {
  const agg = await trx
    .selectFrom('autopsy_root_causes')
    .select([
      sql<number>`count(distinct (run_id::text || '/' || job_id))::int`.as('n'),
      sql<Date>`min(seen_at)`.as('first'),
      sql<Date>`max(seen_at)`.as('last'),
    ])
    .where('signature', '=', signature)
    .executeTakeFirst();
  const n = Number(agg?.n ?? 0);
  if (!n) {
    await trx.deleteFrom('failure_signatures').where('signature', '=', signature).execute();
    return;
  }
  const latest = await trx
    .selectFrom('autopsy_root_causes')
    .select(['run_id', 'tool', 'category', 'message'])
    .where('signature', '=', signature)
    .orderBy('seen_at', 'desc')
    .orderBy('run_id')
    .limit(1)
    .executeTakeFirstOrThrow();
  const values = {
    signature,
    repo,
    tool: latest.tool,
    category: latest.category,
    message: latest.message.slice(0, 500),
    count: n,
    first_seen: agg!.first,
    last_seen: agg!.last,
    last_run_id: latest.run_id,
  };
  await trx
    .insertInto('failure_signatures')
    .values(values)
    .onConflict((oc) => oc.column('signature').doUpdateSet({ ...values, repo: sql`failure_signatures.repo` as never }))
    .execute();
}
/** Root causes of a run, job by job, best first. */
export async function rootCausesOf(ctx: HubContext, runId: string): Promise<Array<{ job_id: string; causes: RootCause[] }>> {
  const rows = await db(ctx).selectFrom('autopsy_root_causes').selectAll().where('run_id', '=', runId).orderBy('job_id').orderBy('rank').execute();
  const byJob = new Map<string, RootCause[]>();
  for (const r of rows) {
    const list = byJob.get(r.job_id) ?? [];
    list.push({
      category: r.category as RootCause['category'],
      tool: r.tool,
      pattern: r.pattern,
      message: r.message,
      suggestion: r.suggestion,
      severity: r.severity as RootCause['severity'],
      file: r.file,
      line: r.line,
      docs_uri: r.docs_uri,
      repro: r.repro,
      evidence: (typeof r.evidence === 'string' ? JSON.parse(r.evidence) : r.evidence) as RootCause['evidence'],
      decided_by: (typeof r.decided_by === 'string' ? JSON.parse(r.decided_by) : r.decided_by) as RootCause['decided_by'],
      signature: r.signature,
    });
    byJob.set(r.job_id, list);
  }
  return [...byJob.entries()].map(([job_id, causes]) => ({ job_id, causes }));
}
/** The contract's `autopsy.root_causes` item: only its fields, null fields left out. */
export function contractRootCause(c: RootCause): Record<string, unknown> {
  const o: Record<string, unknown> = { tool: c.tool, pattern: c.pattern, message: c.message, suggestion: c.suggestion, severity: c.severity };
  if (c.file) o.file = c.file;
  if (c.line && c.line >= 1) o.line = c.line;
  if (c.docs_uri) o.docs_uri = c.docs_uri;
  return o;
}
/** Re-analyzes one stored log with the given rules (reclassify). */
export async function reanalyze(ctx: HubContext, key: string, rules: Rule[], opts: ExplainOptions) {
  const scanner = new LogScanner(rules);
  for await (const chunk of await readStoredLog(ctx, key)) scanner.write(chunk as Buffer);
  const { hits, facts } = scanner.end();
  return explain(hits, facts, opts);
}

/**
 * Failure signatures per repository, most frequent first: a signature is the same failure wherever
 * it happens, so failure_signatures (one row per signature, the repository it was first seen in)
 * cannot say whose runs a count is. Counted here from the root causes and their runs' repository:
 * each job log once, the latest cause's tool, category and message, only visible repositories.
 */
export async function signaturesByRepo(ctx: HubContext, repo: string | null, regexes: string[] | null, limit: number) {
  const rows = await sql<AutopsyTables['failure_signatures']>`
    select c.signature, r.repo,
      (array_agg(c.tool order by c.seen_at desc, c.run_id))[1] as tool,
      (array_agg(c.category order by c.seen_at desc, c.run_id))[1] as category,
      left((array_agg(c.message order by c.seen_at desc, c.run_id))[1], 500) as message,
      count(distinct (c.run_id::text || '/' || c.job_id))::int as count,
      min(c.seen_at) as first_seen, max(c.seen_at) as last_seen,
      (array_agg(c.run_id order by c.seen_at desc, c.run_id))[1] as last_run_id
    from autopsy_root_causes c join runs r on r.run_id = c.run_id
    where ${repoScope('r.repo', repo, regexes)}
    group by c.signature, r.repo
    order by count desc, last_seen desc, c.signature, r.repo
    limit ${limit}`.execute(db(ctx));
  return rows.rows;
}
