// POST /webhooks/github (sources issue item 1): HMAC-SHA256 over the raw bytes, checked in
// constant time before the payload is parsed; dedupe on X-GitHub-Delivery; stored durably (group
// commit) and answered at once; mapped afterwards from the outbox.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { CiError } from '../../../../core/errors.js';
import { rawBodyParsers } from '../../../../core/http/index.js';
import type { HubContext } from '../../../../core/registry.js';
import type { DeliveryWriter } from '../../deliveries.js';
import { obj, str } from '../../model.js';
import { header, malformed, parseJson, rawBody, redactPayload, strictUtf8 } from '../receive.js';

const DELIVERY_ID = /^[A-Za-z0-9._:-]{1,200}$/;

export function githubWebhookRoute(app: FastifyInstance, ctx: HubContext, writer: DeliveryWriter): void {
  app.register(async (scoped) => {
    rawBodyParsers(scoped);
    scoped.post(
      '/webhooks/github',
      {
        config: { scope: 'public' },
        schema: {
          summary:
            'GitHub webhook receiver (X-Hub-Signature-256 checked; workflow_run, workflow_job, check_run, deployment, deployment_status, pull_request, push)',
          tags: ['webhooks'],
        },
      },
      async (req, reply) => {
        const secret = ctx.config.webhooks.githubSecret;
        if (!secret) {
          throw new CiError('E_WEBHOOK_NOT_CONFIGURED', 'no GitHub webhook secret is configured, so no delivery can be verified', {
            where: 'GITHUB_WEBHOOK_SECRET',
            hint: 'set GITHUB_WEBHOOK_SECRET (or webhooks.githubSecret in ci-intel.yml) to the secret of the GitHub webhook',
          });
        }
        const signature = header(req, 'x-hub-signature-256');
        if (!signature) {
          throw new CiError('E_WEBHOOK_SIGNATURE', 'the delivery is not signed', {
            where: 'X-Hub-Signature-256 header',
            hint: 'set a secret on the GitHub webhook (the SHA-1 X-Hub-Signature alone is not accepted)',
          });
        }
        // The HMAC is computed as the bytes arrive and compared in constant time; nothing is
        // parsed before it matches.
        const hmac = createHmac('sha256', secret);
        const raw = await rawBody(req, { digest: (c) => hmac.update(c) });
        const expected = Buffer.from(`sha256=${hmac.digest('hex')}`);
        const presented = Buffer.from(signature);
        const text = strictUtf8(raw);
        if (text === null || text === '' || presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
          throw new CiError('E_WEBHOOK_SIGNATURE', 'the signature does not match the payload', {
            where: 'X-Hub-Signature-256 header',
            hint: 'the webhook secret on GitHub and GITHUB_WEBHOOK_SECRET differ, or the body was changed on the way',
          });
        }
        const event = header(req, 'x-github-event');
        const delivery = header(req, 'x-github-delivery');
        if (!event || !/^[a-z_]{1,64}$/.test(event)) {
          throw new CiError('E_USAGE', 'the delivery names no event', { where: 'X-GitHub-Event header' });
        }
        if (!delivery || !DELIVERY_ID.test(delivery)) {
          throw new CiError('E_USAGE', 'the delivery has no usable id', { where: 'X-GitHub-Delivery header', hint: 'GitHub sends a GUID' });
        }
        // Webhooks set to content type application/x-www-form-urlencoded send the JSON in `payload`.
        const form = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
        const json = form ? (new URLSearchParams(text).get('payload') ?? '') : text;
        const parsed = parseJson(json);
        if (!parsed.ok) {
          // Signed, so it is GitHub's: keep it for inspection (never mapped), and say what is wrong.
          await writer.store({
            provider: 'github',
            delivery_id: delivery,
            event,
            action: null,
            repo: null,
            body: Buffer.from(ctx.redactor.apply(json)),
            state: 'malformed',
            note: parsed.reason,
          });
          throw malformed(parsed.reason, 'request body');
        }
        const { body, value } = redactPayload(ctx.redactor, parsed.value, form ? Buffer.from(json) : raw);
        const p = obj(value);
        const res = await writer.store({
          provider: 'github',
          delivery_id: delivery,
          event,
          action: str(p.action),
          repo: str(obj(p.repository).full_name)?.toLowerCase() ?? null,
          body,
          state: 'received',
          note: null,
        });
        return reply.status(res.stored ? 202 : 200).send({ delivery, event, status: res.stored ? 'accepted' : 'duplicate' });
      },
    );
  });
}
