// POST /webhooks/gitlab (sources issue item 2): X-Gitlab-Token compared in constant time; any
// authenticated delivery under the size cap gets a fast 2xx — GitLab disables a hook after four
// failures in a row — including a malformed one, which is recorded as such and never mapped.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { CiError } from '../../../../core/errors.js';
import { rawBodyParsers } from '../../../../core/http/index.js';
import type { HubContext } from '../../../../core/registry.js';
import type { DeliveryWriter } from '../../deliveries.js';
import { obj, str } from '../../model.js';
import { header, parseJson, rawBody, redactPayload, strictUtf8 } from '../receive.js';
import { gitlabRepo } from './map.js';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time comparison of the presented token with the configured one (hashing equalizes lengths). */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/** `Pipeline Hook` -> `pipeline` (the payload's object_kind wins when it parses). */
function kindFromHeader(h: string | null): string {
  const m = /^(.*) Hook$/.exec(h ?? '');
  const k = (m ? m[1]! : 'unknown').toLowerCase().replace(/\s+/g, '_');
  return k === 'job' ? 'build' : k;
}

export function gitlabWebhookRoute(app: FastifyInstance, ctx: HubContext, writer: DeliveryWriter): void {
  app.register(async (scoped) => {
    rawBodyParsers(scoped);
    scoped.post(
      '/webhooks/gitlab',
      {
        config: { scope: 'public' },
        schema: {
          summary: 'GitLab webhook receiver (X-Gitlab-Token checked; pipeline, job, deployment, merge request, push events)',
          tags: ['webhooks'],
        },
      },
      async (req, reply) => {
        const expected = ctx.config.webhooks.gitlabToken;
        if (!expected) {
          throw new CiError('E_WEBHOOK_NOT_CONFIGURED', 'no GitLab webhook token is configured, so no delivery can be checked', {
            where: 'GITLAB_WEBHOOK_TOKEN',
            hint: 'set GITLAB_WEBHOOK_TOKEN (or webhooks.gitlabToken in ci-intel.yml) to the secret token of the GitLab webhook',
          });
        }
        const token = header(req, 'x-gitlab-token');
        if (!token || !tokenMatches(token, expected)) {
          throw new CiError('E_WEBHOOK_SIGNATURE', token ? 'the secret token does not match' : 'the delivery carries no secret token', {
            where: 'X-Gitlab-Token header',
            hint: 'set the same secret token on the GitLab webhook and in GITLAB_WEBHOOK_TOKEN',
          });
        }
        const raw = await rawBody(req);
        // Idempotency-Key stays the same across GitLab's retries (GitLab 17.4+); older versions
        // send X-Gitlab-Event-UUID; failing both, identical bodies are one delivery.
        const delivery = header(req, 'idempotency-key') ?? header(req, 'x-gitlab-event-uuid') ?? `sha256-${createHash('sha256').update(raw).digest('hex')}`;
        if (delivery.length > 200) throw new CiError('E_USAGE', 'the delivery id is over 200 characters', { where: 'Idempotency-Key header' });
        const text = strictUtf8(raw);
        const parsed = text === null ? ({ ok: false, reason: 'the body is not UTF-8' } as const) : parseJson(text);
        if (!parsed.ok) {
          await writer.store({
            provider: 'gitlab',
            delivery_id: delivery,
            event: kindFromHeader(header(req, 'x-gitlab-event')),
            action: null,
            repo: null,
            body: Buffer.from(ctx.redactor.apply(text ?? raw.toString('latin1'))),
            state: 'malformed',
            note: parsed.reason,
          });
          return reply.status(202).send({ delivery, status: 'malformed', reason: parsed.reason });
        }
        const { body, value } = redactPayload(ctx.redactor, parsed.value, raw);
        const p = obj(value);
        const kind = str(p.object_kind) ?? str(p.event_name) ?? kindFromHeader(header(req, 'x-gitlab-event'));
        const res = await writer.store({
          provider: 'gitlab',
          delivery_id: delivery,
          event: kind,
          action: str(obj(p.object_attributes).action) ?? str(obj(p.object_attributes).status) ?? str(p.status),
          repo: gitlabRepo(p),
          body,
          state: 'received',
          note: null,
        });
        return reply.status(res.stored ? 202 : 200).send({ delivery, event: kind, status: res.stored ? 'accepted' : 'duplicate' });
      },
    );
  });
}
