// Persists what the pure analyses produce (DESIGN.md "Analyzers are pure; a separate step persists"):
// per-test results into day partitions, flaky flags per commit, the run's flakiness_index,
// quarantine entries, coverage. Text passes through the redactor before it is stored.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { splitLines } from '../../core/lines.js';
import { sql, type Kysely } from 'kysely';
import { anyOf, unnestInsert, type CoreTables } from '../../core/db/index.js';
import type { TestCase } from '../../core/model/index.js';
import type { HubContext } from '../../core/registry.js';
import type { TestsConfig } from './config.js';
import { totals, type CoverageReport } from './coverage/index.js';
import { compileSuiteTypes, suiteTypeOf } from './flaky.js';
import { STATUS_CODE, STATUS_NAME, type TestsTables } from './migrations.js';
import type { ParseSummary } from './parsers/index.js';
import { testsMetrics } from './metrics.js';
import { ownerOf, parseCodeowners, reasonFor, shouldQuarantine, type QuarantineEntry, type RunOutcome } from './quarantine.js';

type Db = Kysely<CoreTables & TestsTables>;
export const tdb = (ctx: Pick<HubContext, 'db'>): Db => ctx.db.withTables<TestsTables>() as unknown as Db;

const CHUNK = 10_000;
const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/** Creates the day's partition of tests_results when missing (idempotent; concurrent hubs race safely). */
export async function ensurePartition(db: Db, day: string): Promise<void> {
  const name = `tests_results_${day.replace(/-/g, '')}`;
  const next = dayOf(new Date(Date.parse(day + 'T00:00:00Z') + 86_400_000));
  const exists = await sql<{ n: number }>`select count(*)::int as n from pg_class where relname = ${name}`.execute(db);
  if (exists.rows[0]!.n > 0) return;
  try {
    await sql.raw(`create table if not exists ${name} partition of tests_results for values from ('${day}') to ('${next}')`).execute(db);
  } catch (e) {
    // Another hub process created it between our check and create.
    const again = await sql<{ n: number }>`select count(*)::int as n from pg_class where relname = ${name}`.execute(db);
    if (again.rows[0]!.n === 0) throw e;
  }
}

