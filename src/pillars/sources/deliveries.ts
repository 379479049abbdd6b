// Durable before acknowledged (DESIGN.md): a delivery is stored, with its outbox event, before the
// webhook is answered. Deliveries arriving together share one transaction — group commit — so
// the hub pays one WAL flush for many deliveries instead of one each (MEASURED.md: single-row
// autocommit caps PostgreSQL near 500 rows/s). There is no timer: while one commit runs, the next
// batch gathers, so the batch grows with the load and a lone delivery is written at once.
import { gunzipSync, gzipSync } from 'node:zlib';
import { sql, type Kysely } from 'kysely';
import { enqueue } from '../../core/bus/index.js';
import type { CoreTables } from '../../core/db/schema.js';
import type { HubContext } from '../../core/registry.js';
import type { SourcesTables } from './tables.js';

export type Db = Kysely<CoreTables & SourcesTables>;

export interface IncomingDelivery {
  provider: 'github' | 'gitlab';
  delivery_id: string;
  event: string;
  action: string | null;
  repo: string | null;
  /** The payload to keep (as sent, or re-serialized when redaction changed it). */
  body: Buffer;
  /** malformed deliveries are kept for inspection but never mapped. */
  state: 'received' | 'malformed';
  note: string | null;
}

export interface StoredDelivery {
  /** False when the delivery id was stored before (a replay). */
  stored: boolean;
}

/** The event type the mapper subscribes to. */
export const DELIVERY_EVENT = 'webhook.received';

export function deliveryKey(provider: string, deliveryId: string): string {
  return `webhook/${provider}/${deliveryId}`;
}

export function parseDeliveryKey(key: string): { provider: string; delivery_id: string } | null {
  const m = /^webhook\/(github|gitlab)\/(.+)$/.exec(key);
  return m ? { provider: m[1]!, delivery_id: m[2]! } : null;
}

const MAX_BATCH = 500;
const MAX_BATCH_BYTES = 32 * 1024 * 1024;

interface Pending {
  d: IncomingDelivery;
  zipped: Buffer;
  resolve: (r: StoredDelivery) => void;
  reject: (e: unknown) => void;
}

export class DeliveryWriter {
  private queue: Pending[] = [];
  private writing = false;

  constructor(private readonly ctx: Pick<HubContext, 'db' | 'bus'>) {}

  /** Resolves once the delivery (and its outbox event) is committed. */
  store(d: IncomingDelivery): Promise<StoredDelivery> {
    // level 1: payloads are JSON (~5x smaller) and this runs on the request path.
    const zipped = gzipSync(d.body, { level: 1 });
    return new Promise((resolve, reject) => {
      this.queue.push({ d, zipped, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length) {
        let bytes = 0;
        let n = 0;
        while (n < this.queue.length && n < MAX_BATCH && (n === 0 || bytes + this.queue[n]!.zipped.length <= MAX_BATCH_BYTES)) {
          bytes += this.queue[n]!.zipped.length;
          n++;
        }
        const batch = this.queue.splice(0, n);
        try {
          const stored = await this.commit(batch);
          for (const p of batch) p.resolve({ stored: stored.has(`${p.d.provider}\u0000${p.d.delivery_id}`) });
        } catch (e) {
          for (const p of batch) p.reject(e);
        }
      }
    } finally {
      this.writing = false;
    }
    this.ctx.bus.notify();
  }

  private async commit(batch: Pending[]): Promise<Set<string>> {
    const db = this.ctx.db as unknown as Db;
    // One delivery id twice in one batch (a fast replay): the first wins, like across batches.
    const seen = new Set<string>();
    const rows = batch.filter((p) => {
      const k = `${p.d.provider}\u0000${p.d.delivery_id}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    return db.transaction().execute(async (trx) => {
      const inserted = await sql<{ provider: string; delivery_id: string }>`
        insert into sources_deliveries (provider, delivery_id, event, action, repo, body, bytes, state, note)
        select p, d, e, a, r, decode(b, 'base64'), n, s, t
        from unnest(${sql.val(rows.map((p) => p.d.provider))}::text[], ${sql.val(rows.map((p) => p.d.delivery_id))}::text[],
                    ${sql.val(rows.map((p) => p.d.event))}::text[], ${sql.val(rows.map((p) => p.d.action))}::text[],
                    ${sql.val(rows.map((p) => p.d.repo))}::text[], ${sql.val(rows.map((p) => p.zipped.toString('base64')))}::text[],
                    ${sql.val(rows.map((p) => p.d.body.length))}::int4[], ${sql.val(rows.map((p) => p.d.state))}::text[],
                    ${sql.val(rows.map((p) => p.d.note))}::text[]) as u(p, d, e, a, r, b, n, s, t)
        on conflict (provider, delivery_id) do nothing
        returning provider, delivery_id`.execute(trx);
      const fresh = new Set(inserted.rows.map((r) => `${r.provider}\u0000${r.delivery_id}`));
      const events = rows
        .filter((p) => p.d.state === 'received' && fresh.has(`${p.d.provider}\u0000${p.d.delivery_id}`))
        .map((p) => ({
          type: DELIVERY_EVENT,
          repo: p.d.repo,
          kind: `${p.d.provider}.${p.d.event}`,
          object_key: deliveryKey(p.d.provider, p.d.delivery_id),
        }));
      await enqueue(trx as unknown as Kysely<CoreTables>, events);
      return fresh;
    });
  }
}

/** The stored payload of a delivery, decompressed. */
export function deliveryBody(body: Buffer | Uint8Array): Buffer {
  return gunzipSync(Buffer.from(body));
}
