// The tests pillar (issue 5): test reports in every common format, flaky tests and their
// quarantine, coverage and its gates. See README.md beside this file.
import { definePillar } from '../../core/registry.js';
import { testsCommands } from './commands.js';
import { testsConfigSection } from './config.js';
import { seedTestsDemo, synthTests } from './demo.js';
import { coverageGate, flakyGate, testsGate } from './gates.js';
import { registerTestsMetrics } from './prometheus.js';
import { testsMigrations } from './tables.js';
import { testsRoutes } from './routes.js';
import { dropOldPartitions } from './store/reports.js';
import { tdb } from './tables.js';
import { analyzeRun } from './store/analysis.js';
import { coverageBadge, flakeIndexBadge } from './badges.js';
import { quarantineRequests } from './requests.js';

export const testsPillar = definePillar({
  id: 'tests',
  config: testsConfigSection,
  migrations: testsMigrations,
  badges: [flakeIndexBadge, coverageBadge],
  routes: testsRoutes,
  commands: testsCommands,
  gates: [coverageGate, flakyGate, testsGate],
  analyze: analyzeRun,
  synth: synthTests,
  seedDemo: seedTestsDemo,
  metrics: registerTestsMetrics,
  subscriptions: (ctx) => [quarantineRequests(ctx)],
  pages: [{ id: 'tests', title: 'Tests', order: 50 }],
  // Retention: whole day partitions of per-test results go at once (retention.derivedDays).
  retention: async (ctx, { cutoffs, dryRun }) => ({ test_result_days: (await dropOldPartitions(tdb(ctx), cutoffs.derived, dryRun)).length }),
});
