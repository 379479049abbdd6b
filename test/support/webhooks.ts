// Test helpers for the sources pillar's webhooks: the real GitHub payloads and signed deliveries.
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
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'pillars', 'sources', 'fixtures', 'gitlab');
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

import { execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { runCli, type ProgramIO } from '../../src/cli/program.js';
import type { Pillar } from '../../src/core/registry.js';

/** Runs the CLI in-process and captures its output. */
export async function cli(argv: string[], pillars: Pillar[], io: Partial<ProgramIO> = {}) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, ...io }, pillars);
  return { code, out, err };
}

/** Listens on a free loopback port; returns the base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** Runs git in `dir` with a fixed identity and dates (deterministic SHAs). */
export function git(dir: string, args: string[], date = '2026-01-01T00:00:00Z'): string {
  return execFileSync('git', ['-C', dir, '-c', 'user.name=ci', '-c', 'user.email=ci@example.com', '-c', 'init.defaultBranch=main', ...args], {
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
  }).trim();
}
