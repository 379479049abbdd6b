// `serve --demo` (issue 6 on the Mutation page): the pipeline_run records already give the trend;
// the per-file panels need an uploaded report. The real StrykerJS reports in fixtures/reports are
// stored for the newest main-branch runs of the repositories with mutation data, exactly as an upload
// (POST /api/v1/runs/:id/mutation) stores them: every other such repository gets `mocha-js` then its
// next commit `mocha-js-v2` (two runs: a delta and a comparison), the rest `vitest-ts` on one run.
// `synth` only picks runs (no randomness, no file access); `seedDemo` skips quietly without fixtures.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HubContext } from '../../core/registry.js';
import type { SynthContext } from '../../core/synth/types.js';
import { ingestMutationReport } from './ingest.js';

/** Where the StrykerJS reports are, from src/ or dist/ (fixtures are not copied to dist/). */
const REPORTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/pillars/mutation/fixtures/reports');
const SERIES = [['stryker-mocha-js.json', 'stryker-mocha-js-v2.json'], ['stryker-vitest-ts.json']];

export interface DemoMutationReport {
  run_id: string;
  repo: string;
  /** File name in fixtures/reports. */
  report: string;
}

export function synthMutation(ctx: SynthContext): void {
  const out: Array<DemoMutationReport & { at: string }> = [];
  const withData = ctx.repos.filter((repo) => ctx.records.some((r) => r.repo === repo && r.tests.resilience.mutants_total > 0));
  withData.forEach((repo, i) => {
    const series = SERIES[i % SERIES.length]!;
    const main = ctx.records
      .filter((r) => r.repo === repo && r.branch === 'main' && !r.environment && r.tests.resilience.mutants_total > 0)
      .slice(-series.length);
    main.forEach((r, k) => out.push({ run_id: r.run_id, repo, report: series[k + series.length - main.length]!, at: r.started_at }));
  });
  out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.run_id < b.run_id ? -1 : 1));
  ctx.extras.mutation = out.map(({ at: _at, ...e }) => e);
}

export async function seedMutationDemo(ctx: HubContext, extras: unknown[]): Promise<void> {
  if (!SERIES.flat().every((f) => existsSync(path.join(REPORTS, f)))) {
    ctx.log.debug('mutation demo: the StrykerJS fixture reports (src/pillars/mutation/fixtures/reports) are not beside the package; no reports seeded');
    return;
  }
  for (const e of extras as DemoMutationReport[]) {
    await ingestMutationReport(ctx, { run_id: e.run_id, repo: e.repo, created: false }, readFileSync(path.join(REPORTS, e.report), 'utf8'));
  }
}
