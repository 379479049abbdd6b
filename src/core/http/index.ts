// HTTP helpers shared by the server and the pillars' routes: route scopes and the request's
// principal, repo checks, streaming request bodies (never buffered; gzip decompressed with a cap).
import { createGunzip } from 'node:zlib';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { normalizeRepo, runIdFor } from '../identity.js';
import type { Redactor } from '../redact/index.js';
import { createRunStub } from '../runs/write.js';
import { CiError } from '../errors.js';
import { enqueue, RUN_TRACEPARENT, type EventBus } from '../bus/index.js';
import { parseTraceparent } from '../traceparent.js';
import { compileRepoPattern, type Principal, type Scope } from '../tokens.js';
import { typed, type HubApp } from './types.js';

export type RouteScope = Scope | 'public';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    scope?: RouteScope;
  }
  // Documentation fields read by our OpenAPI generator (app.ts).
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: readonly string[];
  }
}

export function presentedToken(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (h) {
    const m = /^(?:Bearer|token)\s+(\S+)$/i.exec(h.trim());
    if (m) return m[1]!;
    // Basic auth with the token as password (clients that only speak user-info URLs).
    const b = /^Basic\s+(\S+)$/i.exec(h.trim());
    if (b) {
      const decoded = Buffer.from(b[1]!, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      return i >= 0 ? decoded.slice(i + 1) : decoded;
    }
  }
  const x = req.headers['x-ci-intel-token'];
  return typeof x === 'string' && x ? x : null;
}

export function requirePrincipal(req: FastifyRequest): Principal {
  if (!req.principal) throw new CiError('E_AUTH_REQUIRED', 'this request needs a token');
  return req.principal;
}

/** The repository a route's `:owner/:repo` names, normalised; E_USAGE for an empty, `.` or `..` segment. */
export function repoFromPath(p: { owner: string; repo: string }): string {
  const repo = normalizeRepo(`${p.owner}/${p.repo}`);
  if (repo.split('/').some((s) => s === '' || s === '.' || s === '..'))
    throw new CiError('E_USAGE', `invalid repository ${JSON.stringify(repo)}`, { where: 'path :owner/:repo' });
  return repo;
}

/** Throws E_FORBIDDEN_REPO unless the caller may see/write `repo`. */
export function assertRepo(req: FastifyRequest, repo: string): void {
  const p = requirePrincipal(req);
  if (!p.allowsRepo(repo)) {
    throw new CiError('E_FORBIDDEN_REPO', `the token is not valid for repository ${repo}`, {
      hint: `its patterns are ${p.repoPatterns.join(', ')}`,
    });
  }
}

/**
 * For a run found by its id: a run of a repository the caller may not see answers exactly as a
 * missing run (404, no repository named), so a token cannot learn which ids exist elsewhere.
 */
export function assertRunVisible(req: FastifyRequest, runId: string, repo: string, what = `run ${runId}`): void {
  const p = requirePrincipal(req);
  if (!p.allowsRepo(repo)) throw new CiError('E_NOT_FOUND', `no ${what}`);
}

/**
 * The caller's repo patterns as PostgreSQL regular expressions, for filtering lists in SQL
 * (null = no restriction). Same semantics as compileRepoPattern.
 */
export function repoRegexes(p: Principal): string[] | null {
  if (p.anonymous || p.repoPatterns.includes('**')) return null;
  return p.repoPatterns.map((pat) => {
    compileRepoPattern(pat); // validates
    const segs = pat.toLowerCase().split('/');
    let re = '^';
    segs.forEach((s, i) => {
      if (s === '**') {
        if (segs.length === 1) re += '.+';
        else if (i === 0) re += '([^/]+/)*';
        else re += '(/[^/]+)*';
        return;
      }
      const lit = s
        .split('*')
        .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*');
      re += (i === 0 || (segs[i - 1] === '**' && i - 1 === 0) ? '' : '/') + lit;
    });
    return re + '$';
  });
}

/** Registers pass-through parsers so `req.body` is the raw request stream (encapsulated plugins only). */
export function rawBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
}

/**
 * Registers routes that read their bodies raw in a scope of their own: agent uploads may be
 * gzip-encoded (bodyStream decodes and caps them), while JSON routes elsewhere keep their parser.
 */
export function rawBodyScope(app: HubApp, routes: (scoped: HubApp) => void | Promise<void>): void {
  app.register(async (plain) => {
    const scoped = typed(plain);
    rawBodyParsers(scoped);
    await routes(scoped);
  });
}

/**
 * A body slower than this on average, once the grace period is over, is dropped (E_REQUEST_TIMEOUT):
 * a client trickling a byte a second would otherwise hold a connection and a handler forever.
 */
export const MIN_BODY_BYTES_PER_SEC = 16 * 1024;
export const BODY_GRACE_MS = 30_000;

