// Persists what the pure analyses produce (DESIGN.md "Analyzers are pure; a separate step persists"):
// per-test results into day partitions, flaky flags per commit, the run's flakiness_index,
// quarantine entries, coverage. Text passes through the redactor before it is stored.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { splitLines } from '../../../core/lines.js';
import { sql } from 'kysely';
import { anyOf, unnestInsert } from '../../../core/db/index.js';
import type { TestCase } from '../../../core/model/index.js';
import type { HubContext } from '../../../core/registry.js';
import type { TestsConfig } from '../config.js';
import { compileSuiteTypes, suiteTypeOf } from '../flaky.js';
import { tdb, type TestsDb, STATUS_CODE } from '../tables.js';
import type { ParseSummary } from '../parsers/index.js';
import { testsMetrics } from '../prometheus.js';
import { markFlaky, updateQuarantine } from './flaky.js';

/** Rows per bulk statement. */
export const CHUNK = 10_000;

export const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/** Creates the day's partition of tests_results when missing (idempotent; concurrent hubs race safely). */
export async function ensurePartition(db: TestsDb, day: string): Promise<void> {
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
export async function dropOldPartitions(db: TestsDb, cutoff: Date, dryRun = false): Promise<string[]> {
  const before = dayOf(cutoff).replace(/-/g, '');
  const parts = await sql<{
    relname: string;
  }>`select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent where p.relname = 'tests_results'`.execute(
    db,
  );
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
async function upsertIds(
  db: TestsDb,
  repo: string,
  batch: TestCase[],
  typeOf: (c: TestCase) => string,
  red: (s: string) => string,
): Promise<Map<string, number>> {
  const ids = new Map<string, TestCase>();
  for (const c of batch) if (!ids.has(c.id)) ids.set(c.id, c);
  const redactedOf = new Map<string, string>();
  const rows = [...ids.values()].map((c) => {
    const rid = red(c.id);
    redactedOf.set(c.id, rid);
    return {
      repo,
      test_id: rid,
      suite: c.suite === null ? null : red(c.suite),
      classname: c.classname === null ? null : red(c.classname),
      name: red(c.name),
      file: c.file ? red(c.file) : null,
      suite_type: typeOf(c),
    };
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
    .where(
      'test_id',
      '=',
      anyOf(
        rows.map((r) => r.test_id),
        'text',
      ),
    )
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
  constructor(
    dir: string,
    private readonly size = CHUNK,
  ) {
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
    const dup = await db
      .selectFrom('tests_reports')
      .selectAll()
      .where('run_id', '=', input.run_id)
      .where('idempotency_key', '=', input.idempotencyKey)
      .executeTakeFirst();
    if (dup) {
      const r = await db.selectFrom('runs').select('flakiness_index').where('run_id', '=', input.run_id).executeTakeFirst();
      return {
        report_id: dup.report_id,
        run_id: dup.run_id,
        duplicate: true,
        format: dup.format,
        tests: dup.tests,
        passed: dup.passed,
        failed: dup.failed,
        errored: dup.errored,
        skipped: dup.skipped,
        flakiness_index: r?.flakiness_index ?? null,
        quarantined: [],
        released: [],
      };
    }
  }
  const day = dayOf(new Date(run.started_at));
  await ensurePartition(db, day);
  const types = compileSuiteTypes(cfg.suiteTypes);
  const red = (s: string) => ctx.redactor.apply(s);

  const s = input.summary;
  const report_id = randomUUID();
  const failing = new Set<number>();
  const seen = new Set<number>();
  let executions = 0;
  await db.transaction().execute(async (t) => {
    const trx = t as unknown as TestsDb;
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
      const keyOf = await upsertIds(trx, input.repo, batch, (c) => suiteTypeOf(c, types, cfg.defaultSuiteType), red);
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
      if (msgRows.length)
        await unnestInsert(
          'tests_messages',
          [
            { name: 'repo', type: 'text' },
            { name: 'message_hash', type: 'text' },
            { name: 'message', type: 'text' },
          ],
          msgRows,
          sql`on conflict do nothing`,
        ).execute(trx);
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
  const { quarantined, released } = await updateQuarantine(ctx, cfg, input.repo, failingKeys, newlyFlaky, allKeys, run.branch);
  const fi = await db.selectFrom('runs').select('flakiness_index').where('run_id', '=', input.run_id).executeTakeFirst();
  return {
    report_id,
    run_id: input.run_id,
    duplicate: false,
    format: s.format,
    tests: s.tests,
    passed: s.passed,
    failed: s.failed,
    errored: s.errored,
    skipped: s.skipped,
    flakiness_index: fi?.flakiness_index ?? null,
    quarantined,
    released,
  };
}

/**
 * The run's `tests` object when no record gave one (a stub run from an upload): the sums over its
 * reports. A row from a pipeline_run record is the producer's word and is left alone.
 */
async function upsertSummary(db: TestsDb, runId: string): Promise<void> {
  const t = await db
    .selectFrom('tests_reports')
    .select([
      sql<number>`sum(tests)::int`.as('tests'),
      sql<number>`sum(failed + errored)::int`.as('failed'),
      sql<number>`sum(skipped)::int`.as('skipped'),
      sql<number>`coalesce(sum(duration_ms), 0)::bigint`.as('duration_ms'),
    ])
    .where('run_id', '=', runId)
    .executeTakeFirstOrThrow();
  const runRow = await db.selectFrom('runs').select('source').where('run_id', '=', runId).executeTakeFirst();
  const existing = await db.selectFrom('test_summaries').select('run_id').where('run_id', '=', runId).executeTakeFirst();
  if (existing && runRow?.source !== 'agent') return;
  if (existing) {
    await db
      .updateTable('test_summaries')
      .set({ total: t.tests, failed: t.failed, skipped: t.skipped, duration_ms: Number(t.duration_ms) })
      .where('run_id', '=', runId)
      .execute();
    return;
  }
  await db
    .insertInto('test_summaries')
    .values({
      run_id: runId,
      total: t.tests,
      failed: t.failed,
      skipped: t.skipped,
      duration_ms: Number(t.duration_ms),
      coverage_lines: null,
      coverage_branches: null,
      coverage_statements: null,
      mutants_total: 0,
      killed: 0,
      equiv: 0,
      timeout: 0,
      resilience_score: 0,
      delta_vs_main: null,
      equivalent_mutants_dropped: null,
    })
    .execute();
}
