import { expect, it } from 'vitest';
import { enqueue, type BusEvent } from './index.js';
import { MemoryBus } from './memory.js';
import { describeEachStore } from '../../../test/support/stores.js';

describeEachStore(
  'memory bus with transactional outbox',
  (get) => {
    it('delivers committed events to each subscriber once; nothing for rolled-back transactions', async () => {
      const { db } = get();
      const bus = new MemoryBus(db);
      const seenA: string[] = [];
      const seenB: string[] = [];
      bus.subscribe({ consumer: 'a', types: ['t.one'], handle: async (e) => void seenA.push(e.kind!) });
      bus.subscribe({ consumer: 'b', types: ['*'], handle: async (e) => void seenB.push(e.kind!) });
      await bus.start();
      await db.transaction().execute(async (trx) => {
        await enqueue(trx, [
          { type: 't.one', kind: '1' },
          { type: 't.two', kind: '2' },
        ]);
      });
      await db
        .transaction()
        .execute(async (trx) => {
          await enqueue(trx, { type: 't.one', kind: 'rolled-back' });
          throw new Error('abort');
        })
        .catch(() => {});
      bus.notify();
      await bus.drain(10_000);
      expect(seenA).toEqual(['1']);
      expect(seenB.sort()).toEqual(['1', '2']);
      await bus.close();
    });

    it('replays at start what a crashed process committed but never delivered, skipping what a consumer finished', async () => {
      const { db } = get();
      // Process 1 commits three events and "dies" before its bus delivers them (never started).
      await db.transaction().execute(async (trx) => {
        await enqueue(trx, [
          { type: 'r.x', kind: 'e1' },
          { type: 'r.x', kind: 'e2' },
          { type: 'r.x', kind: 'e3' },
        ]);
      });
      // ...but consumer "c" had already finished e1 (recorded in outbox_done) before the crash.
      const e1 = await db.selectFrom('outbox').select('event_id').where('kind', '=', 'e1').executeTakeFirstOrThrow();
      await db.insertInto('outbox_done').values({ consumer: 'c', event_id: e1.event_id }).execute();
      // Process 2 starts: its bus replays the outbox.
      const bus = new MemoryBus(db);
      const got: string[] = [];
      bus.subscribe({ consumer: 'c', types: ['r.x'], handle: async (e: BusEvent) => void got.push(e.kind!) });
      await bus.start();
      await bus.drain(10_000);
      expect(got.sort()).toEqual(['e2', 'e3']);
      await bus.close();
    });

    it('retries a failing handler with backoff and loses nothing', async () => {
      const { db } = get();
      const bus = new MemoryBus(db);
      let calls = 0;
      const done: string[] = [];
      bus.subscribe({
        consumer: 'flaky',
        types: ['f.x'],
        handle: async (e) => {
          calls++;
          if (calls < 3) throw new Error('transient');
          done.push(e.kind!);
        },
      });
      await bus.start();
      await db.transaction().execute((trx) => enqueue(trx, { type: 'f.x', kind: 'only' }).then(() => undefined));
      bus.notify();
      await bus.drain(20_000);
      expect(calls).toBe(3);
      expect(done).toEqual(['only']);
      const row = await db.selectFrom('outbox').select(['attempts', 'dispatched_at']).where('kind', '=', 'only').executeTakeFirstOrThrow();
      expect(row.attempts).toBe(2);
      expect(row.dispatched_at).not.toBeNull();
      await bus.close();
    });
  },
  { start: false },
); // the suite's own buses are the only ones delivering
