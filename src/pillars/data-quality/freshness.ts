// Ingest freshness (seed 000: "Ingest freshness P95 ≤ 5 minutes from workflow completion"): for
// every finished run the hub stores, how long after the workflow completed (the run's ended_at)
// its row was stored (the row's updated_at), by the path it came by — `upload` (records sent to
// POST /api/v1/runs: `ingest --hub`, the agent, curl), `ndjson` (a file loaded straight into the
// store: `ci-intel ingest FILE`, the demo; both one runs.loaded event per batch, its kind telling
// them apart) or `webhook` (a provider's completed-run event, run.ingested). One row per run and source in dq_ingest_latency (an event delivered twice writes
// it once). P50/P95 per source over the last day go to /metrics and the Data quality page, beside
// the configured goal.
import { sql } from 'kysely';
import { RUN_INGESTED, RUNS_LOADED, type Subscription } from '../../core/bus/index.js';
import type { HubContext } from '../../core/registry.js';
import { dqdb, type DqDb } from './tables.js';

export interface SourceLatency {
  source: string;
  runs: number;
  p50_seconds: number;
  p95_seconds: number;
  goal_seconds: number;
  meets_goal: boolean;
}

/** The source an event's runs came by. */
const sourceOf = (type: string, kind: string | null) => (type === RUNS_LOADED ? (kind === 'upload' ? 'upload' : 'ndjson') : 'webhook');

export function freshnessSubscription(ctx: HubContext): Subscription {
  return {
    consumer: 'data-quality.freshness',
    types: [RUN_INGESTED, RUNS_LOADED],
    async handle(event) {
      const db = dqdb(ctx);
      let q = db.selectFrom('runs').select(['run_id', 'ended_at', 'updated_at']).where('ended_at', 'is not', null);
      if (event.type === RUNS_LOADED) {
        if (!event.object_key) return;
        q = q.where('record_key', '=', event.object_key);
      } else {
        if (!event.run_id) return;
        q = q.where('run_id', '=', event.run_id);
      }
      const rows = await q.execute();
      if (!rows.length) return;
      const source = sourceOf(event.type, event.kind ?? null);
      await db
        .insertInto('dq_ingest_latency')
        .values(
          rows.map((r) => {
            const completed = new Date(r.ended_at!);
            const stored = new Date(r.updated_at);
            return { run_id: r.run_id, source, completed_at: completed, stored_at: stored, latency_ms: Math.max(0, stored.getTime() - completed.getTime()) };
          }),
        )
        .onConflict((oc) => oc.columns(['run_id', 'source']).doNothing())
        .execute();
    },
  };
}

/** P50 and P95 of the latency per source, over the runs stored in the day before `now`, sorted by source. */
export async function latencyBySource(db: DqDb, now: Date, goalSeconds: number): Promise<SourceLatency[]> {
  const since = new Date(now.getTime() - 86_400_000);
  const rows = await sql<{ source: string; runs: number | string; p50: number | string; p95: number | string }>`
    select source, count(*) as runs,
      percentile_cont(0.5) within group (order by latency_ms) as p50,
      percentile_cont(0.95) within group (order by latency_ms) as p95
    from dq_ingest_latency where stored_at > ${since} and stored_at <= ${now}
    group by source order by source`.execute(db);
  return rows.rows.map((r) => {
    const p95 = Number(r.p95) / 1000;
    return {
      source: r.source,
      runs: Number(r.runs),
      p50_seconds: Number(r.p50) / 1000,
      p95_seconds: p95,
      goal_seconds: goalSeconds,
      meets_goal: p95 <= goalSeconds,
    };
  });
}
