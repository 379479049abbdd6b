// The two pieces every hub-and-agent test builds: the assembled hub app listening on loopback with
// tokens for the teams the test needs, and the assembled CLI run in process with its output captured.
import { afterAll, beforeAll } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createToken, type Scope } from '../../src/core/tokens.js';
import type { Pillar } from '../../src/core/registry.js';
import { createApp, pillars, runCli } from './assembled.js';
import type { TestHub } from './stores.js';

export interface ListeningHub<K extends string> {
  app: FastifyInstance;
  url: string;
  tokens: Record<K, string>;
}

/**
 * The app of the hub's own pillars (those whose tables its store has) on a free loopback port, with
 * one token per entry (repository patterns, scopes; no expiry).
 */
export async function listeningHub<K extends string>(hub: TestHub, tokens: Record<K, { repos: string[]; scopes: Scope[] }>): Promise<ListeningHub<K>> {
  const app = await createApp(hub, hub.pillars);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const out = {} as Record<K, string>;
  for (const [name, t] of Object.entries(tokens) as [K, { repos: string[]; scopes: Scope[] }][])
    out[name] = (await createToken(hub.db, { repoPatterns: t.repos, scopes: t.scopes, expiresAt: null })).token;
  return { app, url, tokens: out };
}

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** The assembled CLI in process: stdout and stderr captured, the clock and working folder given, no environment. */
export function capturingCli(o: { now: () => Date; cwd?: string; pillars?: Pillar[] }): (args: string[]) => Promise<CliRun> {
  return async (args) => {
    let out = '';
    let err = '';
    const code = await runCli(
      args,
      { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, now: o.now, ...(o.cwd ? { cwd: o.cwd } : {}) },
      o.pillars ?? pillars,
    );
    return { code, out, err };
  };
}

export interface IngestingApp {
  hub: TestHub;
  app: FastifyInstance;
  auth: () => Record<string, string>;
  /** POSTs the records as NDJSON to /api/v1/runs. */
  post: (records: unknown[]) => Promise<LightMyRequestResponse>;
}

/**
 * The app with the given pillars on a describeEachStore suite's store, an every-repository token,
 * and NDJSON posted through the real ingest route. Call inside the suite's body; the returned
 * object is filled in beforeAll.
 */
export function ingestingApp(get: () => TestHub, withPillars: Pillar[]): IngestingApp {
  const t = {} as IngestingApp;
  let token = '';
  beforeAll(async () => {
    t.hub = get();
    t.app = await createApp(t.hub, withPillars);
    token = (await createToken(t.hub.db, { repoPatterns: ['**'], scopes: ['ingest', 'read'], expiresAt: null })).token;
  });
  afterAll(async () => t.app?.close());
  t.auth = () => ({ authorization: `Bearer ${token}` });
  t.post = (records) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/runs',
      payload: records.map((r) => JSON.stringify(r)).join('\n') + '\n',
      headers: { 'content-type': 'application/x-ndjson', ...t.auth() },
    });
  return t;
}
