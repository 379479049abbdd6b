// The facts of a change's trace, read from the store: which production deployment shipped the
// commit and its DORA lead time (the metrics pillar's materialized `metrics_lead_times` and
// `metrics_deployments`: exact ancestry, computed once there, never again here), the commit and its
// merge commit (core's `commits`), its pull request (the sources pillar's `sources_pull_requests`,
// else the number its runs carry), and the runs that built and shipped it with their cost (core).
// Cross-pillar data flows through tables only; a table that is not there means no such fact.
import { sql } from 'kysely';
import { tableExists } from '../../core/db/index.js';
import type { Config } from '../../core/config.js';
import type { ChangeFacts, ChangeRun } from './change.js';
import type { TracesDb } from './tables.js';

/**
 * The environments that count as production: the metrics pillar's `productionEnvironments` (read
 * from the configuration, one list for DORA and for change traces), else its default.
 */
export function productionEnvironments(config: Pick<Config, 'pillars'>): string[] {
  const list = (config.pillars?.metrics as { productionEnvironments?: unknown } | undefined)?.productionEnvironments;
  return Array.isArray(list) && list.length ? list.map((e) => String(e).toLowerCase()) : ['prod', 'production'];
}

const ms = (t: Date | string | null | undefined): number | null => (t === null || t === undefined ? null : new Date(t).getTime());

/** Whether the lead times the change traces are made from are there (the metrics pillar is installed). */
export const hasLeadTimes = (db: TracesDb): Promise<boolean> => tableExists(db, 'metrics_lead_times');

interface LeadRow {
  repo: string;
  commit_sha: string;
  environment: string;
  deployment_id: string;
  committed_at: Date;
  deployed_at: Date;
  lead_time_s: number;
}

/** A change's first production deployment, or null (not deployed to production yet, or unknown). */
async function leadRow(db: TracesDb, repo: string, sha: string, envs: string[]): Promise<LeadRow | null> {
  const r = await sql<LeadRow>`select repo, commit_sha, environment, deployment_id, committed_at, deployed_at, lead_time_s
            from metrics_lead_times where repo = ${repo} and commit_sha = ${sha} and environment = any(${envs}::text[])
            order by deployed_at, environment limit 1`.execute(db);
  return r.rows[0] ?? null;
}

interface RunRow {
  run_id: string;
  workflow: string;
  status: string;
  commit_sha: string | null;
  started_at: Date;
  ended_at: Date | null;
  usd: number | null;
  co2e_g: number | null;
}

const runCols = sql`r.run_id::text as run_id, r.workflow, r.status, r.commit_sha, r.started_at, r.ended_at, c.usd, c.carbon_g_co2e as co2e_g`;

// Deployment runs (of any environment) ship the change; they are not its builds.
const notADeployRun = sql`not exists (select 1 from deployments d where d.run_id = r.run_id)`;

const toRun = (r: RunRow, role: ChangeRun['role']): ChangeRun => ({
  run_id: r.run_id,
  role,
  workflow: r.workflow,
  status: r.status,
  commit_sha: r.commit_sha,
  started_at: ms(r.started_at)!,
  ended_at: ms(r.ended_at),
  usd: r.usd === null ? null : Number(r.usd),
  co2e_g: r.co2e_g === null ? null : Number(r.co2e_g),
});

