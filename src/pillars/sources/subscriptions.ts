// Maps stored deliveries to domain rows, from the outbox (`webhook.received`), after the webhook
// was answered: GitHub never retries a failed delivery, so the answer must not wait on mapping.
// Exactly once per delivery, whichever bus and however often the event is delivered: the
// delivery row is locked and marked mapped in the same transaction as the rows it produces, so a
// redelivery after a crash, or a second hub racing on the same event, finds it mapped and stops.
import os from 'node:os';
import { sql, type Kysely } from 'kysely';
import { enqueue, type Subscription } from '../../core/bus/index.js';
import type { CoreTables } from '../../core/db/schema.js';
import type { HubContext } from '../../core/registry.js';
import { DELIVERY_EVENT, deliveryBody, parseDeliveryKey, type Db } from './deliveries.js';
import { emptyMapping, ignored, obj, type Mapping } from './model.js';
import { githubChat, gitlabChat, type ChatMapping } from './chatops/map.js';
import { applyMapping } from './store.js';
import { mapGithub } from './webhooks/github/map.js';
import { gitlabRepo, mapGitlab } from './webhooks/gitlab/map.js';

export const MAPPER_CONSUMER = 'sources.webhooks';

export function mapDelivery(provider: string, event: string, payload: unknown, delivery: string): Mapping {
  // Comments carry ChatOps commands, not pipeline data.
  if (provider === 'github' && event === 'issue_comment') return chatMapping(githubChat(obj(payload), delivery));
  if (provider === 'gitlab' && event === 'note') {
    const repo = gitlabRepo(obj(payload));
    return repo ? chatMapping(gitlabChat(obj(payload), repo, delivery)) : ignored('note without a project path');
  }
  return provider === 'github' ? mapGithub(event, payload) : mapGitlab(event, payload);
}

function chatMapping(c: ChatMapping): Mapping {
  return 'ignored' in c ? ignored(c.ignored) : { ...emptyMapping(), chat: c.requests };
}

export function deliverySubscription(ctx: HubContext): Subscription {
  const instance = `${os.hostname()}:${process.pid}`;
  const db = ctx.db as unknown as Db;
  return {
    consumer: MAPPER_CONSUMER,
    types: [DELIVERY_EVENT],
    async handle(event) {
      const key = parseDeliveryKey(event.object_key ?? '');
      if (!key) return;
      const enqueued = await db.transaction().execute(async (trx) => {
        // The mapping is derived from the stored delivery, so its commit need not wait for the
        // WAL flush (which the receive path's group commits need): if a crash loses it, the
        // delivery is still `received` and the sweep below maps it again.
        if (ctx.store.kind === 'postgres') await sql`set local synchronous_commit = off`.execute(trx);
        const d = await trx
          .selectFrom('sources_deliveries')
          .select(['provider', 'delivery_id', 'event', 'body', 'mapped_at', 'state'])
          .where('provider', '=', key.provider)
          .where('delivery_id', '=', key.delivery_id)
          .forUpdate()
          .executeTakeFirst();
        if (!d || d.mapped_at || d.state !== 'received') return 0;
        let mapping: Mapping;
        try {
          mapping = mapDelivery(d.provider, d.event, JSON.parse(deliveryBody(d.body).toString('utf8')), d.delivery_id);
        } catch (e) {
          // Stored payloads were valid JSON when received; a failure here is a bug in a mapper:
          // keep the delivery (state failed, with the reason) instead of retrying it forever.
          await trx
            .updateTable('sources_deliveries')
            .set({ state: 'failed', note: String((e as Error).message).slice(0, 1000) })
            .where('provider', '=', d.provider)
            .where('delivery_id', '=', d.delivery_id)
            .execute();
          ctx.log.error({ err: e, delivery: d.delivery_id, provider: d.provider }, 'webhook mapping failed');
          return 0;
        }
        const applied = await applyMapping(trx, mapping);
        await enqueue(trx as unknown as Kysely<CoreTables>, applied.events);
        await trx
          .updateTable('sources_deliveries')
          .set((eb) => ({
            state: mapping.ignored ? 'ignored' : 'mapped',
            note: mapping.ignored ?? null,
            mapped_at: ctx.now(),
            map_count: eb('map_count', '+', 1),
            mapped_by: instance,
          }))
          .where('provider', '=', d.provider)
          .where('delivery_id', '=', d.delivery_id)
          .execute();
        return applied.events.length;
      });
      if (enqueued) ctx.bus.notify();
    },
  };
}

/**
 * Maps deliveries left `received` for over two minutes (a mapping commit lost in a crash, an
 * event the bus could not deliver): every minute under `serve`. Mapping is idempotent, so racing
 * the bus is harmless.
 */
export function unmappedSweep(ctx: HubContext, everyMs = 60_000): () => Promise<void> {
  const sub = deliverySubscription(ctx);
  const db = ctx.db as unknown as Db;
  let running: Promise<void> | null = null;
  const run = () => {
    if (running) return;
    running = (async () => {
      const stale = new Date(ctx.now().getTime() - 120_000);
      const rows = await db
        .selectFrom('sources_deliveries')
        .select(['provider', 'delivery_id'])
        .where('state', '=', 'received')
        .where('received_at', '<', stale)
        .orderBy('received_at')
        .limit(500)
        .execute();
      for (const r of rows)
        await sub.handle({ id: `sweep:${r.provider}:${r.delivery_id}`, type: DELIVERY_EVENT, object_key: `webhook/${r.provider}/${r.delivery_id}` });
      if (rows.length) ctx.log.info({ mapped: rows.length }, 'sources: mapped deliveries the bus had not');
    })()
      .catch((e) => ctx.log.warn({ err: e }, 'sources: sweep of unmapped deliveries failed'))
      .finally(() => (running = null));
  };
  const timer = setInterval(run, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    if (running) await running;
  };
}
