// The executive scorecard: one row per service (repository) — DORA bands of production, readiness,
// flake index, cost and CO2e per run — for the window and the window before it, so each figure
// carries its direction. Resilience comes from the mutation pillar's own API (the page joins it).
import { sql } from 'kysely';
import type { MetricsConfig } from './config.js';
import { doraReport, type DoraGroup, type MetricsDb } from './dora-store.js';
import { windowOf, type Filters } from './filters.js';
import { source } from './health.js';
import { readinessAll } from './readiness.js';

interface Period {
  dora: Pick<DoraGroup, 'deployment_frequency_per_day' | 'lead_time_median_s' | 'change_failure_rate' | 'time_to_restore_median_s' | 'bands'> | null;
  runs: number;
  usd_per_run: number | null;
  carbon_g_per_run: number | null;
  flake_index: number | null;
}

export interface ScorecardRow {
  repo: string;
  readiness: { score: number | null; band: string | null; complete: boolean };
  /**
   * The compliance snapshot: the readiness security component — policy decisions of the latest run
   * with policy results and error findings of the latest security SARIF — or null without either.
   */
  security: { score: number | null; policy_deny: number; policy_warn: number; sarif_errors: number } | null;
  now: Period;
  before: Period;
}

/**
 * The per-repository figures of one window ending at `now`; DORA only when asked (the previous
 * window's is not shown: its bands carry no arrow, and a DORA report is the costliest read here).
 */
async function period(db: MetricsDb, f: Filters, now: Date, cfg: MetricsConfig, withDora: boolean): Promise<Map<string, Period>> {
  const [dora, money] = await Promise.all([
    withDora ? doraReport(db, { ...f, environment: f.environment ?? 'production' }, now, cfg) : { groups: [] },
    // Sums from the daily rollup (no percentiles needed here): per run = over the runs that reported
    // a cost; the flake index = the mean over the runs that have one.
    sql<{ repo: string; runs: number; usd: number; carbon_g: number; cost_runs: number; carbon_runs: number; flake_sum: number; flake_runs: number }>`
      select d.repo, sum(d.runs)::int as runs, sum(d.usd)::float8 as usd, sum(d.carbon_g)::float8 as carbon_g,
        sum(d.cost_runs)::int as cost_runs, sum(d.carbon_runs)::int as carbon_runs,
        sum(d.flake_sum)::float8 as flake_sum, sum(d.flake_runs)::int as flake_runs
      from ${source('run', f, now, cfg)} group by d.repo`.execute(db),
  ]);
  const out = new Map<string, Period>();
  const get = (repo: string) => {
    let p = out.get(repo);
    if (!p) out.set(repo, (p = { dora: null, runs: 0, usd_per_run: null, carbon_g_per_run: null, flake_index: null }));
    return p;
  };
  // A repository deploying to two production environments: the one with more deployments speaks for it.
  for (const g of [...dora.groups].sort((a, b) => b.deployments - a.deployments)) {
    const p = get(g.repo);
    if (!p.dora) p.dora = g;
  }
  for (const m of money.rows) {
    const p = get(m.repo);
    p.runs = m.runs;
    p.usd_per_run = m.cost_runs ? m.usd / m.cost_runs : null;
    p.carbon_g_per_run = m.carbon_runs ? m.carbon_g / m.carbon_runs : null;
    p.flake_index = m.flake_runs ? m.flake_sum / m.flake_runs : null;
  }
  return out;
}

/** One row per repository with data in either window, by repository. */
export async function scorecard(db: MetricsDb, f: Filters, now: Date, cfg: MetricsConfig) {
  const prevNow = windowOf(f, now).since;
  const [cur, prev, ready] = await Promise.all([period(db, f, now, cfg, true), period(db, f, prevNow, cfg, false), readinessAll(db, f, cfg)]);
  const empty: Period = { dora: null, runs: 0, usd_per_run: null, carbon_g_per_run: null, flake_index: null };
  const readiness = new Map(ready.map((r) => [r.repo, r]));
  const repos = [...new Set([...cur.keys(), ...prev.keys()])].sort();
  const rows: ScorecardRow[] = repos.map((repo) => {
    const r = readiness.get(repo);
    const sec = r?.components.find((c) => c.id === 'security');
    const inp = sec?.inputs as { deny?: number; warn?: number; sarif_errors?: number } | undefined;
    return {
      repo,
      readiness: { score: r?.score ?? null, band: r?.band ?? null, complete: r?.complete ?? false },
      security:
        sec && sec.score !== null ? { score: sec.score, policy_deny: inp?.deny ?? 0, policy_warn: inp?.warn ?? 0, sarif_errors: inp?.sarif_errors ?? 0 } : null,
      now: cur.get(repo) ?? empty,
      before: prev.get(repo) ?? empty,
    };
  });
  return { window: { days: f.window, since: windowOf(f, now).since.toISOString(), previous_since: windowOf(f, prevNow).since.toISOString() }, rows };
}
