// The Tests page's reads, for one repository or all the caller may see: the flaky board (with each
// test's owner, quarantine and recent history), the slowest tests and the flake index per suite
// type per day. The per-repository reads of the CLI stay in flaky.ts.
import { sql } from 'kysely';
import { repoScope } from '../../../core/db/access.js';
import type { HubContext } from '../../../core/registry.js';
import { ownerOf, parseCodeowners, type OwnerRule } from '../quarantine.js';
import { tdb } from '../tables.js';
import { dayOf } from './reports.js';

export interface BoardScope {
  repo: string | null;
  regexes: string[] | null;
  days: number;
}

/** Runs of a test's history strip, newest last. */
export const HISTORY_RUNS = 20;
const BOARD_LIMIT = 200;

const sinceOf = (ctx: Pick<HubContext, 'now'>, days: number) => dayOf(new Date(ctx.now().getTime() - days * 86_400_000));

/** Flaky tests (a failure contradicted by a pass on the same commit inside the window), worst first. */
export async function flakyBoard(ctx: Pick<HubContext, 'db' | 'now'>, s: BoardScope) {
  const db = tdb(ctx);
  const since = sinceOf(ctx, s.days);
  const rows = (
    await sql<{
      test_key: number;
      repo: string;
      test_id: string;
      suite_type: string;
      file: string | null;
      classname: string | null;
      executions: number;
      flaky_events: number;
      failures: number;
      runs: number;
      first_seen: Date;
      last_seen: Date;
    }>`
    select t.test_key, t.repo, t.test_id, t.suite_type, t.file, t.classname,
      (count(*) filter (where r.status <> 3))::int as executions,
      (count(*) filter (where r.flaky))::int as flaky_events,
      (count(*) filter (where r.status in (1, 2)))::int as failures,
      (count(distinct r.run_id))::int as runs,
      min(r.day) filter (where r.flaky) as first_seen,
      max(r.day) filter (where r.flaky) as last_seen
    from tests_results r join tests_ids t on t.test_key = r.test_key
    where r.day >= ${since}::date and ${repoScope('t.repo', s.repo, s.regexes)}
      and r.test_key in (select test_key from tests_results where flaky and day >= ${since}::date)
    group by t.test_key, t.repo, t.test_id, t.suite_type, t.file, t.classname`.execute(db)
  ).rows;
  rows.sort(
    (a, b) => b.flaky_events / (b.executions || 1) - a.flaky_events / (a.executions || 1) || a.repo.localeCompare(b.repo) || a.test_id.localeCompare(b.test_id),
  );
  const top = rows.slice(0, BOARD_LIMIT);
  const keys = top.map((r) => Number(r.test_key));
  const repos = [...new Set(top.map((r) => r.repo))];
  const [quarantine, owners, history] = await Promise.all([
    keys.length
      ? db.selectFrom('tests_quarantine').select(['test_key', 'owner', 'expires_at']).where('test_key', 'in', keys).where('released_at', 'is', null).execute()
      : [],
    repos.length ? db.selectFrom('tests_codeowners').select(['repo', 'content']).where('repo', 'in', repos).execute() : [],
    testHistory(ctx, keys),
  ]);
  const q = new Map(quarantine.map((x) => [Number(x.test_key), x]));
  const rules = new Map<string, OwnerRule[]>(owners.map((o) => [o.repo, parseCodeowners(o.content)]));
  return {
    total: rows.length,
    tests: top.map((r) => {
      const qe = q.get(Number(r.test_key));
      return {
        repo: r.repo,
        test_id: r.test_id,
        suite_type: r.suite_type,
        flake_rate: r.executions ? r.flaky_events / r.executions : null,
        flaky_events: r.flaky_events,
        failures: r.failures,
        executions: r.executions,
        runs: r.runs,
        first_seen: dayOf(new Date(r.first_seen)),
        last_seen: dayOf(new Date(r.last_seen)),
        owner: qe?.owner ?? ownerOf({ id: r.test_id, file: r.file, classname: r.classname }, rules.get(r.repo) ?? []),
        quarantined_until: qe ? (qe.expires_at ? new Date(qe.expires_at).toISOString() : 'no expiry') : null,
        history: history.get(Number(r.test_key)) ?? [],
      };
    }),
  };
}

