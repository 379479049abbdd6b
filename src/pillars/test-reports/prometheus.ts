// Prometheus series (core registry): counters kept in process as reports arrive, and the active
// quarantine read at scrape time (one indexed count per repo, cheap enough for every scrape).
import { sql } from 'kysely';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { HubContext } from '../../core/registry.js';
import { tdb } from './tables.js';

export interface TestsMetrics {
  reported(format: string, executions: number, flakyEvents: number): void;
}

let current: TestsMetrics | null = null;
/** The live metrics of this hub (null when the hub registered none, e.g. in CLI use). */
export const testsMetrics = (): TestsMetrics | null => current;

export function registerTestsMetrics(registry: Registry, ctx: HubContext): void {
  const reports = new Counter({ name: 'ci_intel_tests_reports_total', help: 'Test reports stored, by format', labelNames: ['format'], registers: [registry] });
  const executions = new Counter({ name: 'ci_intel_tests_executions_total', help: 'Test executions (attempts) stored', registers: [registry] });
  const flaky = new Counter({
    name: 'ci_intel_tests_flaky_events_total',
    help: 'Failures found contradicted by a pass of the same test on the same commit',
    registers: [registry],
  });
  new Gauge({
    name: 'ci_intel_tests_quarantined',
    help: 'Tests in quarantine, by repository',
    labelNames: ['repo'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await sql<{
        repo: string;
        n: number;
      }>`select repo, count(*)::int as n from tests_quarantine where released_at is null group by repo order by repo`.execute(tdb(ctx));
      for (const r of rows.rows) this.set({ repo: r.repo }, r.n);
    },
  });
  current = {
    reported(format, n, f) {
      reports.inc({ format });
      executions.inc(n);
      if (f) flaky.inc(f);
    },
  };
}
