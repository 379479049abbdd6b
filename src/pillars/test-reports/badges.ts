// The tests pillar's badges: flake index (flaky runs / runs over the flake window, all suites
// together, quarantined tests left out) and line coverage of the default branch's latest run.
import { sql } from 'kysely';
import { percentText, thresholdColour, type BadgeDef } from '../../core/badge.js';
import { testsConfig } from './config.js';
import { flakeIndex } from './store/flaky.js';

/** Flake index at most 0.5 % is green (the e2e budget), at most 2 % yellow, above red. */
export const FLAKE_THRESHOLDS = { green: 0.005, yellow: 0.02, higherIsBetter: false };
/** Line coverage from 80 % green, from 60 % yellow, below red. */
export const COVERAGE_THRESHOLDS = { green: 0.8, yellow: 0.6, higherIsBetter: true };
/** The branches a badge reads coverage from, first one with data wins. */
const DEFAULT_BRANCHES = ['main', 'master', 'trunk'];

export const flakeIndexBadge: BadgeDef = {
  metric: 'flake-index',
  label: 'flake index',
  read: async (ctx, repo) => {
    const suites = await flakeIndex(ctx, repo, testsConfig(ctx.config).flakeWindowDays);
    const runs = suites.reduce((s, x) => s + x.runs, 0);
    if (runs === 0) return null;
    const value = suites.reduce((s, x) => s + x.flaky_runs, 0) / runs;
    return { text: percentText(value), colour: thresholdColour(value, FLAKE_THRESHOLDS) };
  },
};

export const coverageBadge: BadgeDef = {
  metric: 'coverage',
  label: 'coverage',
  read: async (ctx, repo) => {
    // The run's tests.coverage (a fraction) holds both uploaded reports and what records carried.
    const r = await sql<{ lines: number }>`
      select t.coverage_lines as lines from runs r join test_summaries t on t.run_id = r.run_id
      where r.repo = ${repo} and r.branch = any(${DEFAULT_BRANCHES}::text[]) and r.environment is null and t.coverage_lines is not null
      order by array_position(${DEFAULT_BRANCHES}::text[], r.branch), r.started_at desc, r.run_id desc limit 1`.execute(ctx.db);
    const lines = r.rows[0]?.lines;
    if (lines === undefined || lines === null) return null;
    return { text: percentText(Number(lines)), colour: thresholdColour(Number(lines), COVERAGE_THRESHOLDS) };
  },
};
