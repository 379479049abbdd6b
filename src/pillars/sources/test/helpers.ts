// Test helpers of the sources pillar: the real GitHub payloads and signed deliveries.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sign } from '@octokit/webhooks-methods';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);

export interface GithubExample {
  event: string;
  payload: Record<string, any>;
}

/** Every example payload of @octokit/webhooks-examples (GitHub's real deliveries) for `event`. */
export function githubExamples(event: string): Array<Record<string, any>> {
  const all = require('@octokit/webhooks-examples/api.github.com/index.json') as Array<{ name: string; examples: Array<Record<string, any>> }>;
  const e = all.find((x) => x.name === event);
  if (!e) throw new Error(`no examples for ${event}`);
  return e.examples;
}

export function gitlabFixture(name: string): Record<string, any> {
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'gitlab');
  return JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8'));
}

let seq = 0;
export function deliveryId(): string {
  seq++;
  return `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;
}

export async function deliverGithub(
  app: FastifyInstance,
  secret: string,
  event: string,
  payload: unknown,
  opts: { delivery?: string; signature?: string | null; raw?: string | Buffer } = {},
) {
  const body = opts.raw ?? JSON.stringify(payload);
  const signature = opts.signature === undefined ? await sign(secret, typeof body === 'string' ? body : body.toString('utf8')) : opts.signature;
  return app.inject({
    method: 'POST',
    url: '/webhooks/github',
    payload: body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': opts.delivery ?? deliveryId(),
      ...(signature ? { 'x-hub-signature-256': signature } : {}),
    },
  });
}

export async function deliverGitlab(app: FastifyInstance, token: string | null, event: string, payload: unknown, opts: { uuid?: string; raw?: string } = {}) {
  return app.inject({
    method: 'POST',
    url: '/webhooks/gitlab',
    payload: opts.raw ?? JSON.stringify(payload),
    headers: {
      'content-type': 'application/json',
      'x-gitlab-event': event,
      'x-gitlab-event-uuid': opts.uuid ?? deliveryId(),
      ...(token ? { 'x-gitlab-token': token } : {}),
    },
  });
}
