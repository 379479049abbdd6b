// The scoreboard's reads. Outcomes come from the core run tables and, by SQL only (a pillar never
// imports another's files), from the tests pillar's results and quarantine when that pillar is
// assembled; authors from this pillar's table. Then formula.ts decides, score.ts sums.
import { sql } from 'kysely';
import { tableExists } from '../../core/db/index.js';
import type { HubContext } from '../../core/registry.js';
import { compileRepoPattern } from '../../core/tokens.js';
import { scoreboardConfig, type ScoreboardConfig } from './config.js';
import {
  authorsOf,
  coverageRaised,
  flakyFixed,
  redFixed,
  resilienceRaised,
  savings,
  type Award,
  type AuthorRow,
  type ChaosTrialRow,
  type QuarantineRow,
  type ScoredRun,
  type TestResultRow,
} from './formula.js';
import { buildBoard, participating, type Board, type TeamDef } from './score.js';
import { sbdb, type ScoreboardDb } from './tables.js';
import type { Week } from './week.js';

const DAY = 86_400_000;
/** How far before the week outcomes are looked for: a red streak, a flaky test's history, the coverage high. */
const LOOKBACK_DAYS = 60;

/** Teams of ci-intel.yml and of the admin API (a name in ci-intel.yml wins), by SQL on the core table. */
export async function allTeams(ctx: Pick<HubContext, 'config' | 'db'>): Promise<TeamDef[]> {
  const configured = ctx.config.auth.teams.map((t) => ({ name: t.name, repos: t.repos }));
  const stored = (await sql<{ name: string; repo_patterns: string[] }>`select name, repo_patterns from teams order by name`.execute(ctx.db)).rows;
  return [...configured, ...stored.filter((s) => !configured.some((c) => c.name === s.name)).map((s) => ({ name: s.name, repos: s.repo_patterns }))];
}

/** The repositories with runs in the period that a taking-part team covers and the caller may see. */
async function scoredRepos(db: ScoreboardDb, teams: TeamDef[], since: Date, until: Date, visible: string[] | null): Promise<string[]> {
  const match = teams.flatMap((t) => t.repos.map((p) => compileRepoPattern(p)));
  const seen = visible?.map((re) => new RegExp(re));
  const rows = await db.selectFrom('runs').select('repo').distinct().where('started_at', '>=', since).where('started_at', '<', until).execute();
  return rows
    .map((r) => r.repo)
    .filter((repo) => match.some((m) => m(repo)) && (!seen || seen.some((re) => re.test(repo))))
    .sort();
}

async function readRuns(db: ScoreboardDb, repos: string[], branches: string[], since: Date, until: Date): Promise<ScoredRun[]> {
  const rows = await sql<Omit<ScoredRun, 'started_at' | 'ended_at'> & { started_at: Date | string; ended_at: Date | string | null }>`
    select r.run_id, r.repo, r.workflow, r.commit_sha, r.status, r.started_at, r.ended_at, r.duration_ms::float8 as duration_ms,
      nullif(t.total, 0) as tests_total, t.coverage_lines, nullif(t.mutants_total, 0) as mutants_total, t.killed, c.carbon_g_co2e as carbon_g
    from runs r
    left join test_summaries t on t.run_id = r.run_id
    left join costs c on c.run_id = r.run_id
    where r.repo = any(${repos}) and r.branch = any(${branches}) and r.environment is null
      and r.status in ('success', 'failed') and r.started_at >= ${since} and r.started_at < ${until}`.execute(db);
  return rows.rows.map((r) => ({ ...r, started_at: new Date(r.started_at), ended_at: r.ended_at === null ? null : new Date(r.ended_at) }));
}

async function readTrials(db: ScoreboardDb, repos: string[], branches: string[], since: Date, until: Date): Promise<ChaosTrialRow[]> {
  const rows = await sql<Omit<ChaosTrialRow, 'started_at'> & { started_at: Date | string }>`
    select t.run_id, r.repo, r.commit_sha, r.started_at, t.ordinal, t.fault, t.target, t.outcome
    from chaos_trials t join runs r on r.run_id = t.run_id
    where r.repo = any(${repos}) and r.branch = any(${branches}) and r.started_at >= ${since} and r.started_at < ${until}`.execute(db);
  return rows.rows.map((r) => ({ ...r, started_at: new Date(r.started_at) }));
}