class Cap extends Transform {
  private total = 0;
  private readonly started = Date.now();
  constructor(
    private readonly max: number,
    private readonly minRate = MIN_BODY_BYTES_PER_SEC,
    private readonly graceMs = BODY_GRACE_MS,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.total += chunk.length;
    const elapsed = Date.now() - this.started;
    if (elapsed > this.graceMs && this.total < (this.minRate * elapsed) / 1000) {
      cb(
        new CiError('E_REQUEST_TIMEOUT', `the body arrived at ${Math.round((this.total / elapsed) * 1000)} bytes/s, under the minimum of ${this.minRate}`, {
          where: 'request body',
          hint: 'send the body without pauses (a slow network: split the upload into smaller requests)',
        }),
      );
      return;
    }
    if (this.total > this.max) {
      cb(
        new CiError('E_BODY_TOO_LARGE', `the body is over ${this.max} bytes after decompression`, {
          where: 'request body',
          hint: 'split the upload into several smaller requests',
        }),
      );
      return;
    }
    cb(null, chunk);
  }
}

/**
 * Streams joined so that the last one ends with an error when the client goes away mid-body (a
 * plain pipe leaves it open forever, and whoever reads it waits forever).
 */
function joined(first: Readable, ...rest: Transform[]): Transform {
  const last = rest[rest.length - 1]!;
  let s: Readable = first;
  for (const t of rest) s = s.pipe(t);
  const gone = (e?: Error) => {
    if (!last.destroyed) {
      last.destroy(
        e ??
          new CiError('E_BODY_INCOMPLETE', 'the client closed the connection before the body was complete', {
            where: 'request body',
            hint: 'send the whole body',
          }),
      );
    }
  };
  first.on('error', gone);
  // A request's stream closes without an error when its client goes away; `complete` tells.
  const incomplete = () => (first as Readable & { complete?: boolean }).complete === false;
  first.on('close', () => {
    if (incomplete()) gone();
  });
  // Gone already (the request waited for its turn, e.g. a webhook body behind others).
  if ((first.destroyed || first.closed) && incomplete()) process.nextTick(gone);
  return last;
}

/**
 * The request body as a byte stream: decompressed when Content-Encoding is gzip, capped at
 * `maxBytes` decompressed. Errors surface as CiErrors while the stream is read.
 */
