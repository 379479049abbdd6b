// Cache events (seed 000 pillar 8: "Emits cache_events"; seed 000 "Cache integrity": "emit
// cache_quarantine events"): hit, miss, put, quarantine, evict. Standalone they go to the storage
// folder's journal (events/YYYY-MM-DD.ndjson); inside the hub also to the `cache_events` table.
// Both sinks buffer and flush in batches: one row or fsync per request would cap the cache near
// the ~500 rows/s a single-row commit does (MEASURED.md).
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { unnestInsert } from '../../core/db/index.js';
import type { Protocol } from './keys.js';
import { dayOf, type CacheBackend } from './storage/index.js';

export const EVENT_KINDS = ['hit', 'miss', 'put', 'quarantine', 'evict'] as const;

export type CacheEventKind = (typeof EVENT_KINDS)[number];

export interface CacheEvent {
  at: Date;
  kind: CacheEventKind;
  protocol: Protocol;
  namespace: string;
  key: string;
  digest: string | null;
  bytes: number;
  /** quarantine: digest_mismatch | size_mismatch | signature_invalid | manifest_corrupt; evict: ttl | lru | orphan. */
  reason: string | null;
  /**
   * How long the task that produced the artifact took, as its client reported it (turbo's
   * `x-artifact-duration`): on a hit the build time saved, on a put the build time spent because
   * the cache did not have it. Null when the client reports none.
   */
  task_ms?: number | null;
}

export interface EventSink {
  record(e: CacheEvent): void;
  flush(): Promise<void>;
}

export function eventToJson(e: CacheEvent): Record<string, unknown> {
  return {
    at: e.at.toISOString(),
    kind: e.kind,
    protocol: e.protocol,
    namespace: e.namespace,
    key: e.key,
    digest: e.digest,
    bytes: e.bytes,
    reason: e.reason,
    ...(e.task_ms != null ? { task_ms: e.task_ms } : {}),
  };
}

export function eventFromJson(o: Record<string, unknown>): CacheEvent | null {
  if (typeof o.at !== 'string' || !EVENT_KINDS.includes(o.kind as CacheEventKind)) return null;
  const at = new Date(o.at);
  if (!Number.isFinite(at.getTime())) return null;
  return {
    at,
    kind: o.kind as CacheEventKind,
    protocol: o.protocol as Protocol,
    namespace: String(o.namespace ?? ''),
    key: String(o.key ?? ''),
    digest: typeof o.digest === 'string' ? o.digest : null,
    bytes: Number(o.bytes) || 0,
    reason: typeof o.reason === 'string' ? o.reason : null,
    task_ms: typeof o.task_ms === 'number' && Number.isFinite(o.task_ms) && o.task_ms >= 0 ? o.task_ms : null,
  };
}

/** Buffers events and flushes them in batches (every `intervalMs` or `batch` events). */
abstract class BufferedSink implements EventSink {
  private buf: CacheEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    protected readonly log: Logger | null,
    private readonly intervalMs = 1000,
    private readonly batch = 2000,
  ) {}

  record(e: CacheEvent): void {
    this.buf.push(e);
    if (this.buf.length >= this.batch) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.buf;
    this.buf = [];
    // Serialize flushes so the journal keeps event order.
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.write(batch);
      } catch (e) {
        this.log?.error({ err: e, events: batch.length }, 'cache: could not record events');
      }
    });
    return this.flushing;
  }

  protected abstract write(batch: CacheEvent[]): Promise<void>;
}

/** The storage folder's journal: one NDJSON file per UTC day. */
export class JournalSink extends BufferedSink {
  constructor(
    private readonly backend: CacheBackend,
    log: Logger | null,
  ) {
    super(log);
  }

  protected async write(batch: CacheEvent[]): Promise<void> {
    const byDay = new Map<string, string[]>();
    for (const e of batch) {
      const d = dayOf(e.at);
      let l = byDay.get(d);
      if (!l) byDay.set(d, (l = []));
      l.push(JSON.stringify(eventToJson(e)));
    }
    for (const [day, lines] of byDay) await this.backend.appendEvents(day, lines.join('\n') + '\n');
  }
}

export const EVENT_COLUMNS = [
  { name: 'at', type: 'timestamptz' },
  { name: 'kind', type: 'text' },
  { name: 'protocol', type: 'text' },
  { name: 'namespace', type: 'text' },
  { name: 'key', type: 'text' },
  { name: 'digest', type: 'text' },
  { name: 'bytes', type: 'int8' },
  { name: 'reason', type: 'text' },
  { name: 'task_ms', type: 'int8' },
];

/** The hub's `cache_events` table (array-batched inserts). */
export class DbSink extends BufferedSink {
  constructor(
    // any hub store: the table is ours
    private readonly db: Kysely<any>,
    log: Logger | null,
  ) {
    super(log);
  }

  protected async write(batch: CacheEvent[]): Promise<void> {
    await unnestInsert(
      'cache_events',
      EVENT_COLUMNS,
      batch.map((e) => ({ ...e, task_ms: e.task_ms ?? null })),
    ).execute(this.db);
  }
}

/** Fans out to several sinks. */
export class TeeSink implements EventSink {
  constructor(private readonly sinks: EventSink[]) {}
  record(e: CacheEvent): void {
    for (const s of this.sinks) s.record(e);
  }
  async flush(): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.flush()));
  }
}
