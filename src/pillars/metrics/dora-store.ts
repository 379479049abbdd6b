// DORA over the store: deployment reports folded into deployments (SQL), lead times materialized
// per (repo, environment) from the commit graph (leadtime.ts) and refreshed when their inputs change.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { unnestInsert } from '../../core/db/index.js';
import type { CoreTables } from '../../core/db/schema.js';
import type { Deployment } from './dora.js';
import { leadTimes, type CommitNode } from './leadtime.js';
import type { MetricsTables } from './schema.js';

export type MetricsDb = Kysely<CoreTables & MetricsTables>;

/**
 * Deployment reports → deployments. The final report is the latest by finish time, then rollout
 * step, then key; a deployment failed if its final status is failed or any report rolled back.
 */
export function foldedDeployments(where: RawBuilder<boolean>): RawBuilder<DeploymentRow> {
  return sql<DeploymentRow>`
    select repo, environment, deployment_id,
      min(coalesce(started_at, finished_at)) as started_at,
      max(coalesce(finished_at, started_at)) as finished_at,
      (array_agg(status order by coalesce(finished_at, started_at) desc, rollout_step desc nulls last, event_key desc))[1] as final_status,
      bool_or(rollback_reason is not null) as rolled_back,
      (array_agg(commit_sha order by coalesce(finished_at, started_at) desc, rollout_step desc nulls last, event_key desc) filter (where commit_sha is not null))[1] as commit_sha,
      count(*)::int as steps
    from deployments d
    where coalesce(finished_at, started_at) is not null and ${where}
    group by repo, environment, deployment_id`;
}

export interface DeploymentRow {
  repo: string;
  environment: string;
  deployment_id: string;
  started_at: Date;
  finished_at: Date;
  final_status: string;
  rolled_back: boolean;
  commit_sha: string | null;
  steps: number;
}

export function toDeployment(r: DeploymentRow): Deployment {
  return {
    repo: r.repo,
    environment: r.environment,
    deployment_id: r.deployment_id,
    commit_sha: r.commit_sha,
    started_at: new Date(r.started_at).getTime(),
    finished_at: new Date(r.finished_at).getTime(),
    final_status: r.final_status,
    rolled_back: Boolean(r.rolled_back),
    steps: Number(r.steps),
  };
}

export async function loadDeployments(db: MetricsDb, where: RawBuilder<boolean>): Promise<Deployment[]> {
  const rows = (await foldedDeployments(where).execute(db)).rows;
  return rows.map(toDeployment);
}

interface GroupSig {
  repo: string;
  environment: string;
  sig: string;
}

/** What each group's lead times depend on: its deployments' reports and the repo's commits. */
async function signatures(db: MetricsDb): Promise<GroupSig[]> {
  const deps = (
    await sql<{ repo: string; environment: string; n: number; h: string; last: Date | null }>`
      select repo, environment, count(*)::int as n,
        sum(hashtext(event_key || '|' || status || '|' || coalesce(commit_sha, '') || '|' || coalesce(rollback_reason, '')))::text as h,
        max(coalesce(finished_at, started_at)) as last
      from deployments group by repo, environment order by repo, environment`.execute(db)
  ).rows;
  const commits = new Map(
    (
      await sql<{ repo: string; n: number; h: string }>`
        select repo, count(*)::int as n, sum(hashtext(sha || array_to_string(parents, ',')))::text as h from commits group by repo`.execute(db)
    ).rows.map((r) => [r.repo, `${r.n}:${r.h}`]),
  );
  return deps.map((d) => ({
    repo: d.repo,
    environment: d.environment,
    sig: `${d.n}:${d.h}:${d.last ? new Date(d.last).toISOString() : ''}|${commits.get(d.repo) ?? '0'}`,
  }));
}

/**
 * Recomputes the lead times of every (repo, environment) whose deployments or commits changed
 * since the last computation. Returns the groups recomputed.
 */
