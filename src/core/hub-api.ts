// Commands that read (or administer) through a running hub's API instead of opening the store:
// PGlite allows one process per data folder, so while `ci-intel serve` holds it, `runs`, `metrics`,
// `digest`, `tests quarantine` and `token` reach the same data through the hub (`--hub URL --token
// T`, or CI_INTEL_HUB / CI_INTEL_TOKEN). One client for every such command: the token in a header
// (never printed), the hub's own error code, message and hint passed on.
import type { Command } from 'commander';
import type { Config } from './config.js';
import { CiError } from './errors.js';
import type { HubTarget } from './upload.js';

/** Adds --hub and --token to a command that reads the store; `scope` is the token scope it needs. */
export function readHubOptions(cmd: Command, scope: 'read' | 'admin' = 'read'): Command {
  return cmd
    .option('--hub <url>', 'read through this running hub instead of opening the store (env CI_INTEL_HUB)')
    .option('--token <token>', `hub token with the ${scope} scope (env CI_INTEL_TOKEN)`);
}

/**
 * Where a read command reads: the hub given by --hub, else the store named by --db/--data-dir,
 * else the hub of the configuration (CI_INTEL_HUB, `hub.url` in ci-intel.yml), else the store.
 * Null means the store.
 */
export function readTarget(opts: Record<string, unknown>, ctx: { config(flags?: Record<string, unknown>): Pick<Config, 'hub'> }): HubTarget | null {
  const flagHub = typeof opts.hub === 'string' ? opts.hub : undefined;
  if (!flagHub && (typeof opts.db === 'string' || typeof opts.dataDir === 'string')) return null;
  const hub = ctx.config(opts).hub;
  const url = flagHub ?? hub.url;
  if (!url) return null;
  const token = typeof opts.token === 'string' ? opts.token : hub.token;
  const where = flagHub ? '--hub' : 'CI_INTEL_HUB';
  if (!token)
    throw new CiError('E_USAGE', 'a hub is set but no token', {
      where,
      hint: 'pass --token or set CI_INTEL_TOKEN (a token with the read scope: ci-intel token create --repo PATTERN --scope read)',
    });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CiError('E_USAGE', `${where} ${url} is not a URL`, { where, hint: 'e.g. --hub http://ci-intel.internal:8080' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new CiError('E_USAGE', `${where} ${url} is not an http(s) URL`, { where, hint: 'e.g. --hub http://ci-intel.internal:8080' });
  return { url: url.replace(/\/+$/, ''), token };
}

export interface HubCall {
  method?: 'GET' | 'POST' | 'DELETE';
  /** A JSON body (POST). */
  json?: unknown;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

/**
 * One call to the hub's API; the JSON answer. Unreachable: E_HUB_UNREACHABLE. A 404 the hub
 * answered with E_NOT_FOUND stays E_NOT_FOUND (nothing there, or not visible to this token); any
 * other refusal is E_HUB_REJECTED with the hub's code, message and hint.
 */
export async function hubCall<T>(target: HubTarget, pathAndQuery: string, call: HubCall = {}): Promise<T> {
  const fetchImpl = call.fetchImpl ?? fetch;
  let res: Response;
  try {
    res = await fetchImpl(target.url + pathAndQuery, {
      method: call.method ?? 'GET',
      headers: {
        authorization: `Bearer ${target.token}`,
        accept: 'application/json',
        ...(call.json !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(call.json !== undefined ? { body: JSON.stringify(call.json) } : {}),
      signal: AbortSignal.timeout(call.timeoutMs ?? 60_000),
    });
  } catch (e) {
    throw new CiError(
      'E_HUB_UNREACHABLE',
      `cannot reach the hub at ${target.url} (${(e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message})`,
      {
        where: target.url,
        hint: 'check --hub / CI_INTEL_HUB and that the hub is running',
        cause: e,
      },
    );
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (res.ok) return body as T;
  const err = (body as { error?: { code?: string; message?: string; hint?: string } } | null)?.error;
  const where = target.url + pathAndQuery.split('?')[0];
  if (res.status === 404 && err?.code === 'E_NOT_FOUND') throw new CiError('E_NOT_FOUND', err.message ?? 'not found', { where, hint: err.hint });
  throw new CiError('E_HUB_REJECTED', `the hub answered ${res.status}${err?.code ? ` ${err.code}` : ''}: ${err?.message ?? String(text).slice(0, 200)}`, {
    where,
    hint: err?.hint ?? 'check the token (its scope and repositories) and the request',
    details: { status: res.status },
  });
}

/** A query string of the defined values, keys sorted (stable URLs in logs and tests). */
export function queryOf(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const k of Object.keys(params).sort()) {
    const v = params[k];
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
