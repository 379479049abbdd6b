// The in-process bus of the embedded default: delivers committed outbox rows to the subscribers
// of this process. Delivery per consumer is recorded in outbox_done, so a replay after a crash
// skips what a consumer already handled; a failing handler is retried with backoff.
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { CoreTables } from '../db/schema.js';
import { anyOf, unnestInsert, type UnnestColumn } from '../db/index.js';
import type { BusEvent, EventBus, Subscription } from './index.js';

const BATCH = 500;
const MAX_BACKOFF_MS = 60_000;
const DONE_COLUMNS: UnnestColumn[] = [
  { name: 'consumer', type: 'text' },
  { name: 'event_id', type: 'text' },
];

export class MemoryBus implements EventBus {
  readonly kind = 'memory' as const;
  private readonly subs: Subscription[] = [];
  private running = false;
  private closed = false;
  private pass: Promise<void> | null = null;
  private again = false;
  /** event_id -> earliest next attempt (ms), for events whose handler failed. */
  private readonly backoff = new Map<string, { at: number; failures: number }>();
  private timer: NodeJS.Timeout | null = null;
  /** Delivery passes failed in a row (the store unreachable): the retry waits longer each time. */
  private passFailures = 0;

  constructor(
    private readonly db: Kysely<CoreTables>,
    private readonly log?: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  subscribe(sub: Subscription): void {
    if (this.subs.some((s) => s.consumer === sub.consumer)) throw new Error(`duplicate consumer ${sub.consumer}`);
    this.subs.push(sub);
  }

  async start(): Promise<void> {
    this.running = true;
    this.notify();
  }

  notify(): void {
    if (!this.running || this.closed) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    this.pass = this.loop()
      .then(() => {
        this.passFailures = 0;
      })
      .catch((e: unknown) => {
        // The store is away (a restart, a full disk): nothing was marked delivered, so the events
        // stay in the outbox; try again later instead of taking the process down.
        this.passFailures++;
        const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** (this.passFailures - 1));
        this.log?.warn({ err: e, retry_in_ms: delay }, 'bus: delivering events failed; will retry');
        if (!this.timer && !this.closed) {
          this.timer = setTimeout(() => {
            this.timer = null;
            this.notify();
          }, delay);
          this.timer.unref();
        }
      })
      .finally(() => {
        this.pass = null;
        if (this.again && !this.closed) {
          this.again = false;
          this.notify();
        }
      });
  }

  async drain(timeoutMs = 30_000): Promise<void> {
    if (!this.running) throw new Error('the bus is not started: nothing would deliver the pending events');
    const deadline = this.now() + timeoutMs;
    for (;;) {
      if (this.pass) await this.pass;
      const pending = await this.db
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('dispatched_at', 'is', null)
        .executeTakeFirstOrThrow();
      if (Number(pending.n) === 0) return;
      if (this.now() > deadline) throw new Error(`bus drain timed out with ${pending.n} events pending`);
      this.notify();
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.pass) await this.pass.catch(() => {});
  }

  private async loop(): Promise<void> {
    let afterId = 0;
    for (;;) {
      if (this.closed) return;
      const rows = await this.db
        .selectFrom('outbox')
        .select(['id', 'event_id', 'type', 'run_id', 'repo', 'kind', 'object_key'])
        .where('dispatched_at', 'is', null)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(BATCH)
        .execute();
      if (rows.length === 0) return;
      afterId = Number(rows[rows.length - 1]!.id);
      await this.deliver(rows);
    }
  }

  private async deliver(rows: Array<{ id: number; event_id: string } & Omit<BusEvent, 'id'>>): Promise<void> {
    const ids = rows.map((r) => r.event_id);
    const done = new Set(
      (await this.db.selectFrom('outbox_done').select(['consumer', 'event_id']).where('event_id', '=', anyOf(ids, 'text')).execute()).map(
        (d) => `${d.consumer}\u0000${d.event_id}`,
      ),
    );
    const finished: string[] = [];
    // Deliveries are recorded once per batch, not per event (a statement per event cost PGlite ~1 ms
    // each on the ingest thread). A crash before the record re-delivers the batch's events, which
    // handlers must tolerate anyway (at-least-once).
    const handled: Array<{ consumer: string; event_id: string }> = [];
    for (const row of rows) {
      const b = this.backoff.get(row.event_id);
      if (b && b.at > this.now()) continue;
      const event: BusEvent = {
        id: row.event_id,
        type: row.type,
        run_id: row.run_id,
        repo: row.repo,
        kind: row.kind,
        object_key: row.object_key,
      };
      let ok = true;
      for (const sub of this.subs) {
        if (!sub.types.includes(row.type) && !sub.types.includes('*')) continue;
        if (done.has(`${sub.consumer}\u0000${row.event_id}`)) continue;
        try {
          await sub.handle(event);
          handled.push({ consumer: sub.consumer, event_id: row.event_id });
        } catch (e) {
          ok = false;
          this.fail(row.event_id, sub.consumer, e);
        }
      }
      if (ok) {
        finished.push(row.event_id);
        this.backoff.delete(row.event_id);
      }
    }
    if (handled.length) {
      await unnestInsert('outbox_done', DONE_COLUMNS, handled, sql`on conflict do nothing`).execute(this.db);
    }
    if (finished.length) {
      await this.db
        .updateTable('outbox')
        .set({ dispatched_at: sql`now()` as never })
        .where('event_id', '=', anyOf(finished, 'text'))
        .execute();
    }
  }

  private fail(eventId: string, consumer: string, e: unknown): void {
    const prev = this.backoff.get(eventId);
    const failures = (prev?.failures ?? 0) + 1;
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** (failures - 1));
    this.backoff.set(eventId, { at: this.now() + delay, failures });
    this.log?.warn({ err: e, eventId, consumer, failures }, 'event handler failed; will retry');
    void this.db
      .updateTable('outbox')
      .set({ attempts: sql`attempts + 1` as never, last_error: String((e as Error)?.message ?? e).slice(0, 1000) })
      .where('event_id', '=', eventId)
      .execute()
      .catch(() => {});
    if (!this.timer && !this.closed) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.notify();
      }, delay);
      this.timer.unref();
    }
  }
}