export async function refreshLeadTimes(db: MetricsDb, now: Date): Promise<number> {
  const sigs = await signatures(db);
  const state = new Map(
    (await db.selectFrom('metrics_lead_state').select(['repo', 'environment', 'signature']).execute()).map((s) => [`${s.repo}\u0000${s.environment}`, s.signature]),
  );
  const stale = sigs.filter((s) => state.get(`${s.repo}\u0000${s.environment}`) !== s.sig);
  const graphs = new Map<string, Map<string, CommitNode>>();
  for (const g of stale) {
    let graph = graphs.get(g.repo);
    if (!graph) {
      graph = await loadGraph(db, g.repo);
      graphs.clear(); // one repo's graph at a time in memory (groups come sorted by repo below)
      graphs.set(g.repo, graph);
    }
    const groupWhere = sql<boolean>`d.repo = ${g.repo} and d.environment = ${g.environment}`;
    const all = await loadDeployments(db, groupWhere);
    const deps = all
      .filter((d) => d.final_status === 'success' && !d.rolled_back)
      .map((d) => ({ deployment_id: d.deployment_id, commit_sha: d.commit_sha, deployed_at: d.finished_at }));
    const res = leadTimes(deps, graph);
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('metrics_deployments').where('repo', '=', g.repo).where('environment', '=', g.environment).execute();
      await sql`insert into metrics_deployments (repo, environment, deployment_id, started_at, finished_at, final_status, rolled_back, commit_sha, steps)
        ${foldedDeployments(groupWhere)}`.execute(trx);
      await trx.deleteFrom('metrics_lead_times').where('repo', '=', g.repo).where('environment', '=', g.environment).execute();
      for (let i = 0; i < res.samples.length; i += 5000) {
        const rows = res.samples.slice(i, i + 5000).map((s) => ({
          repo: g.repo,
          environment: g.environment,
          commit_sha: s.commit_sha,
          deployment_id: s.deployment_id,
          committed_at: new Date(s.committed_at),
          deployed_at: new Date(s.deployed_at),
          lead_time_s: s.lead_time_s,
        }));
        await unnestInsert(
          'metrics_lead_times',
          [
            { name: 'repo', type: 'text' },
            { name: 'environment', type: 'text' },
            { name: 'commit_sha', type: 'text' },
            { name: 'deployment_id', type: 'text' },
            { name: 'committed_at', type: 'timestamptz' },
            { name: 'deployed_at', type: 'timestamptz' },
            { name: 'lead_time_s', type: 'float8' },
          ],
          rows,
        ).execute(trx);
      }
      await trx
        .insertInto('metrics_lead_state')
        .values({
          repo: g.repo,
          environment: g.environment,
          signature: g.sig,
          baseline_deployment: res.baseline,
          unlinked: res.unlinked.length,
          untimed: res.untimed,
          computed_at: now,
        })
        .onConflict((oc) =>
          oc.columns(['repo', 'environment']).doUpdateSet({
            signature: g.sig,
            baseline_deployment: res.baseline,
            unlinked: res.unlinked.length,
            untimed: res.untimed,
            computed_at: now,
          }),
        )
        .execute();
    });
  }
  return stale.length;
}

async function loadGraph(db: MetricsDb, repo: string): Promise<Map<string, CommitNode>> {
  // Commits known only from push payloads (source `*-push`) have no parents recorded (D-sources-2):
  // walking them would attribute what lies behind them to a later deployment. They are left out of
  // the graph (a deployment of one is unlinked) until `git log` data replaces them.
  const rows = await db
    .selectFrom('commits')
    .select(['sha', 'parents', 'committed_at', 'authored_at'])
    .where('repo', '=', repo)
    .where('source', 'not like', '%-push')
    .execute();
  const g = new Map<string, CommitNode>();
  for (const r of rows) {
    const t = r.committed_at ?? r.authored_at;
    g.set(r.sha, { parents: r.parents ?? [], at: t ? new Date(t).getTime() : null });
  }
  return g;
}

// ---- the DORA report behind the dashboard and the API ----

import { and, environmentsOf, repoAccess, windowOf, type Filters } from './filters.js';
import { doraKeys, incidents, outcome, type DoraKeys, type Incident } from './dora.js';
import { SEED_004_TARGETS, type MetricsConfig } from './config.js';

/** Deployments are looked back this far before the window to tell whether its first failure continues an incident. */
const LOOKBACK_MS = 90 * 86_400_000;

export interface DoraGroup extends DoraKeys {
  repo: string;
  environment: string;
  unlinked_deployments: number;
}

export interface DoraReport {
  window: { since: string; until: string; days: number };
  environments: string[] | null;
  definitions: { bands: MetricsConfig['dora']; seed004: typeof SEED_004_TARGETS; percentiles: string };
  total: DoraKeys;
  groups: DoraGroup[];
  weekly: Array<{ week: string; deployments: number; failed: number; change_failure_rate: number | null; lead_time_median_s: number | null }>;
  incidents: Array<Omit<Incident, 'failed_at' | 'restored_at'> & { failed_at: string; restored_at: string | null }>;
  deployments: Array<{ repo: string; environment: string; deployment_id: string; commit_sha: string | null; finished_at: string; outcome: string; steps: number }>;
}