export function bodyStream(req: FastifyRequest, maxBytes: number, rate: { minBytesPerSec?: number; graceMs?: number } = {}): Readable {
  const raw = req.body as Readable | undefined;
  if (!raw || typeof (raw as Readable).pipe !== 'function') {
    throw new CiError('E_BODY_EMPTY', 'the request has no body', { hint: 'send NDJSON, one record per line' });
  }
  const enc = String(req.headers['content-encoding'] ?? 'identity')
    .toLowerCase()
    .trim();
  const declared = Number(req.headers['content-length']);
  if (enc === 'identity' || enc === '') {
    if (Number.isFinite(declared) && declared > maxBytes) {
      raw.resume();
      throw new CiError('E_BODY_TOO_LARGE', `Content-Length ${declared} is over the ${maxBytes}-byte cap`, {
        where: 'Content-Length header',
        hint: 'split the upload into several smaller requests',
      });
    }
    return joined(raw, new Cap(maxBytes, rate.minBytesPerSec, rate.graceMs));
  }
  if (enc === 'gzip' || enc === 'x-gzip') {
    const gunzip = createGunzip();
    const cap = new Cap(maxBytes, rate.minBytesPerSec, rate.graceMs);
    gunzip.on('error', (e) =>
      cap.destroy(
        new CiError('E_GZIP_INVALID', `the gzip body cannot be decompressed: ${e.message}`, {
          where: 'request body',
          hint: 'send a complete gzip stream, or no Content-Encoding for plain NDJSON',
        }),
      ),
    );
    return joined(raw, gunzip, cap);
  }
  raw.resume();
  throw new CiError('E_UNSUPPORTED_ENCODING', `Content-Encoding ${enc} is not supported`, {
    where: 'Content-Encoding header',
    hint: 'use gzip or no encoding',
  });
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Headers the agent sends with uploads so the hub can create a stub for a run it has not heard of yet. */
export const UPLOAD_HEADERS = {
  repo: 'x-ci-intel-repo',
  commit: 'x-ci-intel-commit',
  branch: 'x-ci-intel-branch',
  /** The provider run the id was computed from (github | gitlab), its number and attempt. */
  provider: 'x-ci-intel-provider',
  providerRun: 'x-ci-intel-provider-run',
  attempt: 'x-ci-intel-attempt',
  /** The pipeline's W3C trace context (the standard header name). */
  traceparent: 'traceparent',
} as const;

/**
 * A provider run's id is predictable (UUIDv5 of provider:repo:run:attempt), so a stub with such an
 * id must prove it is that repository's run: the provider, run and attempt headers must give the
 * id back. Otherwise a token of one repository could create another repository's future run
 * first and receive its webhook data (run-id squatting). Random ids (UUIDv4, `--run-id`) are not
 * predictable and need no proof.
 */
function assertIdOfRepo(id: string, repo: string, header: (name: string) => string | null): void {
  if (id[14] !== '5') return;
  const provider = header(UPLOAD_HEADERS.provider);
  const run = header(UPLOAD_HEADERS.providerRun);
  const attempt = header(UPLOAD_HEADERS.attempt) ?? '1';
  const hint = `send ${UPLOAD_HEADERS.provider}, ${UPLOAD_HEADERS.providerRun} and ${UPLOAD_HEADERS.attempt} (the agent does inside GitHub Actions and GitLab CI), or a random run id`;
  if ((provider !== 'github' && provider !== 'gitlab') || !run) {
    throw new CiError('E_RUN_ID_UNPROVEN', `run id ${id} is a provider run's id, but the upload does not say which run`, {
      where: `${UPLOAD_HEADERS.provider} header`,
      hint,
    });
  }
  if (runIdFor(provider, repo, run, attempt) !== id) {
    throw new CiError('E_RUN_ID_UNPROVEN', `run id ${id} is not the id of ${provider} run ${run} (attempt ${attempt}) of ${repo}`, { where: 'path :id', hint });
  }
}

/**
 * Resolves the run an upload (`POST /api/v1/runs/:id/<kind>`) is for and checks the caller may write
 * to its repository. An upload for an unknown run creates a stub (source `agent`, status
 * `in_progress`) that the later webhook or NDJSON record fills (DESIGN.md "Run identity").
 */
export async function resolveUploadRun(ctx: UploadCtx, req: FastifyRequest, runId: string): Promise<{ run_id: string; repo: string; created: boolean }> {
  const run = await resolveRun(ctx, req, runId);
  await noteTraceparent(ctx, req, run);
  return run;
}

type UploadCtx = {
  db: import('kysely').Kysely<import('../db/schema.js').CoreTables>;
  now: () => Date;
  redactor: Redactor;
  bus?: Pick<EventBus, 'notify'>;
};

/**
 * The pipeline's W3C `traceparent`, when the upload carries one (the agent sends its TRACEPARENT),
 * goes on the bus for the traces pillar (core does not know its tables). A malformed one is ignored:
 * it must never fail an upload.
 */
async function noteTraceparent(ctx: UploadCtx, req: FastifyRequest, run: { run_id: string; repo: string }): Promise<void> {
  const v = req.headers[UPLOAD_HEADERS.traceparent];
  const tp = typeof v === 'string' ? parseTraceparent(v) : null;
  if (!tp) return;
  await enqueue(ctx.db, { type: RUN_TRACEPARENT, run_id: run.run_id, repo: run.repo, object_key: `00-${tp.traceId}-${tp.spanId}-01` });
  ctx.bus?.notify();
}

async function resolveRun(ctx: UploadCtx, req: FastifyRequest, runId: string): Promise<{ run_id: string; repo: string; created: boolean }> {
  if (!UUID_RE.test(runId)) throw new CiError('E_USAGE', `run id ${JSON.stringify(runId)} is not a UUID`, { where: 'path :id' });
  const id = runId.toLowerCase();
  const principal = requirePrincipal(req);
  const existing = await ctx.db.selectFrom('runs').select(['run_id', 'repo']).where('run_id', '=', id).executeTakeFirst();
  if (existing) {
    assertRunVisible(req, id, existing.repo);
    return { run_id: id, repo: existing.repo, created: false };
  }
  const header = (name: string) => {
    const v = req.headers[name];
    return typeof v === 'string' && v.trim() ? v.trim() : null;
  };
  const repo = header(UPLOAD_HEADERS.repo)?.toLowerCase();
  if (!repo || !/^[^/\s]+(\/[^/\s]+)+$/.test(repo)) {
    throw new CiError('E_NOT_FOUND', `no run ${id}`, {
      where: 'path :id',
      hint: `send the ${UPLOAD_HEADERS.repo} header (the agent does) to create the run on first upload, or ingest its record first`,
    });
  }
  if (!principal.allowsRepo(repo)) assertRepo(req, repo);
  assertIdOfRepo(id, repo, header);
  const commit = header(UPLOAD_HEADERS.commit);
  const branch = header(UPLOAD_HEADERS.branch);
  const created = await createRunStub(ctx.db, {
    run_id: id,
    repo,
    commit_sha: commit && /^[0-9a-f]{40}$/i.test(commit) ? commit.toLowerCase() : null,
    // Headers are stored like everything else: redacted first.
    branch: branch === null ? null : ctx.redactor.apply(branch),
    started_at: ctx.now(),
  });
  if (!created) {
    // Created by another request meanwhile: it may belong to another repository.
    const now = await ctx.db.selectFrom('runs').select('repo').where('run_id', '=', id).executeTakeFirstOrThrow();
    assertRunVisible(req, id, now.repo);
    return { run_id: id, repo: now.repo, created: false };
  }
  return { run_id: id, repo, created: true };
}
