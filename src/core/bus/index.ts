// The event bus seam (DESIGN.md "Data flow", "Durable before acknowledged"). Producers never
// publish directly: they write an outbox row in the same transaction as their data (`enqueue`),
// and the bus delivers committed outbox rows to subscribers — replaying undelivered rows at start,
// so a crash between the write and the event loses nothing. The memory bus runs in-process; the
// JetStream bus (sources issue) implements the same interface across processes.
import type { Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { CoreTables } from '../db/schema.js';
import { unnestInsert, type UnnestColumn } from '../db/index.js';

/** Event payload (DESIGN.md): `{id, type, run_id, repo, kind, object_key}`. */
export interface BusEvent {
  id: string;
  /** e.g. `run.ingested` (one run), `runs.loaded` (an NDJSON batch), `log.stored`, `tests.stored`, `webhook.received`. */
  type: string;
  run_id?: string | null;
  repo?: string | null;
  /** Sub-kind, e.g. the webhook event name or the report format. */
  kind?: string | null;
  /** Blob key of the object the event is about, when there is one. */
  object_key?: string | null;
}

/** One run finished or arrived (webhooks): `run_id` names it. */
export const RUN_INGESTED = 'run.ingested';
/**
 * An NDJSON ingest batch was stored: `object_key` is its record blob, and the batch's runs are the
 * rows of `runs` whose `record_key` is that key (a run re-ingested later belongs to the later batch).
 */
export const RUNS_LOADED = 'runs.loaded';
/**
 * An agent upload carried the pipeline's W3C `traceparent` (its TRACEPARENT): `run_id` names the
 * run, `object_key` is the traceparent. The traces pillar records it so the run's trace joins the
 * pipeline's own.
 */
export const RUN_TRACEPARENT = 'run.traceparent';
/**
 * Someone with write access asked (a `/ci-intel quarantine TEST` comment) to quarantine a test:
 * `repo` names the repository, `object_key` the test (its id or name), `kind` who asked.
 */
export const QUARANTINE_REQUESTED = 'tests.quarantine.requested';

/**
 * Someone with write access asked (a `/ci-intel override-budget` comment on a pull request) to let
 * it through the budget gate: `repo` names the repository, `kind` who asked, `object_key` the JSON
 * of `BudgetOverrideRequest`. The delivery pillar stores the override (source `chatops`).
 */
export const BUDGET_OVERRIDE_REQUESTED = 'delivery.budget-override.requested';
export interface BudgetOverrideRequest {
  pr: number;
  reason: string;
  requested_at: string;
  expires_at: string;
}

export interface Subscription {
  /** Durable consumer name, unique across pillars (e.g. `autopsy.logs`). */
  consumer: string;
  /** Event types to receive. */
  types: string[];
  /**
   * Handles one event. Must be idempotent: an event can be delivered again after a crash. Throwing
   * makes the bus retry later (with backoff); the event is not lost.
   */
  handle(event: BusEvent): Promise<void>;
}

export interface EventBus {
  readonly kind: 'memory' | 'jetstream';
  subscribe(sub: Subscription): void;
  /** Starts delivery; replays outbox rows not yet delivered. */
  start(): Promise<void>;
  /** Tells the bus that new outbox rows were committed (cheap; call after every commit that enqueued). */
  notify(): void;
  /** Resolves when every committed event so far has been handled (tests, graceful shutdown). */
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Writes events into the outbox inside the caller's transaction. */
const OUTBOX_COLUMNS: UnnestColumn[] = [
  { name: 'event_id', type: 'text' },
  { name: 'type', type: 'text' },
  { name: 'run_id', type: 'uuid' },
  { name: 'repo', type: 'text' },
  { name: 'kind', type: 'text' },
  { name: 'object_key', type: 'text' },
];

export async function enqueue(trx: Kysely<CoreTables>, events: Omit<BusEvent, 'id'>[] | Omit<BusEvent, 'id'>): Promise<BusEvent[]> {
  const list = Array.isArray(events) ? events : [events];
  if (list.length === 0) return [];
  const rows = list.map((e) => ({
    event_id: randomUUID(),
    type: e.type,
    run_id: e.run_id ?? null,
    repo: e.repo ?? null,
    kind: e.kind ?? null,
    object_key: e.object_key ?? null,
    dispatched_at: null,
    last_error: null,
  }));
  // One array parameter per column (unnest): a VALUES list would bind 6 parameters per event,
  // which PGlite serializes one by one (an ingest batch enqueues 1,000 events).
  await unnestInsert('outbox', OUTBOX_COLUMNS, rows).execute(trx);
  return rows.map((r) => ({ id: r.event_id, type: r.type, run_id: r.run_id, repo: r.repo, kind: r.kind, object_key: r.object_key }));
}
