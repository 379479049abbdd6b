// The resilience report: per repository, target and fault — trials, recovery rate, mean retries,
// added time and a resilience score — and its trend against the window before. Pure: rows in,
// report out (store.ts reads the rows, commands.ts and routes.ts print or serve it).
//
// The score is Litmus-like (LitmusChaos: weighted probe success). Each trial scores 1 when the
// step recovered, 0.5 when it succeeded degraded (slower than its budget), 0 when it failed; a
// target's score for a fault is the mean, in percent. A repository's score weighs its faults by
// how hard they hit a pipeline (FAULT_WEIGHTS): losing the job or the disk counts three times a
// slow network or a busy CPU.
import type { FaultName } from './faults.js';
import type { TrialRow } from './store.js';

export const OUTCOME_SCORE: Record<string, number> = { recovered: 1, degraded: 0.5, failed: 0 };
export const FAULT_WEIGHTS: Record<FaultName, number> = { kill_job: 3, disk_fill: 3, drop_net: 2, corrupt_cache: 2, delay_net: 1, cpu_stress: 1 };

export interface GroupReport {
  repo: string;
  target: string;
  fault: string;
  trials: number;
  recovered: number;
  degraded: number;
  failed: number;
  /** Share of trials whose step finally succeeded (recovered or degraded), 0..1. */
  recovery_rate: number;
  mean_retries: number | null;
  /** Mean wall time the fault added (failed attempts and backoffs), where the agent measured it. */
  mean_added_ms: number | null;
  score: number;
  previous_score: number | null;
  /** score − previous_score, in points. */
  trend: number | null;
}

export interface RepoReport {
  repo: string;
  trials: number;
  recovery_rate: number;
  score: number;
  previous_score: number | null;
  trend: number | null;
}

export interface ResilienceReport {
  since: string;
  until: string;
  previous_since: string;
  weights: Record<string, number>;
  outcome_scores: Record<string, number>;
  repos: RepoReport[];
  groups: GroupReport[];
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const weight = (fault: string) => FAULT_WEIGHTS[fault as FaultName] ?? 1;

function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) m.set(key(r), [...(m.get(key(r)) ?? []), r]);
  return m;
}

const scoreOf = (rows: TrialRow[]) => 100 * mean(rows.map((r) => OUTCOME_SCORE[r.outcome] ?? 0))!;

/** Weighted score over a repository's (target, fault) groups. */
function weighted(groups: { fault: string; score: number }[]): number | null {
  const w = groups.reduce((n, g) => n + weight(g.fault), 0);
  return w ? groups.reduce((n, g) => n + weight(g.fault) * g.score, 0) / w : null;
}

