// The agent-upload helper every pillar uses (sources issue "Agent uploads"): `--hub`/`--token` or
// CI_INTEL_HUB/CI_INTEL_TOKEN, the run identity from the CI environment or `--run-id`, retries with
// backoff and an idempotency key, and a clear message when the hub is unreachable. The caller
// prints its own analysis first; an upload failure never hides it.
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Command } from 'commander';
import type { Config } from './config.js';
import { phase } from './agent-spans.js';
import { CiError } from './errors.js';
import { detectRunIdentity, type DetectedRun } from './identity.js';

export interface HubTarget {
  url: string;
  token: string;
}

/** Adds --hub, --token and --run-id to an agent command. */
export function hubOptions(cmd: Command): Command {
  return cmd
    .option('--hub <url>', 'also upload to this hub (env CI_INTEL_HUB)')
    .option('--token <token>', 'hub token with the ingest scope (env CI_INTEL_TOKEN)')
    .option('--run-id <uuid>', 'the run to attach the upload to (default: detected from the CI environment)');
}

/** The hub target from flags or configuration (CI_INTEL_HUB, CI_INTEL_TOKEN); null when no hub is configured (offline use). */
export function hubTarget(opts: { hub?: string; token?: string }, ctx: { config(): Pick<Config, 'hub'> }): HubTarget | null {
  const hub = opts.hub === undefined || opts.token === undefined ? ctx.config().hub : {};
  const url = opts.hub ?? hub.url;
  if (!url) return null;
  const token = opts.token ?? hub.token;
  if (!token)
    throw new CiError('E_USAGE', 'a hub is set but no token', {
      where: opts.hub ? '--hub' : 'CI_INTEL_HUB',
      hint: 'pass --token or set CI_INTEL_TOKEN (ci-intel token create --repo PATTERN --scope ingest)',
    });
  try {
    new URL(url);
  } catch {
    throw new CiError('E_USAGE', `--hub ${url} is not a URL`, { hint: 'e.g. --hub http://ci-intel.internal:8080' });
  }
  return { url: url.replace(/\/+$/, ''), token };
}

/**
 * `/api/v1/repos/OWNER/NAME/<tail>` for a repository; a GitLab path with subgroups keeps its
 * namespace in one URL-encoded segment (group%2Fsub/project), as the hub's routes expect.
 */
export function repoApiPath(repo: string, tail: string): string {
  const i = repo.lastIndexOf('/');
  return `/api/v1/repos/${encodeURIComponent(repo.slice(0, i))}/${encodeURIComponent(repo.slice(i + 1))}/${tail}`;
}

/** The run this agent invocation belongs to; E_USAGE when it cannot be known. */
export function uploadRun(opts: { runId?: string }, env: NodeJS.ProcessEnv): DetectedRun {
  const r = detectRunIdentity(env, opts.runId);
  if (!r)
    throw new CiError('E_USAGE', 'cannot tell which run this upload belongs to', {
      hint: 'run inside GitHub Actions or GitLab CI, or pass --run-id <uuid>',
    });
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(r.run_id))
    throw new CiError('E_USAGE', `--run-id ${r.run_id} is not a UUID`, { where: '--run-id' });
  return r;
}

export interface UploadRequest {
  /** Path under the hub, e.g. `/api/v1/runs/<id>/tests?format=junit`. */
  path: string;
  body: Buffer | string;
  contentType: string;
  /** Compress the body (default: when over 1 KiB). */
  gzip?: boolean;
  /** Same key on every retry, so the hub can drop a duplicate whose first answer was lost. */
  idempotencyKey?: string;
  /** Extra headers (e.g. the detected repo for stub runs). */
  headers?: Record<string, string>;
  retries?: number;
  /** Base backoff in ms (doubles each retry). */
  backoffMs?: number;
  timeoutMs?: number;
}

export interface UploadResult {
  status: number;
  body: unknown;
  attempts: number;
}

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

