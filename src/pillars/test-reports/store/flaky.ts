// Flaky events and the quarantine: marks the failures a later pass on the same commit contradicts,
// keeps each repository's quarantine (owners from CODEOWNERS), and reads both for the API.
import { setFlakinessIndex } from '../../../core/runs/write.js';
import { sql } from 'kysely';
import type { HubContext } from '../../../core/registry.js';
import type { TestsConfig } from '../config.js';
import { tdb, type TestsDb } from '../tables.js';
import { ownerOf, parseCodeowners, reasonFor, shouldQuarantine, type QuarantineEntry, type RunOutcome } from '../quarantine.js';
import { dayOf } from './reports.js';

/**
 * Flags every failure a pass of the same test on the same commit contradicts (flaky events), over
 * all runs of the commit — a rerun arriving later turns an earlier run's failure into a flaky event —
 * and recomputes those runs' flakiness_index. Without a commit, only the run's own retries count.
 */
export async function markFlaky(db: TestsDb, repo: string, commit: string | null, runId: string): Promise<number[]> {
  const reports = commit
    ? sql`select report_id, run_id from tests_reports where repo = ${repo} and commit_sha = ${commit}`
    : sql`select report_id, run_id from tests_reports where run_id = ${runId}`;
  const flagged = await sql<{ test_key: number }>`
    update tests_results r set flaky = true
    from (
      select res.test_key from tests_results res join (${reports}) rep on rep.report_id = res.report_id
      group by res.test_key having bool_or(res.status in (1, 2)) and bool_or(res.status = 0)
    ) f
    where r.test_key = f.test_key and r.status in (1, 2) and not r.flaky
      and r.report_id in (select report_id from (${reports}) x)
    returning r.test_key`.execute(db);
  await setFlakinessIndex(
    db,
    sql`select res.run_id, (count(*) filter (where res.flaky))::float8 / count(*) as idx
        from tests_results res join (${reports}) rep on rep.report_id = res.report_id
        where res.status <> 3
        group by res.run_id`,
  );
  return [...new Set(flagged.rows.map((r) => Number(r.test_key)))];
}

/** Quarantines tests that crossed the threshold and releases those with enough clean runs since. */
export async function updateQuarantine(
  ctx: HubContext,
  cfg: TestsConfig,
  repo: string,
  failingKeys: number[],
  newlyFlaky: number[],
  allKeys: number[],
  branch: string | null,
): Promise<{ quarantined: string[]; released: string[] }> {
  const db = tdb(ctx);
  const now = ctx.now();
  const quarantined: string[] = [];
  const released: string[] = [];
  const active = new Map(
    (await db.selectFrom('tests_quarantine').selectAll().where('repo', '=', repo).where('released_at', 'is', null).execute()).map((q) => [
      Number(q.test_key),
      q,
    ]),
  );
  // Release: clean runs counted per report that ran the test; a failure starts the count again.
  const here = allKeys.filter((k) => active.has(k));
  if (here.length) {
    const failedHere = new Set(failingKeys);
    for (const k of here) {
      const q = active.get(k)!;
      const clean = failedHere.has(k) ? 0 : q.clean_runs + 1;
      if (clean >= cfg.quarantine.releaseAfterCleanRuns) {
        await db
          .updateTable('tests_quarantine')
          .set({ clean_runs: clean, released_at: now, release_reason: `${clean} clean runs in a row` })
          .where('entry_id', '=', q.entry_id)
          .execute();
        released.push(q.test_id);
        active.delete(k);
      } else await db.updateTable('tests_quarantine').set({ clean_runs: clean }).where('entry_id', '=', q.entry_id).execute();
    }
  }
  // A broken entry whose failures a pass has now contradicted is flaky after all.
  for (const k of newlyFlaky) {
    const q = active.get(k);
    if (q && q.kind === 'broken') await db.updateTable('tests_quarantine').set({ kind: 'flaky' }).where('entry_id', '=', q.entry_id).execute();
  }
  // Any failing test is a candidate (flaky or broken), but only runs of the default branch count.
  if (branch === null || !cfg.quarantine.branches.includes(branch)) return { quarantined, released };
  const candidates = [...new Set([...failingKeys, ...newlyFlaky])].filter((k) => !active.has(k));
  if (!candidates.length) return { quarantined, released };
  const since = dayOf(new Date(now.getTime() - 180 * 86_400_000));
  const hist = await sql<{ test_key: number; run_id: string; at: Date; flaky_failures: number; failed: boolean }>`
    select res.test_key, res.run_id, max(rep.received_at) as at,
           (count(*) filter (where res.flaky))::int as flaky_failures, bool_or(res.status in (1, 2)) as failed
    from tests_results res join tests_reports rep on rep.report_id = res.report_id
    where res.test_key = any(${sql.val(candidates)}::int8[]) and res.day >= ${since}::date
      and rep.branch = any(${sql.val(cfg.quarantine.branches)}::text[])
    group by res.test_key, res.run_id`.execute(db);
  const byTest = new Map<number, Array<RunOutcome & { at: number }>>();
  for (const h of hist.rows) {
    const k = Number(h.test_key);
    const list = byTest.get(k) ?? [];
    list.push({ run: h.run_id, flaky_failures: h.flaky_failures, failed: h.failed, at: new Date(h.at).getTime() });
    byTest.set(k, list);
  }
  const owners = await db.selectFrom('tests_codeowners').select('content').where('repo', '=', repo).executeTakeFirst();
  const rules = owners ? parseCodeowners(owners.content) : [];
  for (const [k, list] of byTest) {
    list.sort((a, b) => a.at - b.at || (a.run < b.run ? -1 : 1));
    const v = shouldQuarantine(list, cfg.quarantine);
    if (!v.yes) continue;
    const t = await db.selectFrom('tests_ids').selectAll().where('test_key', '=', k).executeTakeFirstOrThrow();
    await db
      .insertInto('tests_quarantine')
      .values({
        repo,
        test_key: k,
        test_id: t.test_id,
        kind: v.kind,
        owner: ownerOf({ id: t.test_id, file: t.file, classname: t.classname }, rules),
        reason: reasonFor(v, list.length, cfg.quarantine.windowRuns),
        source: 'auto',
        quarantined_at: now,
        expires_at: new Date(now.getTime() + cfg.quarantine.expiryDays * 86_400_000),
        proof_runs: v.proof_runs,
        flaky_failures: v.flaky_failures,
        clean_runs: 0,
        released_at: null,
        release_reason: null,
      })
      .onConflict((oc) => oc.column('repo').column('test_key').where('released_at', 'is', null).doNothing())
      .execute();
    quarantined.push(t.test_id);
  }
  return { quarantined: quarantined.sort(), released: released.sort() };
}

