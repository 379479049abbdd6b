// The JetStream bus against a real nats-server and a real PostgreSQL (it runs only with PostgreSQL:
// PGlite is one process, and sharing work between processes is the bus's reason to exist).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { openStore, type Store } from '../db/index.js';
import { migrate } from '../db/migrate.js';
import { coreMigrations } from '../db/schema.js';
import { enqueue, type BusEvent, type Subscription } from './index.js';
import { JetStreamBus, durableName } from './jetstream.js';
import { freshPostgresDb, pgAvailable } from '../../../test/support/stores.js';
import { natsSkipReason, startNats, type RunningNats } from '../../../test/support/nats.js';

const skip = !pgAvailable() || natsSkipReason() !== null;

describe.skipIf(skip)('JetStream bus [postgres + nats-server]', () => {
  let nats: RunningNats;
  let store: Store;
  const buses: JetStreamBus[] = [];
  beforeAll(async () => {
    nats = await startNats();
    store = await openStore(await freshPostgresDb());
    await migrate(store.db, coreMigrations, 'postgres');
  });
  // One store has one stream in real use: a bus left running would publish the next test's rows
  // into its own stream, so each test closes its buses.
  afterEach(async () => {
    for (const b of buses.splice(0)) await b.close();
  });
  afterAll(async () => {
    await store?.close();
    await nats?.stop();
  });

  const bus = (stream: string, ackWaitMs = 1000) => {
    const b = new JetStreamBus(store.db, nats.url, undefined, { stream, ackWaitMs });
    buses.push(b);
    return b;
  };
  const recorder = (consumer: string, type: string, seen: string[], fail?: (e: BusEvent) => boolean): Subscription => ({
    consumer,
    types: [type],
    async handle(e) {
      if (fail?.(e)) throw new Error(`refusing ${e.id} once`);
      seen.push(e.id);
    },
  });
  const emit = async (type: string, n: number) =>
    (
      await store.db.transaction().execute((trx) =>
        enqueue(
          trx,
          Array.from({ length: n }, (_, i) => ({ type, kind: `k${i}` })),
        ),
      )
    ).map((e) => e.id);

  it('replays events committed before start, delivers new ones, and marks them dispatched', async () => {
    const seen: string[] = [];
    const b = bus('T1');
    b.subscribe(recorder('t1.rec', 't1.event', seen));
    const early = await emit('t1.event', 20);
    await b.start();
    const late = await emit('t1.event', 30);
    b.notify();
    await b.drain(20_000);
    expect([...seen].sort()).toEqual([...early, ...late].sort());
    const pending = await store.db.selectFrom('outbox').select('id').where('dispatched_at', 'is', null).where('type', '=', 't1.event').execute();
    expect(pending).toEqual([]);
    const done = await store.db.selectFrom('outbox_done').select('event_id').where('consumer', '=', 't1.rec').execute();
    expect(done).toHaveLength(50);
  });

  it('two buses on one store share a consumer: N events handled exactly N times between them', async () => {
    const a: string[] = [];
    const c: string[] = [];
    const slow = (seen: string[]): Subscription => ({
      consumer: 't2.rec',
      types: ['t2.event'],
      async handle(e) {
        await new Promise((r) => setTimeout(r, 2));
        seen.push(e.id);
      },
    });
    const b1 = bus('T2');
    const b2 = bus('T2');
    b1.subscribe(slow(a));
    b2.subscribe(slow(c));
    await b1.start();
    await b2.start();
    const ids = await emit('t2.event', 300);
    b1.notify();
    b2.notify();
    await b1.drain(60_000);
    await b2.drain(60_000);
    expect([...a, ...c].sort()).toEqual([...ids].sort());
    expect(a.length).toBeGreaterThan(0);
    expect(c.length).toBeGreaterThan(0);
  });

  it('retries a failing handler with backoff until it succeeds, recording the error', async () => {
    const seen: string[] = [];
    const failed = new Set<string>();
    const b = bus('T3');
    b.subscribe(recorder('t3.rec', 't3.event', seen, (e) => (failed.has(e.id) ? false : (failed.add(e.id), true))));
    await b.start();
    const ids = await emit('t3.event', 3);
    b.notify();
    await b.drain(20_000);
    expect([...seen].sort()).toEqual([...ids].sort());
    const rows = await store.db.selectFrom('outbox').select(['attempts', 'last_error']).where('event_id', 'in', ids).execute();
    for (const r of rows) expect([r.attempts, r.last_error]).toEqual([1, expect.stringMatching(/^refusing /)]);
  });

  it('an event published but not marked dispatched (a publisher that died) is delivered once', async () => {
    const [id] = await emit('t4.event', 1);
    // The dead publisher's publish: same Nats-Msg-Id, row left undispatched.
    const nc = await connect({ servers: nats.url });
    const seen: string[] = [];
    const b = bus('T4');
    b.subscribe(recorder('t4.rec', 't4.event', seen));
    await b.start(); // creates the stream, then republishes the row: JetStream drops the duplicate
    await jetstream(nc).publish('t4.events.t4.event', JSON.stringify({ id, type: 't4.event' }), { msgID: id });
    b.notify();
    await b.drain(20_000);
    await nc.close();
    expect(seen).toEqual([id]);
  });

  it('names durable consumers the way NATS allows', () => {
    expect(durableName('sources.webhooks')).toBe('sources_webhooks');
  });

  it('says what to do when NATS is not there', async () => {
    const b = new JetStreamBus(store.db, 'nats://127.0.0.1:1', undefined, { stream: 'T5' });
    await expect(b.start()).rejects.toThrow(/cannot connect to NATS at nats:\/\/127\.0\.0\.1:1/);
  });
});
