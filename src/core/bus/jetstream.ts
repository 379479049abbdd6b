// The NATS JetStream bus (sources issue item 6; DESIGN.md "event bus at scale"): several hub
// processes on one PostgreSQL share the work. Same contract as the memory bus:
// - Producers still only write outbox rows in their transaction (`enqueue`). A publisher claims
//   committed, unpublished rows (`for update skip locked`, so two hubs never claim the same row),
//   publishes each with Nats-Msg-Id = event id (JetStream drops a re-publish inside its duplicate
//   window: a hub that died after publishing but before marking the row costs nothing), and marks
//   them dispatched. At start, and every few seconds, it sweeps rows another process left behind.
// - Each subscription is a durable pull consumer; the hubs running it share its messages. A
//   message is acked after the handler succeeded and its completion was recorded in outbox_done;
//   a hub killed mid-message never acks, so JetStream redelivers the message after `ack_wait` to a
//   hub still running, and outbox_done makes a redelivery of finished work a no-op. Handlers stay
//   idempotent (a handler whose hub died before outbox_done committed runs again).
// Settings (config: natsUrl, natsStream, natsAckWaitMs): NATS_URL; CI_INTEL_NATS_STREAM (default
// CI_INTEL); CI_INTEL_NATS_ACK_WAIT_MS (30000).
import os from 'node:os';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { CoreTables } from '../db/schema.js';
import { anyOf } from '../db/index.js';
import { CiError } from '../errors.js';
import type { BusEvent, EventBus, Subscription } from './index.js';

const NANOS_PER_MS = 1_000_000;
const DAY_MS = 86_400_000;
const PUBLISH_BATCH = 500;
const SWEEP_MS = 2_000;
const MAX_BACKOFF_MS = 60_000;

export interface JetStreamOptions {
  stream?: string;
  ackWaitMs?: number;
  /** How long the stream keeps messages (a consumer created later catches up within it). */
  maxAgeMs?: number;
}

/** Durable names may not contain `.`, `*`, `>` or whitespace. */
export function durableName(consumer: string): string {
  return consumer.replace(/[^A-Za-z0-9_-]/g, '_');
}

interface Running {
  sub: Subscription;
  durable: string;
  messages: ConsumerMessages | null;
  loop: Promise<void> | null;
}

