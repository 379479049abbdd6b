// DORA over the store: deployment reports folded into deployments (SQL), lead times materialized
// per (repo, environment) from the commit graph (leadtime.ts) and refreshed when their inputs change.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { unnestInsert } from '../../core/db/index.js';
import type { CoreTables } from '../../core/db/schema.js';
import { acrossServices, dailyOutcomes, doraKeysOf, incidents, outcome, type Deployment, type DoraAcross, type DoraKeys, type Incident } from './dora.js';
import { leadTimes, type CommitNode, type LeadTimeSample } from './leadtime.js';
import { bucketOf, formatHist, LEAD_BUCKETS, LEAD_LAST, parseHist, percentileOf } from './sketch.js';
import type { MetricsTables } from './tables.js';

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
    (await db.selectFrom('metrics_lead_state').select(['repo', 'environment', 'signature']).execute()).map((s) => [
      `${s.repo}\u0000${s.environment}`,
      s.signature,
    ]),
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
      await writeGroupRollups(trx, g, all, res.samples);
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

/**
 * The group's rows behind the dashboard: deployments per day by outcome, its incidents, and
 * lead-time histograms per day of deployment.
 */
async function writeGroupRollups(trx: MetricsDb, g: { repo: string; environment: string }, all: Deployment[], samples: LeadTimeSample[]): Promise<void> {
  for (const t of ['metrics_deploy_daily', 'metrics_dora_incidents', 'metrics_lead_daily']) {
    await sql`delete from ${sql.table(t)} where repo = ${g.repo} and environment = ${g.environment}`.execute(trx);
  }
  // Counted by dora.ts `outcome`, the one definition of a successful / failed deployment.
  const daily = dailyOutcomes(all).map((d) => ({ repo: g.repo, environment: g.environment, ...d }));
  if (daily.length) {
    await unnestInsert(
      'metrics_deploy_daily',
      [
        { name: 'repo', type: 'text' },
        { name: 'environment', type: 'text' },
        { name: 'day', type: 'date' },
        { name: 'successful', type: 'int4' },
        { name: 'failed', type: 'int4' },
        { name: 'other', type: 'int4' },
      ],
      daily,
    ).execute(trx);
  }
  const inc = incidents(all).map((x) => ({ ...x, failed_at: new Date(x.failed_at), restored_at: x.restored_at === null ? null : new Date(x.restored_at) }));
  for (let i = 0; i < inc.length; i += 5000) {
    await unnestInsert(
      'metrics_dora_incidents',
      [
        { name: 'repo', type: 'text' },
        { name: 'environment', type: 'text' },
        { name: 'failed_deployment_id', type: 'text' },
        { name: 'failed_at', type: 'timestamptz' },
        { name: 'restored_by', type: 'text' },
        { name: 'restored_at', type: 'timestamptz' },
        { name: 'restore_s', type: 'float8' },
        { name: 'failures', type: 'int4' },
      ],
      inc.slice(i, i + 5000),
    ).execute(trx);
  }
  const days = new Map<string, number[]>();
  for (const s of samples) {
    const day = new Date(s.deployed_at).toISOString().slice(0, 10);
    let counts = days.get(day);
    if (!counts) days.set(day, (counts = new Array<number>(LEAD_BUCKETS).fill(0)));
    counts[bucketOf(s.lead_time_s * 1000, LEAD_LAST)]!++;
  }
  const rows = [...days].map(([day, counts]) => ({
    repo: g.repo,
    environment: g.environment,
    day,
    samples: counts.reduce((a, b) => a + b, 0),
    hist: formatHist(counts),
  }));
  if (rows.length) {
    await unnestInsert(
      'metrics_lead_daily',
      [
        { name: 'repo', type: 'text' },
        { name: 'environment', type: 'text' },
        { name: 'day', type: 'date' },
        { name: 'samples', type: 'int4' },
        { name: 'hist', type: 'text' },
      ],
      rows,
    ).execute(trx);
  }
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

import { and, environmentsOf, isoDay, repoAccess, windowOf, type Filters } from './filters.js';
import { DORA_TARGETS, type MetricsConfig } from './config.js';

export interface DoraGroup extends DoraKeys {
  repo: string;
  environment: string;
  unlinked_deployments: number;
}

export interface DoraReport {
  window: { since: string; until: string; days: number };
  environments: string[] | null;
  definitions: { bands: MetricsConfig['dora']; targets: typeof DORA_TARGETS; percentiles: string };
  total: DoraKeys;
  /** Each key over the services (repository × environment): the median service's band and the spread. */
  across: Record<keyof DoraKeys['bands'], DoraAcross>;
  groups: DoraGroup[];
  weekly: Array<{ week: string; deployments: number; failed: number; change_failure_rate: number | null; lead_time_median_s: number | null }>;
  incidents: Array<Omit<Incident, 'failed_at' | 'restored_at'> & { failed_at: string; restored_at: string | null }>;
  deployments: Array<{
    repo: string;
    environment: string;
    deployment_id: string;
    commit_sha: string | null;
    finished_at: string;
    outcome: string;
    steps: number;
  }>;
}

export const DORA_PERCENTILES =
  'lead time: approximate nearest-rank median from daily quarter-octave histograms (within ±9.05 %, or 0.5 s under 1 s); time to restore: exact nearest-rank median';

/** The ISO week (its Monday, YYYY-MM-DD) of a YYYY-MM-DD day. */
function weekOf(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  return new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86_400_000).toISOString().slice(0, 10);
}