/** The results of tests that were flaky on a default branch in the period (none without the tests pillar). */
async function readTests(
  db: ScoreboardDb,
  repos: string[],
  branches: string[],
  since: Date,
  until: Date,
): Promise<{ results: TestResultRow[]; quarantine: QuarantineRow[] }> {
  if (!(await tableExists(db, 'tests_results'))) return { results: [], quarantine: [] };
  const results = await sql<Omit<TestResultRow, 'at'> & { at: Date | string }>`
    with flaky as (
      select distinct x.test_key from tests_results x join tests_reports p on p.report_id = x.report_id
      where x.flaky and p.repo = any(${repos}) and p.branch = any(${branches}) and x.day >= ${since.toISOString().slice(0, 10)}::date
    )
    select p.repo, i.test_id, x.run_id, p.commit_sha, r.started_at as at, min(x.status) as status, bool_or(x.flaky) as flaky
    from tests_results x
    join flaky f on f.test_key = x.test_key
    join tests_reports p on p.report_id = x.report_id
    join tests_ids i on i.test_key = x.test_key
    join runs r on r.run_id = x.run_id
    where p.branch = any(${branches}) and r.started_at >= ${since} and r.started_at < ${until}
    group by p.repo, i.test_id, x.run_id, p.commit_sha, r.started_at`.execute(db);
  // A test retried to a pass in one run is flaky there (bool_or); its best attempt is its status (min).
  const quarantine = await sql<{ repo: string; test_id: string; quarantined_at: Date | string; released_at: Date | string | null }>`
    select repo, test_id, quarantined_at, released_at from tests_quarantine where repo = any(${repos})`.execute(db);
  return {
    results: results.rows.map((r) => ({ ...r, status: Number(r.status), at: new Date(r.at) })),
    quarantine: quarantine.rows.map((q) => ({
      ...q,
      quarantined_at: new Date(q.quarantined_at),
      released_at: q.released_at === null ? null : new Date(q.released_at),
    })),
  };
}

export async function readAuthors(db: ScoreboardDb, repos: string[]): Promise<AuthorRow[]> {
  return db
    .selectFrom('scoreboard_commits')
    .select(['repo', 'sha', 'author', 'reverts'])
    .where('repo', 'in', repos.length ? repos : [''])
    .execute();
}

/** Every award from the outcomes in the store that could fall in `week`. */
export async function awardsFor(db: ScoreboardDb, cfg: ScoreboardConfig, repos: string[], week: Week): Promise<Award[]> {
  if (!repos.length) return [];
  const trailingFrom = new Date(week.from.getTime() - cfg.trailingWeeks * 7 * DAY);
  const since = new Date(Math.min(trailingFrom.getTime(), week.from.getTime() - LOOKBACK_DAYS * DAY));
  const branches = cfg.defaultBranches;
  const [runs, trials, tests, authorRows] = await Promise.all([
    readRuns(db, repos, branches, since, week.to),
    readTrials(db, repos, branches, since, week.to),
    readTests(db, repos, branches, since, week.to),
    readAuthors(db, repos),
  ]);
  const authors = authorsOf(authorRows);
  return [
    ...redFixed(runs, authors, cfg.fixWindowHours),
    ...flakyFixed(tests.results, tests.quarantine, authors, cfg.stableRuns),
    ...resilienceRaised(trials, authors),
    ...coverageRaised(runs, authors),
    ...savings(runs, week, trailingFrom),
  ];
}

/**
 * The teams taking part. `serve --demo` with no `scoreboard.teams` scores every team, or, with no
 * team defined, every owner (`acme/*`) as a team, so the demo's page has a board to show.
 */
async function takingPart(ctx: Pick<HubContext, 'config' | 'db'>): Promise<TeamDef[]> {
  const optIn = scoreboardConfig(ctx.config).teams;
  const all = await allTeams(ctx);
  if (!ctx.config.server.demo || optIn.length) return participating(all, optIn);
  if (all.length) return participating(all, ['*']);
  const owners = await sql<{ owner: string }>`select distinct split_part(repo, '/', 1) as owner from runs order by 1`.execute(ctx.db);
  return owners.rows.map((o) => ({ name: o.owner, repos: [`${o.owner}/**`] }));
}

/** The week's board for the teams that opted in; `visible` (regexes) limits it to what the caller may see. */
export async function scoreboard(ctx: Pick<HubContext, 'config' | 'db'>, week: Week, visible: string[] | null = null): Promise<Board> {
  const cfg = scoreboardConfig(ctx.config);
  const teams = await takingPart(ctx);
  const db = sbdb(ctx);
  const since = new Date(week.from.getTime() - Math.max(LOOKBACK_DAYS, cfg.trailingWeeks * 7) * DAY);
  const repos = teams.length ? await scoredRepos(db, teams, since, week.to, visible) : [];
  return buildBoard(await awardsFor(db, cfg, repos, week), teams, week, cfg.dailyCap);
}

/** Is the repository in a team taking part? */
export async function takesPart(ctx: Pick<HubContext, 'config' | 'db'>, repo: string): Promise<boolean> {
  const teams = await takingPart(ctx);
  return teams.some((t) => t.repos.some((p) => compileRepoPattern(p)(repo)));
}