/** The four keys for the filters: in total, per (repo, environment), per week, with incidents and the latest deployments. */
export async function doraReport(db: MetricsDb, f: Filters, now: Date, cfg: MetricsConfig): Promise<DoraReport> {
  const w = windowOf(f, now);
  const envs = environmentsOf(f.environment ?? 'production', cfg.productionEnvironments);
  const parts: RawBuilder<boolean>[] = [repoAccess('d.repo', f.repoRegexes)];
  if (f.repo) parts.push(sql<boolean>`d.repo = ${f.repo.toLowerCase()}`);
  if (envs) parts.push(sql<boolean>`d.environment in (${sql.join(envs)})`);
  const lookback = new Date(w.since.getTime() - LOOKBACK_MS);
  const rows = await db
    .selectFrom('metrics_deployments as d')
    .selectAll()
    .where(and([...parts, sql<boolean>`d.finished_at >= ${lookback}`, sql<boolean>`d.finished_at < ${w.until}`]))
    .orderBy('d.finished_at')
    .orderBy('d.deployment_id')
    .execute();
  const deps: Deployment[] = rows.map((r) => ({ ...r, started_at: new Date(r.started_at).getTime(), finished_at: new Date(r.finished_at).getTime() }));
  const leadParts = [...parts.map((p) => p), sql<boolean>`d.deployed_at >= ${w.since}`, sql<boolean>`d.deployed_at < ${w.until}`];
  // One scan for the three medians (per group, overall, per ISO week): grouping sets instead of
  // three queries (PGlite runs them one after the other; 476 -> 244 ms on 101k lead times).
  const [leadRows, state] = await Promise.all([
    sql<{ repo: string | null; environment: string | null; week: string | null; g: number; m: number | null; n: number }>`
      select d.repo, d.environment, l.week, grouping(d.repo, d.environment, l.week)::int as g,
        percentile_disc(0.5) within group (order by d.lead_time_s) as m, count(*)::int as n
      from metrics_lead_times d cross join lateral (select to_char(date_trunc('week', d.deployed_at at time zone 'UTC'), 'YYYY-MM-DD') as week) l
      where ${and(leadParts)}
      group by grouping sets ((d.repo, d.environment), (), (l.week))`.execute(db),
    db.selectFrom('metrics_lead_state as d').select(['d.repo', 'd.environment', 'd.unlinked']).where(and(parts)).execute(),
  ]);
  // grouping(): a bit per column left out of the set — 1 = (repo, environment), 7 = total, 6 = week.
  const leadOf = (g: number) => leadRows.rows.filter((r) => r.g === g);
  const win = { since: w.since.getTime(), until: w.until.getTime() };
  const lead = (m: { m: number | null; n: number } | undefined) => ({ median_s: m?.m === null || m?.m === undefined ? null : Number(m.m), samples: m?.n ?? 0 });
  const byGroup = new Map<string, Deployment[]>();
  for (const d of deps) {
    const k = `${d.repo}\u0000${d.environment}`;
    const list = byGroup.get(k);
    if (list) list.push(d);
    else byGroup.set(k, [d]);
  }
  const lg = new Map(leadOf(1).map((r) => [`${r.repo}\u0000${r.environment}`, r]));
  const unlinked = new Map(state.map((s) => [`${s.repo}\u0000${s.environment}`, s.unlinked]));
  const groups: DoraGroup[] = [...byGroup.entries()]
    .map(([k, ds]) => ({ repo: ds[0]!.repo, environment: ds[0]!.environment, ...doraKeys(ds, lead(lg.get(k)), win, cfg.dora), unlinked_deployments: unlinked.get(k) ?? 0 }))
    .filter((g) => g.deployments + g.other > 0 || g.incidents_open > 0)
    .sort((a, b) => (a.repo < b.repo ? -1 : a.repo > b.repo ? 1 : a.environment < b.environment ? -1 : 1));
  const total = doraKeys(deps, lead(leadOf(7)[0]), win, cfg.dora);
  // Weekly trend (ISO weeks, Monday): deployments and failure rate by finish time.
  const weekOf = (t: number) => {
    const d = new Date(t);
    const day = (d.getUTCDay() + 6) % 7;
    return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day)).toISOString().slice(0, 10);
  };
  const weeks = new Map<string, { deployments: number; failed: number }>();
  for (const d of deps) {
    if (d.finished_at < win.since) continue;
    const o = outcome(d);
    if (o === 'other') continue;
    const k = weekOf(d.finished_at);
    const e = weeks.get(k) ?? { deployments: 0, failed: 0 };
    e.deployments++;
    if (o === 'failed') e.failed++;
    weeks.set(k, e);
  }
  const lw = new Map(leadOf(6).map((r) => [r.week!, r.m === null ? null : Number(r.m)]));
  const weekly = [...new Set([...weeks.keys(), ...lw.keys()])].sort().map((week) => {
    const e = weeks.get(week) ?? { deployments: 0, failed: 0 };
    return { week, ...e, change_failure_rate: e.deployments ? e.failed / e.deployments : null, lead_time_median_s: lw.get(week) ?? null };
  });
  const inc = incidents(deps)
    .filter((i) => i.failed_at >= win.since)
    .reverse()
    .slice(0, 50)
    .map((i) => ({ ...i, failed_at: new Date(i.failed_at).toISOString(), restored_at: i.restored_at === null ? null : new Date(i.restored_at).toISOString() }));
  const latest = deps
    .filter((d) => d.finished_at >= win.since)
    .slice(-50)
    .reverse()
    .map((d) => ({ repo: d.repo, environment: d.environment, deployment_id: d.deployment_id, commit_sha: d.commit_sha, finished_at: new Date(d.finished_at).toISOString(), outcome: outcome(d), steps: d.steps }));
  return {
    window: { since: w.since.toISOString(), until: w.until.toISOString(), days: w.days },
    environments: envs,
    definitions: {
      bands: cfg.dora,
      seed004: SEED_004_TARGETS,
      percentiles: 'lead time and time to restore: exact nearest-rank medians',
    },
    total,
    groups,
    weekly,
    incidents: inc,
    deployments: latest,
  };
}