/** The facts of one change (repo and sha normalised: lower case), or null when it reached no production deployment. */
export async function loadChangeFacts(db: TracesDb, repo: string, sha: string, envs: string[]): Promise<ChangeFacts | null> {
  if (!(await hasLeadTimes(db))) return null;
  const lead = await leadRow(db, repo, sha, envs);
  if (!lead) return null;
  const deployedAt = ms(lead.deployed_at)!;
  const [commit, merge, dep, deployRunIds, hasPrs] = await Promise.all([
    sql<{ authored_at: Date | null }>`select authored_at from commits where repo = ${repo} and sha = ${sha}`.execute(db),
    // The merge commit that brought the change in: a commit with it as a non-first parent.
    sql<{ sha: string; committed_at: Date | null }>`select sha, committed_at from commits
        where repo = ${repo} and ${sha} = any(parents) and parents[1] <> ${sha} order by committed_at nulls last, sha limit 1`.execute(db),
    sql<{ started_at: Date; commit_sha: string | null }>`select started_at, commit_sha from metrics_deployments
        where repo = ${repo} and environment = ${lead.environment} and deployment_id = ${lead.deployment_id}`.execute(db),
    sql<{ run_id: string }>`select distinct run_id::text as run_id from deployments
        where repo = ${repo} and environment = ${lead.environment} and deployment_id = ${lead.deployment_id} and run_id is not null`.execute(db),
    tableExists(db, 'sources_pull_requests'),
  ]);
  const deployStart = ms(dep.rows[0]?.started_at);
  const deployedSha = dep.rows[0]?.commit_sha ?? null;
  const deployIds = deployRunIds.rows.map((r) => r.run_id);
  const [own, build, deployRuns, pr] = await Promise.all([
    sql<RunRow>`select ${runCols} from runs r left join costs c on c.run_id = r.run_id
        where r.repo = ${repo} and r.commit_sha = ${sha} and r.started_at <= ${lead.deployed_at} and ${notADeployRun}
        order by r.started_at, r.run_id`.execute(db),
    // The green build of the deployed commit that ended last before the deployment started.
    sql<RunRow>`select ${runCols} from runs r left join costs c on c.run_id = r.run_id
        where r.repo = ${repo} and r.commit_sha = ${deployedSha ?? sha} and r.status = 'success' and r.ended_at <= ${new Date(deployStart ?? deployedAt)}
          and ${notADeployRun}
        order by r.ended_at desc, r.run_id limit 1`.execute(db),
    sql<RunRow>`select ${runCols} from runs r left join costs c on c.run_id = r.run_id
        where r.run_id = any(${deployIds}::uuid[]) order by r.started_at, r.run_id`.execute(db),
    hasPrs
      ? sql<{ number: number; created_at: Date | null; merged_at: Date | null }>`select number, created_at, merged_at from sources_pull_requests
          where repo = ${repo} and (head_sha = ${sha} or merge_commit_sha = ${sha}) order by merged_at nulls last, number limit 1`.execute(db)
      : Promise.resolve({ rows: [] }),
  ]);
  const buildRun = build.rows[0] ?? null;
  const runs: ChangeRun[] = [
    ...own.rows.filter((r) => r.run_id !== buildRun?.run_id).map((r) => toRun(r, 'change')),
    ...(buildRun ? [toRun(buildRun, 'build')] : []),
    ...deployRuns.rows.map((r) => toRun(r, 'deploy')),
  ];
  const prRow = pr.rows[0];
  const prNumber = prRow?.number ?? null;
  // Without the sources pillar's pull requests, the number the change's own runs carry.
  const runPr = prRow
    ? null
    : ((await sql<{ pr: number }>`select pr from runs where repo = ${repo} and commit_sha = ${sha} and pr is not null order by started_at limit 1`.execute(db))
        .rows[0]?.pr ?? null);
  return {
    repo,
    sha,
    environment: lead.environment,
    deployment_id: lead.deployment_id,
    deployed_sha: deployedSha,
    authored_at: ms(commit.rows[0]?.authored_at),
    committed_at: ms(lead.committed_at)!,
    pr: prRow
      ? { number: Number(prNumber), created_at: ms(prRow.created_at), merged_at: ms(prRow.merged_at) }
      : runPr !== null
        ? { number: Number(runPr), created_at: null, merged_at: null }
        : null,
    merge_commit: merge.rows[0] ? { sha: merge.rows[0].sha, committed_at: ms(merge.rows[0].committed_at) } : null,
    deploy_started_at: deployStart,
    deployed_at: deployedAt,
    lead_time_s: Number(lead.lead_time_s),
    runs,
  };
}

