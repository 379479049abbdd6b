// The analyze hook: what GET /api/v1/runs/:id shows under analyses.tests.
import { sql } from 'kysely';
import type { HubContext } from '../../../core/registry.js';
import { tdb, STATUS_NAME } from '../tables.js';

/** Failing test executions listed per run (the rest are counted in `counts`). */
const FAILING_LIMIT = 100;

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
  // The run's failing tests (the run page lists them), flaky ones marked, with their message.
  const failing = await sql<{ test_id: string; status: number; flaky: boolean; attempt: number; duration_ms: number | null; message: string | null }>`
    select t.test_id, r.status, r.flaky, r.attempt, r.duration_ms, left(m.message, 300) as message
    from tests_results r join tests_ids t on t.test_key = r.test_key
    left join tests_messages m on m.repo = t.repo and m.message_hash = r.message_hash
    where r.run_id = ${runId} and r.status in (1, 2)
    order by r.flaky, t.test_id, r.attempt limit ${FAILING_LIMIT}`.execute(db);
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
    failing_tests: failing.rows.map((f) => ({
      test: f.test_id,
      outcome: f.flaky ? 'flaky (a pass on the same commit)' : STATUS_NAME[f.status],
      attempt: f.attempt,
      duration_ms: f.duration_ms === null ? null : Number(f.duration_ms),
      message: f.message,
    })),
    coverage: cov
      ? { format: cov.format, lines_pct: cov.lines_pct, branches_pct: cov.branches_pct, statements_pct: cov.statements_pct, files: cov.files }
      : null,
  };
}

export { STATUS_NAME };
