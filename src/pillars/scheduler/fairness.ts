// Fairness per team (seed 000 "publish fairness metrics per team"): each team's share of the queue
// time next to its share of the runs. Served by the API and the dashboard, published on /metrics.
import { repoMatch, sql } from '../../core/db/index.js';
import type { HubContext } from '../../core/registry.js';
import { compileRepoPattern } from '../../core/tokens.js';
import { sdb } from './tables.js';

/** Queue-time share per team (teams of the config and of the admin API; a repository in no team counts under its owner). */
export async function fairness(ctx: HubContext, q: { since: Date; repoRegexes: string[] | null }) {
  const db = sdb(ctx);
  const filter = q.repoRegexes ? sql`and ${repoMatch(q.repoRegexes)}` : sql``;
  const rows = (
    await sql<{ repo: string; runs: number; queue_ms: number; run_ms: number }>`
    select repo, count(*)::int as runs, coalesce(sum(queue_ms), 0)::float8 as queue_ms, coalesce(sum(duration_ms), 0)::float8 as run_ms
    from runs where started_at >= ${q.since} ${filter} group by repo order by repo`.execute(db)
  ).rows;
  const stored = await sql<{ name: string; repo_patterns: string[] }>`select name, repo_patterns from teams order by name`.execute(db);
  const configured = (ctx.config.auth?.teams ?? []).map((t) => ({ name: t.name, repo_patterns: t.repos }));
  const teams = [...configured, ...stored.rows.filter((s) => !configured.some((c) => c.name === s.name))].map((t) => ({
    name: t.name,
    match: t.repo_patterns.map((p) => compileRepoPattern(p)),
  }));
  const acc = new Map<string, { runs: number; queue_ms: number; run_ms: number; repos: number }>();
  for (const r of rows) {
    const owners = teams.filter((t) => t.match.some((m) => m(r.repo))).map((t) => t.name);
    for (const team of owners.length ? owners : [`${r.repo.split('/')[0]}/*`]) {
      const a = acc.get(team) ?? { runs: 0, queue_ms: 0, run_ms: 0, repos: 0 };
      a.runs += r.runs;
      a.queue_ms += Number(r.queue_ms);
      a.run_ms += Number(r.run_ms);
      a.repos++;
      acc.set(team, a);
    }
  }
  const totalQ = [...acc.values()].reduce((s, a) => s + a.queue_ms, 0);
  const totalR = [...acc.values()].reduce((s, a) => s + a.runs, 0);
  return [...acc.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([team, a]) => {
      const queueShare = totalQ ? a.queue_ms / totalQ : null;
      const runShare = totalR ? a.runs / totalR : null;
      return {
        team,
        repos: a.repos,
        runs: a.runs,
        queue_ms: a.queue_ms,
        mean_queue_ms: a.runs ? a.queue_ms / a.runs : null,
        queue_share_pct: queueShare === null ? null : queueShare * 100,
        run_share_pct: runShare === null ? null : runShare * 100,
        // 1 = the team waits its share; above 1 it waits more than its share of the runs
        fairness_ratio: queueShare !== null && runShare ? queueShare / runShare : null,
      };
    });
}