export interface ChangeRef {
  repo: string;
  sha: string;
  environment: string;
  deployment_id: string;
  deployed_at: Date;
  lead_time_s: number;
}

/** The latest changes deployed to production (of the caller's repositories: `repoRes` as PostgreSQL regexes, null = all). */
export async function latestChanges(db: TracesDb, envs: string[], repoRes: string[] | null, limit: number, repo?: string): Promise<ChangeRef[]> {
  if (!(await hasLeadTimes(db))) return [];
  const r = await sql<{ repo: string; sha: string; environment: string; deployment_id: string; deployed_at: Date; lead_time_s: number }>`
    select repo, commit_sha as sha, environment, deployment_id, deployed_at, lead_time_s from metrics_lead_times
    where environment = any(${envs}::text[]) and (${repo ?? null}::text is null or repo = ${repo ?? null})
      and (${repoRes === null} or repo ~ any(${repoRes ?? []}::text[]))
    order by deployed_at desc, repo, commit_sha limit ${limit}`.execute(db);
  return r.rows.map((x) => ({ ...x, lead_time_s: Number(x.lead_time_s) }));
}

/** Production changes not yet sent (or sent for another deployment), oldest first. */
export async function changesToExport(db: TracesDb, envs: string[], limit: number): Promise<{ repo: string; sha: string; deployment_id: string }[]> {
  if (!(await hasLeadTimes(db))) return [];
  const r = await sql<{ repo: string; sha: string; deployment_id: string }>`
    select l.repo, l.commit_sha as sha, l.deployment_id from metrics_lead_times l
    left join traces_changes_exported e on e.repo = l.repo and e.commit_sha = l.commit_sha
    where l.environment = any(${envs}::text[]) and (e.repo is null or e.deployment_id <> l.deployment_id)
      and not exists (select 1 from metrics_lead_times o where o.repo = l.repo and o.commit_sha = l.commit_sha
                        and o.environment = any(${envs}::text[]) and (o.deployed_at, o.environment) < (l.deployed_at, l.environment))
    order by l.deployed_at, l.repo, l.commit_sha limit ${limit}`.execute(db);
  return r.rows;
}

export async function markChangesExported(
  db: TracesDb,
  sent: { repo: string; sha: string; deployment_id: string; traceId: string; hash: string; spans: number }[],
  now: Date,
): Promise<void> {
  if (!sent.length) return;
  await sql`insert into traces_changes_exported (repo, commit_sha, deployment_id, trace_id, content_hash, spans, exported_at)
            select t.repo, t.sha, t.dep, t.tid, t.h, t.n, ${now}::timestamptz
            from unnest(${sent.map((s) => s.repo)}::text[], ${sent.map((s) => s.sha)}::text[], ${sent.map((s) => s.deployment_id)}::text[],
                        ${sent.map((s) => s.traceId)}::text[], ${sent.map((s) => s.hash)}::text[], ${sent.map((s) => s.spans)}::int4[]) as t(repo, sha, dep, tid, h, n)
            on conflict (repo, commit_sha) do update set deployment_id = excluded.deployment_id, trace_id = excluded.trace_id,
              content_hash = excluded.content_hash, spans = excluded.spans, exported_at = excluded.exported_at`.execute(db);
}

/** Forgets which changes were sent (`traces export --force`): the next passes send them all again. */
export async function forgetExportedChanges(db: TracesDb): Promise<void> {
  await sql`delete from traces_changes_exported`.execute(db);
}

export async function changeExportedAt(db: TracesDb, repo: string, sha: string): Promise<{ exported_at: Date; spans: number } | null> {
  const r = await sql<{
    exported_at: Date;
    spans: number;
  }>`select exported_at, spans from traces_changes_exported where repo = ${repo} and commit_sha = ${sha}`.execute(db);
  return r.rows[0] ?? null;
}