/** Active quarantine of a repo; entries past their expiry date are released on the way. */
export async function listQuarantine(ctx: Pick<HubContext, 'db' | 'now'>, repo: string): Promise<QuarantineEntry[]> {
  const db = tdb(ctx);
  const now = ctx.now();
  await db
    .updateTable('tests_quarantine')
    .set({ released_at: now, release_reason: 'expired' })
    .where('repo', '=', repo)
    .where('released_at', 'is', null)
    .where('expires_at', '<', now)
    .execute();
  const rows = await db
    .selectFrom('tests_quarantine as q')
    .innerJoin('tests_ids as t', 't.test_key', 'q.test_key')
    .select([
      'q.test_id',
      'q.kind',
      'q.owner',
      'q.reason',
      'q.quarantined_at',
      'q.expires_at',
      'q.proof_runs',
      'q.flaky_failures',
      't.file',
      't.classname',
      't.name',
    ])
    .where('q.repo', '=', repo)
    .where('q.released_at', 'is', null)
    .orderBy('q.test_id')
    .execute();
  return rows.map((r) => ({
    id: r.test_id,
    kind: r.kind === 'broken' ? ('broken' as const) : ('flaky' as const),
    owner: r.owner,
    reason: r.reason,
    quarantined_at: new Date(r.quarantined_at).toISOString(),
    expires_at: r.expires_at ? new Date(r.expires_at).toISOString() : null,
    proof_runs: [...r.proof_runs].sort(),
    flaky_failures: r.flaky_failures,
    file: r.file,
    classname: r.classname,
    name: r.name,
  }));
}

export async function putCodeowners(ctx: Pick<HubContext, 'db' | 'now' | 'redactor'>, repo: string, text: string): Promise<void> {
  // Stored redacted, like every text (a CODEOWNERS file can carry a pasted token in a comment).
  const content = ctx.redactor.apply(text);
  await tdb(ctx)
    .insertInto('tests_codeowners')
    .values({ repo, content, updated_at: ctx.now() })
    .onConflict((oc) => oc.column('repo').doUpdateSet({ content, updated_at: ctx.now() }))
    .execute();
}

/** Per-test flake rate over a window, with retry metadata (seed 000 "per-test flake rate"). */
export async function flakyTests(ctx: Pick<HubContext, 'db' | 'now'>, repo: string, days: number) {
  const since = dayOf(new Date(ctx.now().getTime() - days * 86_400_000));
  const rows = await sql<{
    test_id: string;
    suite_type: string;
    executions: number;
    flaky_events: number;
    failures: number;
    retries: number;
    passed_on_retry: number;
    runs: number;
  }>`
    select t.test_id, t.suite_type,
      (count(*) filter (where r.status <> 3))::int as executions,
      (count(*) filter (where r.flaky))::int as flaky_events,
      (count(*) filter (where r.status in (1, 2)))::int as failures,
      (count(*) filter (where r.attempt > 1))::int as retries,
      (count(*) filter (where r.attempt > 1 and r.status = 0))::int as passed_on_retry,
      (count(distinct r.run_id))::int as runs
    from tests_results r join tests_ids t on t.test_key = r.test_key
    where t.repo = ${repo} and r.day >= ${since}::date
      and r.test_key in (select test_key from tests_results where flaky and day >= ${since}::date)
    group by t.test_id, t.suite_type
    order by t.test_id`.execute(tdb(ctx));
  return rows.rows.map((r) => ({ ...r, flake_rate: r.executions ? r.flaky_events / r.executions : null }));
}

/**
 * Flake index per suite type (seed 000: flaky runs / total runs per suite, quarantined tests
 * excluded, rolling window).
 */
export async function flakeIndex(ctx: Pick<HubContext, 'db' | 'now'>, repo: string, days: number) {
  const since = dayOf(new Date(ctx.now().getTime() - days * 86_400_000));
  const rows = await sql<{ suite_type: string; runs: number; flaky_runs: number }>`
    select t.suite_type, (count(distinct r.run_id))::int as runs,
           (count(distinct r.run_id) filter (where r.flaky))::int as flaky_runs
    from tests_results r join tests_ids t on t.test_key = r.test_key
    where t.repo = ${repo} and r.day >= ${since}::date and r.status <> 3
      and not exists (select 1 from tests_quarantine q where q.repo = t.repo and q.test_key = r.test_key and q.released_at is null)
    group by t.suite_type order by t.suite_type`.execute(tdb(ctx));
  return rows.rows.map((r) => ({ ...r, flake_index: r.runs ? r.flaky_runs / r.runs : null }));
}

// ---- coverage ----