export class JetStreamBus implements EventBus {
  readonly kind = 'jetstream' as const;
  private readonly stream: string;
  private readonly subject: string;
  private readonly ackWaitMs: number;
  private readonly maxAgeMs: number;
  private readonly subs: Running[] = [];
  private nc: NatsConnection | null = null;
  private js: JetStreamClient | null = null;
  private jsm: JetStreamManager | null = null;
  private closed = false;
  private publishing: Promise<void> | null = null;
  private publishAgain = false;
  private sweep: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly db: Kysely<CoreTables>,
    private readonly url: string,
    private readonly log?: Logger,
    opts: JetStreamOptions = {},
  ) {
    this.stream = opts.stream ?? 'CI_INTEL';
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(this.stream)) {
      throw new CiError('E_CONFIG_INVALID', `stream name ${JSON.stringify(this.stream)} is invalid`, {
        where: 'CI_INTEL_NATS_STREAM',
        hint: 'letters, digits, _ and - only',
      });
    }
    this.subject = `${this.stream.toLowerCase()}.events`;
    this.ackWaitMs = opts.ackWaitMs ?? 30_000;
    this.maxAgeMs = opts.maxAgeMs ?? 7 * DAY_MS;
  }

  subscribe(sub: Subscription): void {
    if (this.subs.some((s) => s.sub.consumer === sub.consumer)) throw new Error(`duplicate consumer ${sub.consumer}`);
    this.subs.push({ sub, durable: durableName(sub.consumer), messages: null, loop: null });
  }

  async start(): Promise<void> {
    try {
      this.nc = await connect({ servers: this.url, name: `ci-intel ${os.hostname()}:${process.pid}`, maxReconnectAttempts: -1 });
    } catch (e) {
      throw new CiError('E_CONFIG_INVALID', `cannot connect to NATS at ${this.url}: ${(e as Error).message}`, {
        where: 'NATS_URL',
        hint: 'start nats-server with JetStream enabled (nats-server -js), or unset NATS_URL to use the in-process bus',
        cause: e,
      });
    }
    this.jsm = await jetstreamManager(this.nc);
    this.js = jetstream(this.nc);
    await this.ensureStream();
    for (const r of this.subs) await this.ensureConsumer(r);
    for (const r of this.subs) r.loop = this.consume(r);
    this.sweep = setInterval(() => this.notify(), SWEEP_MS);
    this.sweep.unref();
    this.notify(); // replay what is pending from before this start
  }

  private async ensureStream(): Promise<void> {
    const cfg = {
      name: this.stream,
      subjects: [`${this.subject}.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: this.maxAgeMs * NANOS_PER_MS,
      duplicate_window: 120_000 * NANOS_PER_MS,
    };
    try {
      await this.jsm!.streams.info(this.stream);
    } catch {
      try {
        await this.jsm!.streams.add(cfg);
      } catch (e) {
        // Another hub created it in between; anything else is a real problem.
        await this.jsm!.streams.info(this.stream).catch(() => {
          throw new CiError('E_CONFIG_INVALID', `cannot create the JetStream stream ${this.stream}: ${(e as Error).message}`, {
            where: 'NATS_URL',
            hint: 'is JetStream enabled on the server (nats-server -js)?',
            cause: e,
          });
        });
      }
    }
  }

  private async ensureConsumer(r: Running): Promise<void> {
    const types = r.sub.types;
    const cfg = {
      durable_name: r.durable,
      ack_policy: AckPolicy.Explicit,
      ack_wait: this.ackWaitMs * NANOS_PER_MS,
      max_deliver: -1,
      deliver_policy: DeliverPolicy.All,
      // One type: the server filters. Several (or `*`): all events, the others acked unread.
      ...(types.length === 1 && types[0] !== '*' ? { filter_subject: `${this.subject}.${types[0]}` } : {}),
    };
    try {
      const info = await this.jsm!.consumers.info(this.stream, r.durable);
      if (info.config.ack_wait !== cfg.ack_wait) await this.jsm!.consumers.update(this.stream, r.durable, { ack_wait: cfg.ack_wait });
    } catch {
      try {
        await this.jsm!.consumers.add(this.stream, cfg);
      } catch {
        await this.jsm!.consumers.info(this.stream, r.durable); // created by another hub meanwhile
      }
    }
  }

  private async consume(r: Running): Promise<void> {
    while (!this.closed) {
      try {
        const consumer = await this.js!.consumers.get(this.stream, r.durable);
        // Few buffered messages: a message waiting in this hub's buffer ages towards ack_wait unheard.
        r.messages = await consumer.consume({ max_messages: 8 });
        for await (const m of r.messages) {
          const p = this.handle(r, m);
          this.inFlight.add(p);
          await p.finally(() => this.inFlight.delete(p));
          if (this.closed) break;
        }
      } catch (e) {
        if (this.closed) return;
        this.log?.warn({ err: e, consumer: r.sub.consumer }, 'JetStream consumer stopped; restarting');
        await new Promise((res) => setTimeout(res, 1000));
      }
    }
  }

  private async handle(r: Running, m: JsMsg): Promise<void> {
    let event: BusEvent;
    try {
      event = m.json<BusEvent>();
    } catch {
      m.term('not a ci-intel event');
      return;
    }
    if (!r.sub.types.includes(event.type) && !r.sub.types.includes('*')) {
      m.ack();
      return;
    }
    if (m.info.deliveryCount > 1) {
      this.log?.info({ eventId: event.id, consumer: r.sub.consumer, deliveries: m.info.deliveryCount }, 'redelivered event');
    }
    // Long handlers tell the server they are alive, so ack_wait only ends for a hub that died.
    const alive = setInterval(() => m.working(), Math.max(250, Math.floor(this.ackWaitMs / 3)));
    try {
      // A message can be redelivered to another hub while the first is still on it (a slow
      // handler, a paused process). An advisory lock per (consumer, event) held for the handler's
      // duration makes the second wait, then find the event done: one completion, not two.
      await this.db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(hashtextextended(${`${r.sub.consumer}:${event.id}`}, 0))`.execute(trx);
        const done = await trx
          .selectFrom('outbox_done')
          .select('event_id')
          .where('consumer', '=', r.sub.consumer)
          .where('event_id', '=', event.id)
          .executeTakeFirst();
        if (done) return;
        await r.sub.handle(event);
        await trx
          .insertInto('outbox_done')
          .values({ consumer: r.sub.consumer, event_id: event.id })
          .onConflict((oc) => oc.doNothing())
          .execute();
      });
      m.ack();
    } catch (e) {
      const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(m.info.deliveryCount - 1, 16));
      this.log?.warn({ err: e, eventId: event.id, consumer: r.sub.consumer, deliveries: m.info.deliveryCount }, 'event handler failed; will retry');
      m.nak(delay);
      await this.db
        .updateTable('outbox')
        .set({ attempts: sql`attempts + 1` as never, last_error: String((e as Error)?.message ?? e).slice(0, 1000) })
        .where('event_id', '=', event.id)
        .execute()
        .catch(() => {});
    } finally {
      clearInterval(alive);
    }
  }

  notify(): void {
    if (!this.js || this.closed) return;
    if (this.publishing) {
      this.publishAgain = true;
      return;
    }
    this.publishing = this.publishPending()
      .catch((e) => this.log?.warn({ err: e }, 'publishing outbox events failed; will retry'))
      .finally(() => {
        this.publishing = null;
        if (this.publishAgain && !this.closed) {
          this.publishAgain = false;
          this.notify();
        }
      });
  }

  /** Publishes committed, unpublished outbox rows until none is left (rows other hubs hold are skipped). */
  private async publishPending(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      const n = await this.db.transaction().execute(async (trx) => {
        const rows = await trx
          .selectFrom('outbox')
          .select(['id', 'event_id', 'type', 'run_id', 'repo', 'kind', 'object_key'])
          .where('dispatched_at', 'is', null)
          .orderBy('id')
          .limit(PUBLISH_BATCH)
          .forUpdate()
          .skipLocked()
          .execute();
        if (rows.length === 0) return 0;
        await Promise.all(
          rows.map((row) => {
            const event: BusEvent = { id: row.event_id, type: row.type, run_id: row.run_id, repo: row.repo, kind: row.kind, object_key: row.object_key };
            return this.js!.publish(`${this.subject}.${row.type}`, JSON.stringify(event), { msgID: row.event_id });
          }),
        );
        await trx
          .updateTable('outbox')
          .set({ dispatched_at: sql`now()` as never })
          .where(
            'id',
            '=',
            anyOf<number>(
              rows.map((r) => r.id),
              'int8',
            ),
          )
          .execute();
        return rows.length;
      });
      if (n < PUBLISH_BATCH) return;
    }
  }

  async drain(timeoutMs = 30_000): Promise<void> {
    if (!this.jsm) throw new Error('the bus is not started: nothing would deliver the pending events');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.notify();
      if (this.publishing) await this.publishing;
      const pending = await this.db
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('dispatched_at', 'is', null)
        .executeTakeFirstOrThrow();
      let busy = Number(pending.n);
      for (const r of this.subs) {
        const info = await this.jsm.consumers.info(this.stream, r.durable);
        busy += info.num_pending + info.num_ack_pending;
      }
      if (busy === 0 && this.inFlight.size === 0) return;
      if (Date.now() > deadline) throw new Error(`bus drain timed out with ${busy} events pending`);
      await new Promise((res) => setTimeout(res, 25));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweep) clearInterval(this.sweep);
    for (const r of this.subs) r.messages?.stop();
    await Promise.allSettled([...this.inFlight]);
    if (this.publishing) await this.publishing.catch(() => {});
    await Promise.allSettled(this.subs.flatMap((r) => (r.loop ? [r.loop] : [])));
    await this.nc?.drain().catch(() => {});
  }
}
