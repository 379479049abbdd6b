// The analyze hook: what GET /api/v1/runs/:id shows under analyses.tests.
import { sql } from 'kysely';
import type { HubContext } from '../../../core/registry.js';
import { tdb, STATUS_NAME } from '../tables.js';

/** What GET /api/v1/runs/:id shows under analyses.tests. */
export async function analyzeRun(ctx: HubContext, runId: string) {
  const db = tdb(ctx);
  const reports = await db.selectFrom('tests_reports').selectAll().where('run_id', '=', runId).orderBy('received_at').orderBy('report_id').execute();
  const cov = await db.selectFrom('tests_coverage').selectAll().where('run_id', '=', runId).executeTakeFirst();
  if (!reports.length && !cov) return null;
  const run = await db.selectFrom('runs').select(['flakiness_index', 'repo']).where('run_id', '=', runId).executeTakeFirst();
  const flaky = await db
    .selectFrom('tests_results as r')
    .innerJoin('tests_ids as t', 't.test_key', 'r.test_key')
    .select(['t.test_id', sql<number>`count(*)::int`.as('flaky_failures')])
    .where('r.run_id', '=', runId)
    .where('r.flaky', '=', true)
    .groupBy('t.test_id')
    .orderBy('t.test_id')
    .execute();
  const sum = (k: 'tests' | 'passed' | 'failed' | 'errored' | 'skipped') => reports.reduce((s, r) => s + r[k], 0);
  return {
    flakiness_index: run?.flakiness_index ?? null,
    counts: reports.length ? { tests: sum('tests'), passed: sum('passed'), failed: sum('failed'), errored: sum('errored'), skipped: sum('skipped') } : null,
    reports: reports.map((r) => ({
      report_id: r.report_id,
      format: r.format,
      runner: r.runner,
      tests: r.tests,
      passed: r.passed,
      failed: r.failed,
      errored: r.errored,
      skipped: r.skipped,
      duration_ms: r.duration_ms,
      problems: r.problems ? JSON.parse(r.problems) : [],
    })),
    flaky: flaky.map((f) => ({ id: f.test_id, flaky_failures: f.flaky_failures })),
    coverage: cov
      ? { format: cov.format, lines_pct: cov.lines_pct, branches_pct: cov.branches_pct, statements_pct: cov.statements_pct, files: cov.files }
      : null,
  };
}

export { STATUS_NAME };
