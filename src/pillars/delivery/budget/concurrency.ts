// Per-repository concurrency caps (seed 000 "per-repo concurrency and cost caps"): the cap your CI
// enforces (`delivery.concurrency`) reported beside the most pipeline runs of the repository seen
// running at once in the store. Reported, not gated: the CI's own limit enforces the cap; this
// says whether it held, and how close the repository runs to it.
import { sql } from 'kysely';
import type { ConcurrencyCap } from '../config.js';
import type { DeliveryDb } from '../tables.js';
import { admits, specificity } from './verdict.js';

export interface ConcurrencyRow {
  repo: string;
  /** The configured cap, or null without one. */
  cap: number | null;
  /** The most runs seen at once in the window (runs with a start and an end). */
  max_concurrent_runs: number;
  /** When that peak began (the first time, if it happened several times). */
  peak_at: string;
  /** over: the peak exceeded the cap; at cap; under; no cap. */
  status: 'over' | 'at cap' | 'under' | 'no cap';
}

/** The cap of a repository: the most specific entry that covers it (the smallest of equally specific ones). */
export function capOf(caps: ConcurrencyCap[], repo: string): number | null {
  const covering = caps.filter((c, i) => admits(c.repo, repo, `ci-intel.yml: /delivery/concurrency/${i}/repo`));
  if (!covering.length) return null;
  const best = Math.max(...covering.map(specificity));
  return Math.min(...covering.filter((c) => specificity(c) === best).map((c) => c.maxRuns));
}

/**
 * The peak number of overlapping runs per repository since `since`: a sweep over start (+1) and end
 * (-1) events in time order; at one instant ends count before starts, so back-to-back runs are not
 * concurrent. A run without an end takes its start plus its duration; one with neither is left out.
 */
export async function concurrencyPeaks(
  db: DeliveryDb,
  caps: ConcurrencyCap[],
  f: { since: Date; repo?: string; repoRegexes?: string[] | null },
): Promise<ConcurrencyRow[]> {
  const repoFilter = f.repo ? sql`and repo = ${f.repo}` : f.repoRegexes ? sql`and repo ~ any(${f.repoRegexes}::text[])` : sql``;
  const r = await sql<{ repo: string; n: number; t: Date | string }>`
    with spans as (
      select repo, started_at as s, coalesce(ended_at, started_at + duration_ms * interval '1 millisecond') as e
      from runs where started_at >= ${f.since} ${repoFilter}
    ),
    ev as (
      select repo, s as t, 1 as d from spans where e is not null and e > s
      union all
      select repo, e as t, -1 as d from spans where e is not null and e > s
    ),
    sweep as (
      select repo, t, sum(d) over (partition by repo order by t, d rows unbounded preceding) as n from ev
    )
    select distinct on (repo) repo, n::int as n, t from sweep order by repo, n desc, t`.execute(db);
  return r.rows.map((x) => {
    const cap = capOf(caps, x.repo);
    const n = Number(x.n);
    return {
      repo: x.repo,
      cap,
      max_concurrent_runs: n,
      peak_at: new Date(x.t).toISOString(),
      status: cap === null ? 'no cap' : n > cap ? 'over' : n === cap ? 'at cap' : 'under',
    };
  });
}

export const concurrencyText = (c: ConcurrencyRow, days: number) =>
  `cap   ${c.repo}: ${c.cap === null ? 'no concurrency cap' : `cap ${c.cap} concurrent runs`}; at most ${c.max_concurrent_runs} seen at once ` +
  `(${c.peak_at.slice(0, 16).replace('T', ' ')} UTC, last ${days} days)${c.status === 'over' ? ' — OVER the cap' : ''}`;