/** Drops (or, on a dry run, lists) the whole day partitions before `cutoff` (retention.derivedDays). */
export async function dropOldPartitions(db: Db, cutoff: Date, dryRun = false): Promise<string[]> {
  const before = dayOf(cutoff).replace(/-/g, '');
  const parts = await sql<{ relname: string }>`select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent where p.relname = 'tests_results'`.execute(db);
  const dropped: string[] = [];
  for (const { relname } of parts.rows) {
    const m = /^tests_results_(\d{8})$/.exec(relname);
    if (m && m[1]! < before) {
      if (!dryRun) await sql.raw(`drop table if exists ${relname}`).execute(db);
      dropped.push(relname);
    }
  }
  return dropped;
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

const RESULT_COLUMNS = [
  { name: 'day', type: 'date' },
  { name: 'run_id', type: 'uuid' },
  { name: 'report_id', type: 'uuid' },
  { name: 'test_key', type: 'int8' },
  { name: 'ordinal', type: 'int4' },
  { name: 'attempt', type: 'int2' },
  { name: 'retry_of', type: 'int2' },
  { name: 'status', type: 'int2' },
  { name: 'duration_ms', type: 'float4' },
  { name: 'message_hash', type: 'text' },
];

/** Upserts the batch's test ids (redacted, typed) and returns id → test_key. */
async function upsertIds(db: Db, repo: string, batch: TestCase[], typeOf: (c: TestCase) => string, red: (s: string) => string): Promise<Map<string, number>> {
  const ids = new Map<string, TestCase>();
  for (const c of batch) if (!ids.has(c.id)) ids.set(c.id, c);
  const redactedOf = new Map<string, string>();
  const rows = [...ids.values()].map((c) => {
    const rid = red(c.id);
    redactedOf.set(c.id, rid);
    return { repo, test_id: rid, suite: c.suite === null ? null : red(c.suite), classname: c.classname === null ? null : red(c.classname), name: red(c.name), file: c.file ? red(c.file) : null, suite_type: typeOf(c) };
  });
  await unnestInsert(
    'tests_ids',
    ['repo', 'test_id', 'suite', 'classname', 'name', 'file', 'suite_type'].map((name) => ({ name, type: 'text' })),
    rows,
    sql`on conflict (repo, test_id) do nothing`,
  ).execute(db);
  const got = await db
    .selectFrom('tests_ids')
    .select(['test_key', 'test_id'])
    .where('repo', '=', repo)
    .where('test_id', '=', anyOf(rows.map((r) => r.test_id), 'text'))
    .execute();
  const byRedacted = new Map(got.map((g) => [g.test_id, Number(g.test_key)]));
  return new Map([...redactedOf].map(([id, rid]) => [id, byRedacted.get(rid)!]));
}

/**
 * Collects a parser's executions into batches of `size` through a temporary NDJSON file, so storing
 * a report of millions of executions needs memory for one batch, not the report.
 */
export class CaseSpool {
  private readonly file: string;
  private readonly out: import('node:fs').WriteStream;
  private pending = 0;
  constructor(dir: string, private readonly size = CHUNK) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, `cases-${randomUUID()}.ndjson`);
    this.out = createWriteStream(this.file);
  }
  readonly add = (c: TestCase): void => {
    this.pending++;
    this.out.write(JSON.stringify(c) + '\n');
  };
  async *batches(): AsyncGenerator<TestCase[]> {
    await new Promise<void>((resolve, reject) => this.out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    let batch: TestCase[] = [];
    for await (const l of splitLines(createReadStream(this.file), { maxLineBytes: 64 * 1024 * 1024 })) {
      if (!l.text) continue;
      batch.push(JSON.parse(l.text) as TestCase);
      if (batch.length >= this.size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }
  async dispose(): Promise<void> {
    if (!this.out.closed) this.out.destroy();
    await rm(this.file, { force: true });
  }
}

export interface StoreReportInput {
  run_id: string;
  repo: string;
  summary: ParseSummary;
  /** The executions in report order, in batches (see caseBatches). */
  cases: AsyncIterable<TestCase[]> | Iterable<TestCase[]>;
  idempotencyKey?: string | null;
}

export interface StoredReport {
  report_id: string;
  run_id: string;
  duplicate: boolean;
  format: string;
  tests: number;
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
  flakiness_index: number | null;
  quarantined: string[];
  released: string[];
}

export async function storeReport(ctx: HubContext, cfg: TestsConfig, input: StoreReportInput): Promise<StoredReport> {
  const db = tdb(ctx);
  const run = await db.selectFrom('runs').select(['commit_sha', 'branch', 'started_at']).where('run_id', '=', input.run_id).executeTakeFirstOrThrow();
  if (input.idempotencyKey) {
    const dup = await db.selectFrom('tests_reports').selectAll().where('run_id', '=', input.run_id).where('idempotency_key', '=', input.idempotencyKey).executeTakeFirst();
    if (dup) {
      const r = await db.selectFrom('runs').select('flakiness_index').where('run_id', '=', input.run_id).executeTakeFirst();
      return { report_id: dup.report_id, run_id: dup.run_id, duplicate: true, format: dup.format, tests: dup.tests, passed: dup.passed, failed: dup.failed, errored: dup.errored, skipped: dup.skipped, flakiness_index: r?.flakiness_index ?? null, quarantined: [], released: [] };
    }
  }
  const day = dayOf(new Date(run.started_at));
  await ensurePartition(db, day);
  const types = compileSuiteTypes(cfg.suite_types);
  const red = (s: string) => ctx.redactor.apply(s);

  const s = input.summary;
  const report_id = randomUUID();
  const failing = new Set<number>();
  const seen = new Set<number>();
  let executions = 0;
  await db.transaction().execute(async (t) => {
    const trx = t as unknown as Db;
    await trx
      .insertInto('tests_reports')
      .values({
        report_id,
        run_id: input.run_id,
        repo: input.repo,
        commit_sha: run.commit_sha,
        branch: run.branch,
        day,
        format: s.format,
        runner: s.runner,
        tests: s.tests,
        passed: s.passed,
        failed: s.failed,
        errored: s.errored,
        skipped: s.skipped,
        duration_ms: s.duration_ms,
        problems: s.problems.length ? red(JSON.stringify(s.problems)) : null,
        idempotency_key: input.idempotencyKey ?? null,
        received_at: ctx.now(),
      })
      .execute();
    // Executions arrive in batches (a large report is never held whole): each batch upserts its
    // test ids, stores its messages once, and inserts its result rows — all in one transaction.
    for await (const batch of input.cases) {
      const keyOf = await upsertIds(trx, input.repo, batch, (c) => suiteTypeOf(c, types, cfg.default_suite_type), red);
      const messages = new Map<string, string>();
      const rows = batch.map((c) => {
        let mh: string | null = null;
        if (c.message) {
          const m = red(c.message);
          mh = hash(m);
          messages.set(mh, m);
        }
        const key = keyOf.get(c.id)!;
        seen.add(key);
        if (c.status === 'failed' || c.status === 'errored') failing.add(key);
        return {
          day,
          run_id: input.run_id,
          report_id,
          test_key: key,
          ordinal: executions++,
          attempt: c.attempt,
          retry_of: c.attempt > 1 ? c.attempt - 1 : null,
          status: STATUS_CODE[c.status],
          duration_ms: c.duration_ms,
          message_hash: mh,
        };
      });
      const msgRows = [...messages.entries()].map(([message_hash, message]) => ({ repo: input.repo, message_hash, message }));
      if (msgRows.length) await unnestInsert('tests_messages', [{ name: 'repo', type: 'text' }, { name: 'message_hash', type: 'text' }, { name: 'message', type: 'text' }], msgRows, sql`on conflict do nothing`).execute(trx);
      if (rows.length) await unnestInsert('tests_results', RESULT_COLUMNS, rows).execute(trx);
    }
    await upsertSummary(trx, input.run_id);
  });

  // Tests whose failures just became flaky events (here or in earlier runs of the commit) are the
  // candidates for quarantine; the tests this report ran count towards release.
  const newlyFlaky = await markFlaky(db, input.repo, run.commit_sha, input.run_id);
  testsMetrics()?.reported(s.format, executions, newlyFlaky.length);
  const failingKeys = [...failing];
  const allKeys = [...seen];
  const { quarantined, released } = await updateQuarantine(ctx, cfg, input.repo, failingKeys, newlyFlaky, allKeys);
  const fi = await db.selectFrom('runs').select('flakiness_index').where('run_id', '=', input.run_id).executeTakeFirst();
  return { report_id, run_id: input.run_id, duplicate: false, format: s.format, tests: s.tests, passed: s.passed, failed: s.failed, errored: s.errored, skipped: s.skipped, flakiness_index: fi?.flakiness_index ?? null, quarantined, released };
}

/**
 * The run's `tests` object when no record gave one (a stub run from an upload): the sums over its
 * reports. A row from a pipeline_run record is the producer's word and is left alone.
 */
async function upsertSummary(db: Db, runId: string): Promise<void> {
  const t = await db
    .selectFrom('tests_reports')
    .select([sql<number>`sum(tests)::int`.as('tests'), sql<number>`sum(failed + errored)::int`.as('failed'), sql<number>`sum(skipped)::int`.as('skipped'), sql<number>`coalesce(sum(duration_ms), 0)::bigint`.as('duration_ms')])
    .where('run_id', '=', runId)
    .executeTakeFirstOrThrow();
  const runRow = await db.selectFrom('runs').select('source').where('run_id', '=', runId).executeTakeFirst();
  const existing = await db.selectFrom('test_summaries').select('run_id').where('run_id', '=', runId).executeTakeFirst();
  if (existing && runRow?.source !== 'agent') return;
  if (existing) {
    await db.updateTable('test_summaries').set({ total: t.tests, failed: t.failed, skipped: t.skipped, duration_ms: Number(t.duration_ms) }).where('run_id', '=', runId).execute();
    return;
  }
  await db
    .insertInto('test_summaries')
    .values({ run_id: runId, total: t.tests, failed: t.failed, skipped: t.skipped, duration_ms: Number(t.duration_ms), coverage_lines: null, coverage_branches: null, coverage_statements: null, mutants_total: 0, killed: 0, equiv: 0, timeout: 0, resilience_score: 0, delta_vs_main: null, equivalent_mutants_dropped: null })
    .execute();
}

/**
 * Flags every failure a pass of the same test on the same commit contradicts (flaky events), over
 * all runs of the commit — a rerun arriving later turns an earlier run's failure into a flaky event —
 * and recomputes those runs' flakiness_index. Without a commit, only the run's own retries count.
 */
export async function markFlaky(db: Db, repo: string, commit: string | null, runId: string): Promise<number[]> {
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
  await sql`
    update runs set flakiness_index = s.idx, updated_at = now()
    from (
      select res.run_id, (count(*) filter (where res.flaky))::float8 / count(*) as idx
      from tests_results res join (${reports}) rep on rep.report_id = res.report_id
      where res.status <> 3
      group by res.run_id
    ) s
    where runs.run_id = s.run_id`.execute(db);
  return [...new Set(flagged.rows.map((r) => Number(r.test_key)))];
}

/** Quarantines tests that crossed the threshold and releases those with enough clean runs since. */
async function updateQuarantine(ctx: HubContext, cfg: TestsConfig, repo: string, failingKeys: number[], newlyFlaky: number[], allKeys: number[]): Promise<{ quarantined: string[]; released: string[] }> {
  const db = tdb(ctx);
  const now = ctx.now();
  const quarantined: string[] = [];
  const released: string[] = [];
  const active = new Map(
    (await db.selectFrom('tests_quarantine').selectAll().where('repo', '=', repo).where('released_at', 'is', null).execute()).map((q) => [Number(q.test_key), q]),
  );
  // Release: clean runs counted per report that ran the test; a failure starts the count again.
  const here = allKeys.filter((k) => active.has(k));
  if (here.length) {
    const failedHere = new Set(failingKeys);
    for (const k of here) {
      const q = active.get(k)!;
      const clean = failedHere.has(k) ? 0 : q.clean_runs + 1;
      if (clean >= cfg.quarantine.release_after_clean_runs) {
        await db.updateTable('tests_quarantine').set({ clean_runs: clean, released_at: now, release_reason: `${clean} clean runs in a row` }).where('entry_id', '=', q.entry_id).execute();
        released.push(q.test_id);
        active.delete(k);
      } else await db.updateTable('tests_quarantine').set({ clean_runs: clean }).where('entry_id', '=', q.entry_id).execute();
    }
  }
  const candidates = newlyFlaky.filter((k) => !active.has(k));
  if (!candidates.length) return { quarantined, released };
  const since = dayOf(new Date(now.getTime() - 180 * 86_400_000));
  const hist = await sql<{ test_key: number; run_id: string; at: Date; flaky_failures: number; failed: boolean }>`
    select res.test_key, res.run_id, max(rep.received_at) as at,
           (count(*) filter (where res.flaky))::int as flaky_failures, bool_or(res.status in (1, 2)) as failed
    from tests_results res join tests_reports rep on rep.report_id = res.report_id
    where res.test_key = any(${sql.val(candidates)}::int8[]) and res.day >= ${since}::date
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
        owner: ownerOf({ id: t.test_id, file: t.file, classname: t.classname }, rules),
        reason: reasonFor(v.flaky_failures, list.length, cfg.quarantine.window_runs),
        source: 'auto',
        quarantined_at: now,
        expires_at: new Date(now.getTime() + cfg.quarantine.expiry_days * 86_400_000),
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
  await db.updateTable('tests_quarantine').set({ released_at: now, release_reason: 'expired' }).where('repo', '=', repo).where('released_at', 'is', null).where('expires_at', '<', now).execute();
  const rows = await db
    .selectFrom('tests_quarantine as q')
    .innerJoin('tests_ids as t', 't.test_key', 'q.test_key')
    .select(['q.test_id', 'q.owner', 'q.reason', 'q.quarantined_at', 'q.expires_at', 'q.proof_runs', 'q.flaky_failures', 't.file', 't.classname', 't.name'])
    .where('q.repo', '=', repo)
    .where('q.released_at', 'is', null)
    .orderBy('q.test_id')
    .execute();
  return rows.map((r) => ({
    id: r.test_id,
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

export async function putCodeowners(ctx: Pick<HubContext, 'db' | 'now'>, repo: string, content: string): Promise<void> {
  await tdb(ctx)
    .insertInto('tests_codeowners')
    .values({ repo, content, updated_at: ctx.now() })
    .onConflict((oc) => oc.column('repo').doUpdateSet({ content, updated_at: ctx.now() }))
    .execute();
}

/** Per-test flake rate over a window, with retry metadata (seed 000 "per-test flake rate"). */
export async function flakyTests(ctx: Pick<HubContext, 'db' | 'now'>, repo: string, days: number) {
  const since = dayOf(new Date(ctx.now().getTime() - days * 86_400_000));
  const rows = await sql<{ test_id: string; suite_type: string; executions: number; flaky_events: number; failures: number; retries: number; passed_on_retry: number; runs: number }>`
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

export async function storeCoverage(ctx: HubContext, runId: string, repo: string, report: CoverageReport) {
  const db = tdb(ctx);
  const run = await db.selectFrom('runs').select(['commit_sha', 'branch']).where('run_id', '=', runId).executeTakeFirstOrThrow();
  const t = totals(report.files);
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('tests_coverage').where('run_id', '=', runId).execute();
    await trx
      .insertInto('tests_coverage')
      .values({
        run_id: runId,
        repo,
        branch: run.branch,
        commit_sha: run.commit_sha,
        format: report.format,
        lines_pct: t.lines,
        branches_pct: t.branches,
        statements_pct: t.statements,
        lines_covered: t.counts.lines.covered,
        lines_total: t.counts.lines.total,
        branches_covered: t.counts.branches.covered,
        branches_total: t.counts.branches.total,
        statements_covered: t.counts.statements.covered,
        statements_total: t.counts.statements.total,
        files: report.files.length,
        received_at: ctx.now(),
      })
      .execute();
    const rows = report.files.map((f) => ({
      run_id: runId,
      file: ctx.redactor.apply(f.file),
      lines_covered: f.lines.covered,
      lines_total: f.lines.total,
      branches_covered: f.branches.covered,
      branches_total: f.branches.total,
      statements_covered: f.statements.covered,
      statements_total: f.statements.total,
    }));
    const cols = ['run_id:uuid', 'file:text', 'lines_covered:int4', 'lines_total:int4', 'branches_covered:int4', 'branches_total:int4', 'statements_covered:int4', 'statements_total:int4'].map((c) => ({ name: c.split(':')[0]!, type: c.split(':')[1]! }));
    for (let i = 0; i < rows.length; i += CHUNK) await unnestInsert('tests_coverage_files', cols, rows.slice(i, i + CHUNK), sql`on conflict do nothing`).execute(trx);
    // The run's tests.coverage (contract: fractions 0–1).
    const frac = (v: number | null) => (v === null ? null : v / 100);
    const has = await trx.selectFrom('test_summaries').select('run_id').where('run_id', '=', runId).executeTakeFirst();
    if (has) await trx.updateTable('test_summaries').set({ coverage_lines: frac(t.lines), coverage_branches: frac(t.branches), coverage_statements: frac(t.statements) }).where('run_id', '=', runId).execute();
    else
      await trx
        .insertInto('test_summaries')
        .values({ run_id: runId, total: 0, failed: 0, skipped: null, duration_ms: 0, coverage_lines: frac(t.lines), coverage_branches: frac(t.branches), coverage_statements: frac(t.statements), mutants_total: 0, killed: 0, equiv: 0, timeout: 0, resilience_score: 0, delta_vs_main: null, equivalent_mutants_dropped: null })
        .execute();
  });
  return { run_id: runId, format: report.format, lines: t.lines, branches: t.branches, statements: t.statements, files: report.files.length };
}

/** The latest coverage of a branch (the `--baseline main` of gate coverage). */
export async function latestCoverage(ctx: Pick<HubContext, 'db'>, repo: string, branch: string) {
  const r = await tdb(ctx).selectFrom('tests_coverage').selectAll().where('repo', '=', repo).where('branch', '=', branch).orderBy('received_at', 'desc').orderBy('run_id', 'desc').limit(1).executeTakeFirst();
  if (!r) return null;
  return { run_id: r.run_id, lines: r.lines_pct, branches: r.branches_pct, statements: r.statements_pct, received_at: new Date(r.received_at).toISOString() };
}

/** What GET /api/v1/runs/:id shows under analyses.tests. */
export async function analyzeRun(ctx: HubContext, runId: string) {
  const db = tdb(ctx);
  const reports = await db.selectFrom('tests_reports').selectAll().where('run_id', '=', runId).orderBy('received_at').orderBy('report_id').execute();
  const cov = await db.selectFrom('tests_coverage').selectAll().where('run_id', '=', runId).executeTakeFirst();
  if (!reports.length && !cov) return null;
  const run = await db.selectFrom('runs').select(['flakiness_index', 'repo']).where('run_id', '=', runId).executeTakeFirst();
  const flaky = await db
    .selectFrom('tests_results as r')
    .innerJoin('tests_ids as t', 't.test_key', 'r.test_key')
    .select(['t.test_id', sql<number>`count(*)::int`.as('flaky_failures')])
    .where('r.run_id', '=', runId)
    .where('r.flaky', '=', true)
    .groupBy('t.test_id')
    .orderBy('t.test_id')
    .execute();
  const sum = (k: 'tests' | 'passed' | 'failed' | 'errored' | 'skipped') => reports.reduce((s, r) => s + r[k], 0);
  return {
    flakiness_index: run?.flakiness_index ?? null,
    counts: reports.length ? { tests: sum('tests'), passed: sum('passed'), failed: sum('failed'), errored: sum('errored'), skipped: sum('skipped') } : null,
    reports: reports.map((r) => ({ report_id: r.report_id, format: r.format, runner: r.runner, tests: r.tests, passed: r.passed, failed: r.failed, errored: r.errored, skipped: r.skipped, duration_ms: r.duration_ms, problems: r.problems ? JSON.parse(r.problems) : [] })),
    flaky: flaky.map((f) => ({ id: f.test_id, flaky_failures: f.flaky_failures })),
    coverage: cov ? { format: cov.format, lines_pct: cov.lines_pct, branches_pct: cov.branches_pct, statements_pct: cov.statements_pct, files: cov.files } : null,
  };
}

export { STATUS_NAME };
