// Retention (seed 000 "DR, idempotency, and retention"): raw logs 30 days, NDJSON records 180
// days, derived tables ("marts") 400 days — each configurable (`retention:` in ci-intel.yml).
// Derived rows outlive the raw record, so prune never breaks a query: a run whose record is gone
// still lists and opens (its `record` is null), and raw data goes before the rows built from it.
// Core prunes its own tables and blobs; each pillar prunes its own tables through its `retention`
// hook (the pillar contract), given the same cutoffs.
import { sql, type Kysely } from 'kysely';
import type { CoreTables } from './db/schema.js';
import { anyOf, deleteInBatches } from './db/index.js';
import type { HubContext, Pillar, RetentionCutoffs } from './registry.js';
import { pruneRunTables, unlinkRecords } from './runs/write.js';

const DAY = 86_400_000;
/** Plumbing rows (delivered outbox events, idempotency keys) are kept this long. */
const PLUMBING_DAYS = 7;
const PRUNE_LOCK = 71_311_301; // pg_advisory lock key: one hub prunes at a time

/** What was (or would be) deleted, by kind: core's kinds plus those the pillars' hooks report. */
export type PruneCounts = Record<string, number>;

export interface PruneResult {
  dry_run: boolean;
  cutoffs: { raw_logs: string; records: string; derived: string };
  counts: PruneCounts;
}

type Ctx = HubContext & { pillars: Pillar[] };
type Db = Kysely<CoreTables>;

/** `records/YYYY/MM/DD/...` (ingest batches, DESIGN.md D2) -> that day, UTC. */
function recordDay(key: string): Date | null {
  const m = /^records\/(\d{4})\/(\d{2})\/(\d{2})\//.exec(key);
  return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
}

async function count(db: Db, table: string, where: ReturnType<typeof sql>): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int8 as n from ${sql.table(table)} where ${where}`.execute(db);
  return Number(r.rows[0]!.n);
}

export async function prune(ctx: Ctx, opts: { dryRun?: boolean; now: Date }): Promise<PruneResult> {
  const r = ctx.config.retention;
  const now = opts.now.getTime();
  const rawCut = new Date(now - r.rawLogsDays * DAY);
  const recCut = new Date(now - r.recordsDays * DAY);
  const derivedCut = new Date(now - r.derivedDays * DAY);
  const plumbingCut = new Date(now - PLUMBING_DAYS * DAY);
  const db: Db = ctx.db;
  const dry = Boolean(opts.dryRun);
  const counts: PruneCounts = { raw_log_blobs: 0, record_blobs: 0, runs_record_unlinked: 0 };
  const cutoffs: RetentionCutoffs = { rawLogs: rawCut, records: recCut, derived: derivedCut, plumbing: plumbingCut };

  // Raw logs: blobs under logs/ (the convention for pillars storing job logs), by age.
  for await (const b of ctx.blob.list('logs/')) {
    if (b.modified >= rawCut) continue;
    counts.raw_log_blobs++;
    if (!dry) await ctx.blob.delete(b.key);
  }

  // Records as sent: unlink the runs first, then delete the batch objects.
  const oldBatches: string[] = [];
  for await (const b of ctx.blob.list('records/')) {
    const day = recordDay(b.key);
    if (day && day.getTime() + DAY <= recCut.getTime()) oldBatches.push(b.key);
  }
  counts.record_blobs = oldBatches.length;
  for (let i = 0; i < oldBatches.length; i += 1000) {
    const keys = oldBatches.slice(i, i + 1000);
    if (dry) counts.runs_record_unlinked += await count(db, 'runs', sql`record_key = ${anyOf(keys, 'text')}`);
    else {
      counts.runs_record_unlinked += await unlinkRecords(db, keys);
      for (const k of keys) await ctx.blob.delete(k);
    }
  }
  // The pillars' own tables, before the runs their rows may point to.
  for (const p of ctx.pillars) {
    if (!p.retention) continue;
    for (const [k, n] of Object.entries(await p.retention(ctx, { cutoffs, dryRun: dry }))) counts[k] = (counts[k] ?? 0) + n;
  }
  const loadsOld = sql`received_at < ${recCut}`;
  // Derived rows: 400 days.
  const outboxOld = sql`dispatched_at < ${plumbingCut}`;
  const keysOld = sql`created_at < ${plumbingCut}`;
  if (dry) {
    counts.ingest_loads = await count(db, 'ingest_loads', loadsOld);
    counts.outbox_events = await count(db, 'outbox', outboxOld);
    counts.idempotency_keys = await count(db, 'idempotency_keys', keysOld);
  } else {
    counts.ingest_loads = await deleteInBatches(db, 'ingest_loads', 'load_id', loadsOld);
    const events = await sql<{ event_id: string }>`delete from outbox where ${outboxOld} returning event_id`.execute(db);
    counts.outbox_events = events.rows.length;
    await sql`delete from outbox_done where done_at < ${plumbingCut}`.execute(db);
    counts.idempotency_keys = Number((await sql`delete from idempotency_keys where ${keysOld}`.execute(db)).numAffectedRows ?? 0);
  }
  // The run tables (derived rows, 400 days), by their writer.
  Object.assign(counts, await pruneRunTables(db, derivedCut, dry));
  return {
    dry_run: dry,
    // Sorted by kind, so the output is stable whatever pillars are registered.
    cutoffs: { raw_logs: rawCut.toISOString(), records: recCut.toISOString(), derived: derivedCut.toISOString() },
    counts: Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}

/**
 * Runs `fn` holding the prune lock: on PostgreSQL several hubs share the store and only one should
 * prune; PGlite has a single process. Returns null when another hub holds the lock.
 */
export async function withPruneLock<T>(ctx: Pick<HubContext, 'store' | 'db'>, fn: () => Promise<T>): Promise<T | null> {
  if (ctx.store.kind !== 'postgres') return fn();
  return ctx.db.connection().execute(async (conn) => {
    const got = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${PRUNE_LOCK}) as ok`.execute(conn);
    if (!got.rows[0]?.ok) return null;
    try {
      return await fn();
    } finally {
      await sql`select pg_advisory_unlock(${PRUNE_LOCK})`.execute(conn);
    }
  });
}

/** The daily job under `serve`: first run a minute after start, then every 24 hours. */
export function dailyPrune(ctx: Ctx, opts: { firstDelayMs?: number; everyMs?: number } = {}): () => Promise<void> {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const run = () => {
    if (stopped || running) return;
    running = withPruneLock(ctx, () => prune(ctx, { now: ctx.now() }))
      .then((res) => res && ctx.log.info({ retention: res }, 'retention: pruned'))
      .catch((e) => ctx.log.error({ err: e }, 'retention: prune failed; will retry at the next run'))
      .finally(() => (running = null));
  };
  const first = setTimeout(run, opts.firstDelayMs ?? 60_000);
  const every = setInterval(run, opts.everyMs ?? DAY);
  first.unref();
  every.unref();
  return async () => {
    stopped = true;
    clearTimeout(first);
    clearInterval(every);
    if (running) await running;
  };
}
