// Coverage per run (the run's tests.coverage) and the latest coverage of a branch, for the
// no-regression gate.
import { sql } from 'kysely';
import { unnestInsert } from '../../../core/db/index.js';
import type { HubContext } from '../../../core/registry.js';
import { totals, type CoverageReport } from '../coverage/index.js';
import { tdb } from '../tables.js';
import { CHUNK } from './reports.js';

export async function storeCoverage(ctx: HubContext, runId: string, repo: string, report: CoverageReport) {
  const db = tdb(ctx);
  const run = await db.selectFrom('runs').select(['commit_sha', 'branch']).where('run_id', '=', runId).executeTakeFirstOrThrow();
  const t = totals(report.files);
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('tests_coverage').where('run_id', '=', runId).execute();
    await trx
      .insertInto('tests_coverage')
      .values({
        run_id: runId,
        repo,
        branch: run.branch,
        commit_sha: run.commit_sha,
        format: report.format,
        lines_pct: t.lines,
        branches_pct: t.branches,
        statements_pct: t.statements,
        lines_covered: t.counts.lines.covered,
        lines_total: t.counts.lines.total,
        branches_covered: t.counts.branches.covered,
        branches_total: t.counts.branches.total,
        statements_covered: t.counts.statements.covered,
        statements_total: t.counts.statements.total,
        files: report.files.length,
        received_at: ctx.now(),
      })
      .execute();
    const rows = report.files.map((f) => ({
      run_id: runId,
      file: ctx.redactor.apply(f.file),
      lines_covered: f.lines.covered,
      lines_total: f.lines.total,
      branches_covered: f.branches.covered,
      branches_total: f.branches.total,
      statements_covered: f.statements.covered,
      statements_total: f.statements.total,
    }));
    const cols = [
      'run_id:uuid',
      'file:text',
      'lines_covered:int4',
      'lines_total:int4',
      'branches_covered:int4',
      'branches_total:int4',
      'statements_covered:int4',
      'statements_total:int4',
    ].map((c) => ({ name: c.split(':')[0]!, type: c.split(':')[1]! }));
    for (let i = 0; i < rows.length; i += CHUNK)
      await unnestInsert('tests_coverage_files', cols, rows.slice(i, i + CHUNK), sql`on conflict do nothing`).execute(trx);
    // The run's tests.coverage (contract: fractions 0–1).
    const frac = (v: number | null) => (v === null ? null : v / 100);
    const has = await trx.selectFrom('test_summaries').select('run_id').where('run_id', '=', runId).executeTakeFirst();
    if (has)
      await trx
        .updateTable('test_summaries')
        .set({ coverage_lines: frac(t.lines), coverage_branches: frac(t.branches), coverage_statements: frac(t.statements) })
        .where('run_id', '=', runId)
        .execute();
    else
      await trx
        .insertInto('test_summaries')
        .values({
          run_id: runId,
          total: 0,
          failed: 0,
          skipped: null,
          duration_ms: 0,
          coverage_lines: frac(t.lines),
          coverage_branches: frac(t.branches),
          coverage_statements: frac(t.statements),
          mutants_total: 0,
          killed: 0,
          equiv: 0,
          timeout: 0,
          resilience_score: 0,
          delta_vs_main: null,
          equivalent_mutants_dropped: null,
        })
        .execute();
  });
  return { run_id: runId, format: report.format, lines: t.lines, branches: t.branches, statements: t.statements, files: report.files.length };
}

/** The latest coverage of a branch (the `--baseline main` of gate coverage). */
export async function latestCoverage(ctx: Pick<HubContext, 'db'>, repo: string, branch: string) {
  const r = await tdb(ctx)
    .selectFrom('tests_coverage')
    .selectAll()
    .where('repo', '=', repo)
    .where('branch', '=', branch)
    .orderBy('received_at', 'desc')
    .orderBy('run_id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!r) return null;
  return { run_id: r.run_id, lines: r.lines_pct, branches: r.branches_pct, statements: r.statements_pct, received_at: new Date(r.received_at).toISOString() };
}
