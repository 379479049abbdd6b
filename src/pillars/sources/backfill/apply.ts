// Applies one backfilled run (with its jobs) through the webhooks' upserts and counts what it
// changed: rows inserted, rows that existed and changed, so a second backfill says "0 new, 0
// updated" and a backfill after webhooks says how much the deliveries had missed.
import type { Kysely } from 'kysely';
import { enqueue } from '../../../core/bus/index.js';
import type { CoreTables } from '../../../core/db/schema.js';
import type { HubContext } from '../../../core/registry.js';
import { obj, type J, type Mapping } from '../model.js';
import { applyMapping } from '../store.js';
import type { SourcesTables } from '../tables.js';
import type { ProviderApi } from './api.js';

type Db = Kysely<CoreTables & SourcesTables>;

export interface BackfillCounts {
  runs_inserted: number;
  runs_updated: number;
  jobs_inserted: number;
  jobs_updated: number;
}

export interface BackfillResult extends BackfillCounts {
  repo: string;
  /** Runs (GitLab: pipelines) and jobs the API listed. */
  runs: number;
  jobs: number;
  requests: number;
}

/** A row as comparable text, without the bookkeeping timestamps an upsert touches anyway. */
function fingerprint(row: Record<string, unknown>): string {
  const { updated_at: _u, ingested_at: _i, ...rest } = row;
  return JSON.stringify(rest, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
}

async function snapshot(trx: Db, runIds: string[]) {
  const runs = await trx.selectFrom('runs').selectAll().where('run_id', 'in', runIds).execute();
  const jobs = await trx.selectFrom('jobs').selectAll().where('run_id', 'in', runIds).execute();
  return {
    runs: new Map(runs.map((r) => [r.run_id, fingerprint(r as unknown as Record<string, unknown>)])),
    jobs: new Map(jobs.map((j) => [`${j.run_id}\u0000${j.job_key}`, fingerprint(j as unknown as Record<string, unknown>)])),
  };
}

function tally(before: Map<string, string>, after: Map<string, string>): [inserted: number, updated: number] {
  let inserted = 0;
  let updated = 0;
  for (const [k, v] of after) {
    const was = before.get(k);
    if (was === undefined) inserted++;
    else if (was !== v) updated++;
  }
  return [inserted, updated];
}

/** Applies `m` in one transaction, enqueues its follow-up events, and adds what changed to `counts`. */
export async function applyBackfilled(ctx: Pick<HubContext, 'db' | 'bus'>, m: Mapping, counts: BackfillCounts): Promise<void> {
  const db = ctx.db as unknown as Db;
  const runIds = [...new Set([...m.runs.map((r) => r.run_id), ...m.jobs.map((j) => j.run_id)])];
  if (runIds.length === 0) return;
  const events = await db.transaction().execute(async (trx) => {
    const before = await snapshot(trx, runIds);
    const applied = await applyMapping(trx, m);
    await enqueue(trx as unknown as Kysely<CoreTables>, applied.events);
    const after = await snapshot(trx, runIds);
    const [ri, ru] = tally(before.runs, after.runs);
    const [ji, ju] = tally(before.jobs, after.jobs);
    counts.runs_inserted += ri;
    counts.runs_updated += ru;
    counts.jobs_inserted += ji;
    counts.jobs_updated += ju;
    return applied.events.length;
  });
  if (events) ctx.bus.notify();
}

/**
 * The loop both backfills run: each run the list URL yields is loaded in full (`load`: its jobs,
 * details) as a Mapping, applied in its own transaction and counted; stops after `limit` runs.
 */
export async function backfillRuns(
  ctx: Pick<HubContext, 'db' | 'bus'>,
  api: ProviderApi,
  o: { repo: string; limit?: number; onProgress?: (runs: number) => void },
  list: { url: string; items: (page: J | J[]) => unknown[] },
  load: (run: J) => Promise<{ mapping: Mapping; jobs: number }>,
): Promise<BackfillResult> {
  const out: BackfillResult = {
    repo: o.repo.toLowerCase(),
    runs: 0,
    jobs: 0,
    runs_inserted: 0,
    runs_updated: 0,
    jobs_inserted: 0,
    jobs_updated: 0,
    requests: 0,
  };
  for await (const item of api.list(list.url, list.items)) {
    const { mapping, jobs } = await load(obj(item));
    await applyBackfilled(ctx, mapping, out);
    out.runs++;
    out.jobs += jobs;
    o.onProgress?.(out.runs);
    if (o.limit !== undefined && out.runs >= o.limit) break;
  }
  out.requests = api.requests;
  return out;
}