interface Tally {
  successful: number;
  failed: number;
  other: number;
  lead: number[];
}

/**
 * The four keys for the filters: in total, per (repo, environment), per week, with incidents and the
 * latest deployments — from the daily rollups and incidents that `refreshLeadTimes` keeps, so the
 * cost follows the number of days and groups, not of deployments or commits.
 */
export async function doraReport(db: MetricsDb, f: Filters, now: Date, cfg: MetricsConfig): Promise<DoraReport> {
  const w = windowOf(f, now);
  const envs = environmentsOf(f.environment ?? 'production', cfg.productionEnvironments);
  const parts: RawBuilder<boolean>[] = [repoAccess('d.repo', f.repoRegexes)];
  if (f.repo) parts.push(sql<boolean>`d.repo = ${f.repo.toLowerCase()}`);
  if (envs) parts.push(sql<boolean>`d.environment in (${sql.join(envs)})`);
  const days = and([...parts, sql<boolean>`d.day >= ${isoDay(w.since)}::date`, sql<boolean>`d.day <= ${isoDay(w.until)}::date`]);
  const failedIn = and([...parts, sql<boolean>`d.failed_at >= ${w.since}`, sql<boolean>`d.failed_at < ${w.until}`]);
  const restored = sql<boolean>`d.restored_at is not null and d.restored_at < ${w.until}`;
  const [deployRows, leadRows, restoreRows, incidentRows, latestRows, state] = await Promise.all([
    sql<{ repo: string; environment: string; day: string; successful: number; failed: number; other: number }>`
      select d.repo, d.environment, to_char(d.day, 'YYYY-MM-DD') as day, d.successful, d.failed, d.other
      from metrics_deploy_daily d where ${days}`.execute(db),
    sql<{ repo: string; environment: string; day: string; hist: string }>`
      select d.repo, d.environment, to_char(d.day, 'YYYY-MM-DD') as day, d.hist from metrics_lead_daily d where ${days}`.execute(db),
    // grouping(): 0 = per (repo, environment), 3 = total.
    sql<{ repo: string | null; environment: string | null; g: number; m: number | null; restored: number; open: number }>`
      select d.repo, d.environment, grouping(d.repo, d.environment)::int as g,
        percentile_disc(0.5) within group (order by d.restore_s) filter (where ${restored}) as m,
        count(*) filter (where ${restored})::int as restored, count(*) filter (where not (${restored}))::int as open
      from metrics_dora_incidents d where ${failedIn}
      group by grouping sets ((d.repo, d.environment), ())`.execute(db),
    db
      .selectFrom('metrics_dora_incidents as d')
      .selectAll()
      .where(failedIn)
      .orderBy('d.failed_at', 'desc')
      .orderBy('d.repo', 'desc')
      .orderBy('d.environment', 'desc')
      .limit(50)
      .execute(),
    db
      .selectFrom('metrics_deployments as d')
      .selectAll()
      .where(and([...parts, sql<boolean>`d.finished_at >= ${w.since}`, sql<boolean>`d.finished_at < ${w.until}`]))
      .orderBy('d.finished_at', 'desc')
      .orderBy('d.deployment_id', 'desc')
      .limit(50)
      .execute(),
    db.selectFrom('metrics_lead_state as d').select(['d.repo', 'd.environment', 'd.unlinked']).where(and(parts)).execute(),
  ]);

  const tally = () => ({ successful: 0, failed: 0, other: 0, lead: new Array<number>(LEAD_BUCKETS).fill(0) });
  const groups = new Map<string, Tally & { repo: string; environment: string }>();
  const groupOf = (repo: string, environment: string) => {
    const k = `${repo}\u0000${environment}`;
    let t = groups.get(k);
    if (!t) groups.set(k, (t = { repo, environment, ...tally() }));
    return t;
  };
  const total = tally();
  const weeks = new Map<string, Tally>();
  const weekTally = (day: string) => {
    const k = weekOf(day);
    let t = weeks.get(k);
    if (!t) weeks.set(k, (t = tally()));
    return t;
  };
  for (const r of deployRows.rows) {
    // A week appears in the trend when something shipped or failed in it (canceled ones alone do not).
    const targets = [groupOf(r.repo, r.environment), total, ...(r.successful + r.failed > 0 ? [weekTally(r.day)] : [])];
    for (const t of targets) {
      t.successful += r.successful;
      t.failed += r.failed;
      t.other += r.other;
    }
  }
  for (const r of leadRows.rows) {
    const counts = parseHist(r.hist, LEAD_BUCKETS);
    for (const t of [groupOf(r.repo, r.environment), total, weekTally(r.day)]) for (let i = 0; i < LEAD_BUCKETS; i++) t.lead[i]! += counts[i]!;
  }
  const restoreOf = new Map(restoreRows.rows.map((r) => [r.g === 3 ? '' : `${r.repo}\u0000${r.environment}`, r]));
  for (const r of restoreRows.rows) if (r.g === 0) groupOf(r.repo!, r.environment!);
  const keys = (t: Tally, k: string) => {
    const samples = t.lead.reduce((a, b) => a + b, 0);
    const median = percentileOf(t.lead, 0.5);
    const r = restoreOf.get(k);
    return doraKeysOf(
      {
        successful: t.successful,
        failed: t.failed,
        other: t.other,
        window_days: w.days,
        lead: { median_s: median === null ? null : median / 1000, samples },
        restore: { median_s: r?.m === null || r?.m === undefined ? null : Number(r.m), restored: r?.restored ?? 0, open: r?.open ?? 0 },
      },
      cfg.dora,
    );
  };
  const unlinked = new Map(state.map((s) => [`${s.repo}\u0000${s.environment}`, s.unlinked]));
  const groupList: DoraGroup[] = [...groups.entries()]
    .map(([k, t]) => ({ repo: t.repo, environment: t.environment, ...keys(t, k), unlinked_deployments: unlinked.get(k) ?? 0 }))
    .filter((g) => g.deployments + g.other > 0 || g.incidents_open > 0)
    .sort((a, b) => (a.repo < b.repo ? -1 : a.repo > b.repo ? 1 : a.environment < b.environment ? -1 : 1));
  const weekly = [...weeks.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([week, t]) => {
      const deployments = t.successful + t.failed;
      const m = percentileOf(t.lead, 0.5);
      return {
        week,
        deployments,
        failed: t.failed,
        change_failure_rate: deployments ? t.failed / deployments : null,
        lead_time_median_s: m === null ? null : m / 1000,
      };
    });
  const iso = (t: Date | string | null) => (t === null ? null : new Date(t).toISOString());
  return {
    window: { since: w.since.toISOString(), until: w.until.toISOString(), days: w.days },
    environments: envs,
    definitions: { bands: cfg.dora, targets: DORA_TARGETS, percentiles: DORA_PERCENTILES },
    total: keys(total, ''),
    across: acrossServices(groupList),
    groups: groupList,
    weekly,
    incidents: incidentRows.map((i) => {
      // Restored after the window's end is still open as of the window.
      const restoredIn = i.restored_at !== null && new Date(i.restored_at) < w.until;
      return {
        repo: i.repo,
        environment: i.environment,
        failed_deployment_id: i.failed_deployment_id,
        failed_at: iso(i.failed_at)!,
        restored_by: restoredIn ? i.restored_by : null,
        restored_at: restoredIn ? iso(i.restored_at) : null,
        restore_s: restoredIn ? Number(i.restore_s) : null,
        failures: i.failures,
      };
    }),
    deployments: latestRows.map((d) => ({
      repo: d.repo,
      environment: d.environment,
      deployment_id: d.deployment_id,
      commit_sha: d.commit_sha,
      finished_at: iso(d.finished_at)!,
      outcome: outcome(d),
      steps: d.steps,
    })),
  };
}