/** The last HISTORY_RUNS runs of each test, oldest first: pass, fail, flaky (a contradicted failure) or skip. */
async function testHistory(ctx: Pick<HubContext, 'db'>, keys: number[]): Promise<Map<number, Array<{ run_id: string; outcome: string }>>> {
  const out = new Map<number, Array<{ run_id: string; outcome: string }>>();
  if (!keys.length) return out;
  const rows = (
    await sql<{ test_key: number; run_id: string; outcome: string }>`
    select test_key, run_id, outcome from (
      select r.test_key, r.run_id, max(rep.received_at) as at,
        case when bool_or(r.flaky) then 'flaky' when bool_or(r.status in (1, 2)) then 'fail' when bool_or(r.status = 0) then 'pass' else 'skip' end as outcome,
        row_number() over (partition by r.test_key order by max(rep.received_at) desc, r.run_id desc) as n
      from tests_results r join tests_reports rep on rep.report_id = r.report_id
      where r.test_key = any(${sql.val(keys)}::int8[])
      group by r.test_key, r.run_id
    ) x where n <= ${HISTORY_RUNS} order by test_key, at, run_id`.execute(tdb(ctx))
  ).rows;
  for (const r of rows) {
    const list = out.get(Number(r.test_key)) ?? [];
    list.push({ run_id: r.run_id, outcome: r.outcome });
    out.set(Number(r.test_key), list);
  }
  return out;
}

/** The slowest tests by median duration of their passing runs in the window. */
export async function slowestTests(ctx: Pick<HubContext, 'db' | 'now'>, s: BoardScope, limit = 20) {
  const since = sinceOf(ctx, s.days);
  return (
    await sql<{ repo: string; test_id: string; suite_type: string; executions: number; p50_ms: number; max_ms: number }>`
    select t.repo, t.test_id, t.suite_type, count(*)::int as executions,
      percentile_disc(0.5) within group (order by r.duration_ms)::float8 as p50_ms, max(r.duration_ms)::float8 as max_ms
    from tests_results r join tests_ids t on t.test_key = r.test_key
    where r.day >= ${since}::date and r.status = 0 and r.duration_ms is not null and ${repoScope('t.repo', s.repo, s.regexes)}
    group by t.repo, t.test_id, t.suite_type
    order by p50_ms desc, t.repo, t.test_id limit ${limit}`.execute(tdb(ctx))
  ).rows;
}

/** Flake index per suite type per day: runs with a flaky failure / runs, quarantined tests excluded. */
export async function flakeTrend(ctx: Pick<HubContext, 'db' | 'now'>, s: BoardScope) {
  const since = sinceOf(ctx, s.days);
  const rows = (
    await sql<{ day: Date; suite_type: string; runs: number; flaky_runs: number }>`
    select r.day, t.suite_type, (count(distinct r.run_id))::int as runs, (count(distinct r.run_id) filter (where r.flaky))::int as flaky_runs
    from tests_results r join tests_ids t on t.test_key = r.test_key
    where r.day >= ${since}::date and r.status <> 3 and ${repoScope('t.repo', s.repo, s.regexes)}
      and not exists (select 1 from tests_quarantine q where q.repo = t.repo and q.test_key = r.test_key and q.released_at is null)
    group by r.day, t.suite_type order by r.day, t.suite_type`.execute(tdb(ctx))
  ).rows;
  return rows.map((r) => ({
    day: dayOf(new Date(r.day)),
    suite_type: r.suite_type,
    runs: r.runs,
    flaky_runs: r.flaky_runs,
    flake_index: r.runs ? r.flaky_runs / r.runs : null,
  }));
}

/** Active quarantine entries of one repository or all visible ones (expired ones are not listed). */
export async function quarantineBoard(ctx: Pick<HubContext, 'db' | 'now'>, s: BoardScope) {
  const rows = (
    await sql<{ repo: string; test_id: string; owner: string | null; reason: string; quarantined_at: Date; expires_at: Date | null; flaky_failures: number }>`
    select q.repo, q.test_id, q.owner, q.reason, q.quarantined_at, q.expires_at, q.flaky_failures
    from tests_quarantine q
    where q.released_at is null and (q.expires_at is null or q.expires_at >= ${ctx.now()}) and ${repoScope('q.repo', s.repo, s.regexes)}
    order by q.expires_at nulls last, q.repo, q.test_id`.execute(tdb(ctx))
  ).rows;
  return rows.map((r) => ({
    ...r,
    quarantined_at: new Date(r.quarantined_at).toISOString(),
    expires_at: r.expires_at ? new Date(r.expires_at).toISOString() : null,
  }));
}
