// The two pieces every hub-and-agent test builds: the assembled hub app listening on loopback with
// tokens for the teams the test needs, and the assembled CLI run in process with its output captured.
import type { FastifyInstance } from 'fastify';
import { createToken, type Scope } from '../../src/core/tokens.js';
import type { Pillar } from '../../src/core/registry.js';
import { createApp, pillars, runCli } from './assembled.js';
import type { TestHub } from './stores.js';

export interface ListeningHub<K extends string> {
  app: FastifyInstance;
  url: string;
  tokens: Record<K, string>;
}

/** The assembled app on a free loopback port, with one token per entry (repository patterns, scopes; no expiry). */
export async function listeningHub<K extends string>(hub: TestHub, tokens: Record<K, { repos: string[]; scopes: Scope[] }>): Promise<ListeningHub<K>> {
  const app = await createApp(hub, pillars);
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