/** `rows` span [previousSince, until); those from `since` on are this window, the rest the previous one. */
export function buildReport(rows: TrialRow[], w: { previousSince: Date; since: Date; until: Date }): ResilienceReport {
  const cur = rows.filter((r) => r.started_at >= w.since);
  const prev = rows.filter((r) => r.started_at < w.since);
  const key = (r: TrialRow) => `${r.repo}\u0000${r.target}\u0000${r.fault}`;
  const prevGroups = groupBy(prev, key);
  const curGroups = groupBy(cur, key);
  const repoScore = (gs: Map<string, TrialRow[]>, repo: string) =>
    weighted([...gs.values()].filter((g) => g[0]!.repo === repo).map((g) => ({ fault: g[0]!.fault, score: scoreOf(g) })));
  const groups: GroupReport[] = [...curGroups.values()].map((g) => {
    const f = g[0]!;
    const n = (o: string) => g.filter((r) => r.outcome === o).length;
    const p = prevGroups.get(key(f));
    const score = scoreOf(g);
    const previous = p ? scoreOf(p) : null;
    const retries = mean(g.flatMap((r) => (r.retries === null ? [] : [r.retries])));
    const added = mean(g.flatMap((r) => (r.added_ms === null ? [] : [r.added_ms])));
    return {
      repo: f.repo,
      target: f.target,
      fault: f.fault,
      trials: g.length,
      recovered: n('recovered'),
      degraded: n('degraded'),
      failed: n('failed'),
      recovery_rate: round3((g.length - n('failed')) / g.length),
      mean_retries: retries === null ? null : round1(retries),
      mean_added_ms: added === null ? null : Math.round(added),
      score: round1(score),
      previous_score: previous === null ? null : round1(previous),
      trend: previous === null ? null : round1(score - previous),
    };
  });
  groups.sort((a, b) => a.repo.localeCompare(b.repo) || a.target.localeCompare(b.target) || a.fault.localeCompare(b.fault));
  const repos: RepoReport[] = [...groupBy(cur, (r) => r.repo).entries()].map(([repo, rs]) => {
    const score = repoScore(curGroups, repo);
    const previous = repoScore(prevGroups, repo);
    return {
      repo,
      trials: rs.length,
      recovery_rate: round3(rs.filter((r) => r.outcome !== 'failed').length / rs.length),
      score: round1(score!),
      previous_score: previous === null ? null : round1(previous),
      trend: previous === null ? null : round1(score! - previous),
    };
  });
  repos.sort((a, b) => a.repo.localeCompare(b.repo));
  return {
    since: w.since.toISOString(),
    until: w.until.toISOString(),
    previous_since: w.previousSince.toISOString(),
    weights: { ...FAULT_WEIGHTS },
    outcome_scores: { ...OUTCOME_SCORE },
    repos,
    groups,
  };
}

const pct = (x: number) => `${round1(x * 100)} %`;
const trendWords = (t: number | null) => (t === null ? 'no earlier trials' : t === 0 ? 'unchanged' : `${t > 0 ? '+' : ''}${t} points`);
const secs = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);

/** Markdown for a pull request comment or a job summary. */
export function renderMarkdown(r: ResilienceReport): string {
  const day = (s: string) => s.slice(0, 10);
  const out = [`### Resilience under chaos (${day(r.since)} to ${day(r.until)})`, ''];
  if (!r.groups.length) return `${out.join('\n')}No chaos trials in this window.\n`;
  for (const p of r.repos) out.push(`- **${p.repo}**: score ${p.score} / 100 (${trendWords(p.trend)}), ${p.trials} trials, ${pct(p.recovery_rate)} recovered`);
  out.push(
    '',
    '| repository | target | fault | trials | recovered | mean retries | added time | score | trend |',
    '|---|---|---|---:|---:|---:|---:|---:|---|',
  );
  for (const g of r.groups)
    out.push(
      `| ${g.repo} | ${g.target} | ${g.fault} | ${g.trials} | ${pct(g.recovery_rate)} | ${g.mean_retries ?? '—'} | ${secs(g.mean_added_ms)} | ${g.score} | ${trendWords(g.trend)} |`,
    );
  out.push(
    '',
    `Score: each trial counts 1 when recovered, 0.5 when degraded, 0 when failed; a repository's score weighs faults ${Object.entries(r.weights)
      .map(([f, w]) => `${f} ×${w}`)
      .join(', ')}. Trend: against ${day(r.previous_since)} to ${day(r.since)}.`,
  );
  return `${out.join('\n')}\n`;
}

/** Plain text for a terminal. */
export function renderText(r: ResilienceReport): string {
  if (!r.groups.length) return `no chaos trials from ${r.since} to ${r.until}\n`;
  const lines = r.repos.map((p) => `${p.repo}: score ${p.score}/100 (${trendWords(p.trend)}), ${p.trials} trials, ${pct(p.recovery_rate)} recovered`);
  for (const g of r.groups)
    lines.push(
      `  ${g.target} under ${g.fault}: ${g.trials} trials, ${pct(g.recovery_rate)} recovered, mean retries ${g.mean_retries ?? '—'}, added ${secs(g.mean_added_ms)}, score ${g.score} (${trendWords(g.trend)})`,
    );
  return `${lines.join('\n')}\n`;
}