/** The stub headers for a detected run (repo, commit, branch), so the hub can create the run on first upload. */
export function runHeaders(run: DetectedRun): Record<string, string> {
  const h: Record<string, string> = {};
  if (run.repo) h['x-ci-intel-repo'] = run.repo;
  if (run.commit_sha) h['x-ci-intel-commit'] = run.commit_sha;
  if (run.branch) h['x-ci-intel-branch'] = run.branch;
  // So the hub can check the id is this repository's run before it creates it.
  if (run.provider !== 'local' && run.provider_run_id) {
    h['x-ci-intel-provider'] = run.provider;
    h['x-ci-intel-provider-run'] = run.provider_run_id;
    h['x-ci-intel-attempt'] = String(run.attempt ?? 1);
  }
  // The standard W3C header: the hub records it so the run's trace joins the pipeline's own.
  if (run.traceparent) h.traceparent = run.traceparent;
  return h;
}

/** POSTs to the hub with retries. Throws E_HUB_UNREACHABLE or E_HUB_REJECTED with a clear message. */
export function uploadToHub(target: HubTarget, req: UploadRequest, fetchImpl: typeof fetch = fetch): Promise<UploadResult> {
  // A span of the agent's own work when the pipeline traces it (core/agent-spans.ts).
  return phase('upload', () => upload(target, req, fetchImpl), { 'url.full': target.url + req.path });
}

async function upload(target: HubTarget, req: UploadRequest, fetchImpl: typeof fetch): Promise<UploadResult> {
  const key = req.idempotencyKey ?? randomUUID();
  const raw = typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
  const zip = req.gzip ?? raw.length > 1024;
  const body = zip ? gzipSync(raw) : raw;
  const retries = req.retries ?? 4;
  const base = req.backoffMs ?? 500;
  let lastError: unknown;
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    let res: Response;
    try {
      res = await fetchImpl(target.url + req.path, {
        method: 'POST',
        body,
        headers: {
          authorization: `Bearer ${target.token}`,
          'content-type': req.contentType,
          'idempotency-key': key,
          ...(zip ? { 'content-encoding': 'gzip' } : {}),
          ...(req.headers ?? {}),
        },
        signal: AbortSignal.timeout(req.timeoutMs ?? 60_000),
      });
    } catch (e) {
      lastError = e;
      if (attempt <= retries) {
        await sleep(base * 2 ** (attempt - 1));
        continue;
      }
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
      throw new CiError('E_HUB_UNREACHABLE', `cannot reach the hub at ${target.url} after ${attempt} attempts (${cause})`, {
        where: target.url,
        hint: 'the analysis above is complete; check --hub / CI_INTEL_HUB and that the hub is running',
        cause: e,
      });
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    if (res.ok) return { status: res.status, body: parsed, attempts: attempt };
    const inProgress = res.status === 409 && (parsed as { error?: { code?: string } } | null)?.error?.code === 'E_IDEMPOTENCY_IN_PROGRESS';
    if ((RETRYABLE.has(res.status) || inProgress) && attempt <= retries) {
      const after = Number(res.headers.get('retry-after'));
      await sleep(Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 30_000) : base * 2 ** (attempt - 1));
      lastError = new Error(`HTTP ${res.status}`);
      continue;
    }
    const err = (parsed as { error?: { code?: string; message?: string; hint?: string } } | null)?.error;
    throw new CiError('E_HUB_REJECTED', `the hub answered ${res.status}${err?.code ? ` ${err.code}` : ''}: ${err?.message ?? String(text).slice(0, 300)}`, {
      where: target.url + req.path.split('?')[0],
      hint: err?.hint ?? 'the analysis above is complete; fix the upload and retry',
      details: { status: res.status, body: parsed },
    });
  }
  throw new CiError('E_HUB_UNREACHABLE', `upload failed: ${String(lastError)}`);
}

// Full jitter keeps a fleet of agents that failed together from retrying in lockstep.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms / 2 + Math.random() * (ms / 2)));
