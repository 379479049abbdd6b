// Pre-warming runners from the predictions (seed 000 "Scheduler upgrades: pre-warm runners based on
// predictions"): how many runners of each class a coming window will keep busy.
//
// CI load follows the week (workdays, office hours, nightly builds), so the jobs expected in the
// window [at, at + window) are the jobs that started in the same slot of the previous weeks, averaged
// over those weeks. Each expected job costs its job's predicted duration — the model's current p50
// and p90 (scheduler_models), not the durations of weeks ago: a suite that grew since then costs its
// new duration. Busy runner time ÷ window = runners busy on average (Little's law). Warm = the p90
// busy time ÷ window, rounded up: enough for the window's mean load with slow jobs, not for bursts
// inside it — a queue that still grows shows in the fairness figures.
import { repoMatch, sql } from '../../core/db/index.js';
import { emptyState, predict, type SeriesState } from './model.js';
import type { SchedulerDb } from './tables.js';

const WEEK_MS = 7 * 86_400_000;

export interface PrewarmRunner {
  /** The runner class: the job's machine class, else the run's runner type. */
  runner: string;
  /** Jobs expected to start in the window (mean over the weeks looked at). */
  jobs_expected: number;
  /** Expected busy runner time from the predicted p50 / p90 durations (minutes). */
  busy_minutes_p50: number;
  busy_minutes_p90: number;
  /** Runners busy on average over the window (p50). */
  mean_busy: number;
  /** Runners to keep warm: the p90 busy time over the window, rounded up. */
  warm: number;
  /** The jobs (repo / workflow / job) behind the figures, with their expected starts. */
  jobs: { series: string; expected: number; p50_ms: number; p90_ms: number; predicted: boolean }[];
}

export interface PrewarmPlan {
  at: string;
  window_ms: number;
  weeks: number;
  runners: PrewarmRunner[];
}

export async function prewarmPlan(
  db: SchedulerDb,
  q: { at: Date; windowMs: number; weeks: number; repo?: string; repoRegexes: string[] | null },
): Promise<PrewarmPlan> {
  const filter = q.repo ? sql`and r.repo = ${q.repo.toLowerCase()}` : q.repoRegexes ? sql`and ${repoMatch(q.repoRegexes)}` : sql``;
  const slots = Array.from({ length: q.weeks }, (_, i) => new Date(q.at.getTime() - (i + 1) * WEEK_MS).toISOString());
  const rows = (
    await sql<{ repo: string; workflow: string; job: string; runner: string; n: number; mean_ms: number | null }>`
    select r.repo, r.workflow, j.name as job, coalesce(j.machine_class, r.runner_type, 'unknown') as runner,
           count(*)::int as n, avg(j.duration_ms)::float8 as mean_ms
    from unnest(${slots}::timestamptz[]) as w(slot)
    join runs r on r.started_at >= w.slot and r.started_at < w.slot + ${q.windowMs} * interval '1 millisecond'
    join jobs j on j.run_id = r.run_id
    where true ${filter}
    group by 1, 2, 3, 4
    order by 1, 2, 3, 4`.execute(db)
  ).rows;
  const models = new Map<string, SeriesState>();
  if (rows.length) {
    const repos = [...new Set(rows.map((r) => r.repo))];
    for (const m of await db.selectFrom('scheduler_models').select(['repo', 'workflow', 'job', 'state']).where('repo', 'in', repos).execute())
      models.set(`${m.repo}\u0000${m.workflow}\u0000${m.job}`, (typeof m.state === 'string' ? JSON.parse(m.state) : m.state) as SeriesState);
  }
  const byRunner = new Map<string, { jobs: PrewarmRunner['jobs']; expected: number; p50Min: number; p90Min: number }>();
  for (const r of rows) {
    const expected = r.n / q.weeks;
    const p = predict(models.get(`${r.repo}\u0000${r.workflow}\u0000${r.job}`) ?? emptyState(), {});
    // A job the model has not learnt yet (no finished run): the mean of its past durations.
    const predicted = p.method !== 'none';
    const p50 = predicted ? p.p50_ms : (r.mean_ms ?? 0);
    const p90 = predicted ? p.p90_ms : (r.mean_ms ?? 0);
    let a = byRunner.get(r.runner);
    if (!a) byRunner.set(r.runner, (a = { jobs: [], expected: 0, p50Min: 0, p90Min: 0 }));
    a.expected += expected;
    a.p50Min += (expected * p50) / 60_000;
    a.p90Min += (expected * p90) / 60_000;
    a.jobs.push({ series: `${r.repo} / ${r.workflow} / ${r.job}`, expected: round(expected), p50_ms: Math.round(p50), p90_ms: Math.round(p90), predicted });
  }
  const windowMin = q.windowMs / 60_000;
  const runners: PrewarmRunner[] = [...byRunner.entries()]
    .map(([runner, a]) => ({
      runner,
      jobs_expected: round(a.expected),
      busy_minutes_p50: round(a.p50Min),
      busy_minutes_p90: round(a.p90Min),
      mean_busy: round(a.p50Min / windowMin),
      // rounded to 2 decimals first, so 1.0000001 runners (float sums) is 1, not 2
      warm: Math.ceil(round(a.p90Min / windowMin)),
      jobs: a.jobs.sort((x, y) => y.expected - x.expected || (x.series < y.series ? -1 : 1)),
    }))
    .sort((x, y) => y.warm - x.warm || (x.runner < y.runner ? -1 : 1));
  return { at: q.at.toISOString(), window_ms: q.windowMs, weeks: q.weeks, runners };
}

const round = (x: number) => Math.round(x * 100) / 100;
