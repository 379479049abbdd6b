// Re-analysis of stored logs after the rule packs or the model changed: every stored (redacted) log
// runs through the new rules, and each job whose top cause moved is reported.
import type { HubContext } from '../../core/registry.js';
import { reanalyze, rootCausesOf, saveAnalysis } from './store.js';
import { db } from './tables.js';
import type { Classifier } from './classify.js';
import type { RootCause } from '../../core/model/index.js';
import type { Rule } from './types.js';
import { refreshReport } from './analysis.js';

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
