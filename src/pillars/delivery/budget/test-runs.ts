// Runs of a pull request for the budget tests: the contract's example record, re-keyed, with the
// cost and CO2e given (no deployment: a PR's CI runs, not a release).
import { readFileSync } from 'node:fs';

const seed = JSON.parse(
  readFileSync(new URL('../../../core/contract/fixtures/seed-example.fixed.v1.2.ndjson', import.meta.url), 'utf8').split('\n')[0]!,
) as Record<string, unknown>;

/** One NDJSON line: run number `n` (1..99) of `repo` PR `pr`, spending `usd` and `co2e` grams, running 4 minutes from `start`. */
export const prRun = (n: number, repo: string, pr: number, usd: number, co2e: number, start = '2026-12-05T10:00:00Z'): string =>
  JSON.stringify({
    ...seed,
    started_at: start,
    ended_at: new Date(Date.parse(start) + 240_000).toISOString(),
    run_id: `00000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`,
    repo,
    pr,
    environment: undefined,
    deployment_id: undefined,
    carbon_g_co2e: co2e,
    cost: { usd, cpu_seconds: 600, gpu_seconds: 0 },
  });
