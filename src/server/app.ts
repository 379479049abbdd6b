// createApp: the Fastify application assembled from core routes and the registered pillars.
// No listen here (DESIGN.md: app factory apart from listen; tests go through inject()).
import { readFileSync } from 'node:fs';
import { CORE_SCHEMAS, schemaSet } from '../core/contract/registry.js';
import { Type } from 'typebox';
import { typed, type HubApp } from '../core/http/types.js';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify';
import type { Logger } from 'pino';
import type { HubContext, Pillar } from '../core/registry.js';
import { CiError } from '../core/errors.js';
import { compileRepoPattern, createToken, listTokens, mayManage, parseExpiry, parseScopes, revokeToken } from '../core/tokens.js';
import { requirePrincipal } from '../core/http/index.js';
import { scopeExposition } from '../core/exposition.js';
import { installAuth } from './auth.js';
import { installErrorHandler } from '../core/http/errors.js';
import { installIdempotency } from './idempotency.js';
import { installDiskGuard } from './disk.js';
import { ingestRoutes, runRoutes } from './routes/runs.js';
import { badgeRoutes } from './routes/badges.js';
import { webRoutes } from './web.js';
import { accessRoutes } from './access/routes.js';
import { signInSettings } from './access/oidc.js';

export interface AppOptions {
  /** The hub's logger under `serve` (errors and 500s with their request id); none in tests. */
  logger?: Logger;
}

export async function createApp(ctx: HubContext, pillars: Pillar[], opts: AppOptions = {}): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger as FastifyBaseLogger } : { logger: false }),
    // Errors are logged by the central handler; a line per request would drown them.
    logController: new LogController({ disableRequestLogging: true }),
    // A connection with no bytes moving for a minute is closed; no request may take over 30
    // minutes (a 1 GB upload at 1 MB/s fits); slower bodies are dropped by bodyStream's minimum rate.
    connectionTimeout: 60_000,
    requestTimeout: 30 * 60_000,
    // JSON bodies of non-streaming routes; streaming routes (ingest, webhooks, uploads) set their own caps.
    bodyLimit: 25 * 1024 * 1024,
    // Pillars may open storage while registering routes (the cache scans its folder); on a busy
    // machine that can exceed fastify's default 10 s plugin timeout.
    pluginTimeout: 120_000,
    requestIdHeader: 'x-request-id',
    // @fastify/ajv-compiler brings ajv-formats (date-time, uuid) and coerces query strings.
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false } },
  });
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (r) => {
    if (r.url.startsWith('/api/') || r.url.startsWith('/webhooks/') || r.url === '/metrics' || r.url.startsWith('/v8/') || r.url.startsWith('/badge/'))
      routes.push(r);
  });
  installErrorHandler(app, { docs: '/api/v1/openapi.json' });
  // Every answer: browsers must not guess types (a stored log is text, never HTML) nor leak the
  // hub's URLs to other sites; API answers and logs are per caller, so no cache keeps them.
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
  signInSettings(ctx.config); // incomplete sign-in settings stop the hub at start, not at the first sign-in
  installAuth(app, ctx);
  installDiskGuard(app, ctx);
  installIdempotency(app, ctx);
  ingestRoutes(typed(app), ctx, pillars);
  runRoutes(typed(app), ctx, pillars);
  tokenRoutes(typed(app), ctx);
  badgeRoutes(typed(app), ctx, pillars);
  webRoutes(app);
  accessRoutes(typed(app), ctx);
  for (const p of pillars) if (p.routes) await app.register(async (scoped) => p.routes!(typed(scoped), ctx));
  // One Prometheus registry in core; each pillar adds its series (registry `metrics`).
  // Read scope: the series name repositories. A repo-limited token sees its repositories' series.
  app.get(
    '/metrics',
    {
      config: { scope: 'read' },
      schema: { summary: "Prometheus exposition of every pillar's series (a read token; scrape with `authorization: {credentials: TOKEN}`)", tags: ['ops'] },
    },
    async (req, reply) => {
      reply.header('content-type', ctx.metrics.contentType);
      return scopeExposition(await ctx.metrics.metrics(), requirePrincipal(req));
    },
  );
  app.get('/api/v1/openapi.json', { config: { scope: 'public' } }, async () => openapi(routes));
  app.get(
    '/api/v1/pillars',
    { config: { scope: 'public' }, schema: { summary: 'Registered pillars and their dashboard pages and panels', tags: ['ops'] } },
    async () => ({
      pillars: pillars.map((p) => ({ id: p.id, pages: p.pages ?? [], panels: p.panels ?? [], gates: (p.gates ?? []).map((g) => g.name) })),
      demo: ctx.config.server.demo,
      sign_in: signInSettings(ctx.config) !== null,
    }),
  );
  app.get(
    '/api/v1/schemas',
    {
      config: { scope: 'public' },
      schema: { summary: 'The schema registry: every contract version the hub accepts, its owner, deprecation date and frozen schema', tags: ['ops'] },
    },
    async () => {
      const set = schemaSet([CORE_SCHEMAS, ...pillars.flatMap((p) => (p.schemas ? [p.schemas] : []))]);
      return {
        schemas: set.versions.map((r) => ({
          subject: r.subject,
          version: r.version,
          owner: r.owner,
          deprecated_after: r.deprecatedAfter,
          live: set.live[r.subject]?.version === r.version,
          note: r.note,
          schema: r.frozen ? (JSON.parse(readFileSync(r.frozen, 'utf8')) as unknown) : null,
        })),
      };
    },
  );
  await app.ready();
  return app;
}

function tokenRoutes(app: HubApp, ctx: HubContext): void {
  app.post(
    '/api/v1/tokens',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Create a token (admin); the token is returned once',
        tags: ['tokens'],
        body: Type.Object(
          {
            repo: Type.Array(Type.String(), { minItems: 1 }),
            scope: Type.Optional(Type.String()),
            expires: Type.Optional(Type.String()),
            name: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const b = req.body;
      const caller = requirePrincipal(req);
      const scopes = parseScopes(b.scope);
      const expiresAt = b.expires ? parseExpiry(b.expires, ctx.now()) : null;
      for (const p of b.repo) compileRepoPattern(p); // a bad pattern is a usage error before a grant check
      // An admin limited to some repositories cannot mint a token for others, nor a wider scope.
      if (!mayManage(caller, { repoPatterns: b.repo, scopes })) {
        throw new CiError('E_FORBIDDEN_GRANT', 'the new token would reach repositories or scopes this token does not have', {
          where: 'body /repo',
          hint: `give patterns within ${caller.repoPatterns.join(', ')} and scopes within ${caller.scopes.join(', ')}`,
        });
      }
      return createToken(ctx.db, { repoPatterns: b.repo, scopes, expiresAt, name: b.name });
    },
  );
  app.get(
    '/api/v1/tokens',
    { config: { scope: 'admin' }, schema: { summary: "List the tokens within the caller's repositories (never the secrets)", tags: ['tokens'] } },
    async (req) => ({
      items: await listTokens(ctx, requirePrincipal(req)),
    }),
  );
  app.delete(
    '/api/v1/tokens/:id',
    {
      config: { scope: 'admin' },
      schema: {
        summary: "Revoke a token within the caller's repositories",
        tags: ['tokens'],
        params: Type.Object({ id: Type.String() }),
      },
    },
    async (req) => {
      const { id } = req.params;
      // A token outside the caller's repositories answers as if it did not exist.
      const n = await revokeToken(ctx, id, requirePrincipal(req));
      if (!n) throw new CiError('E_NOT_FOUND', `no token ${id}`, { hint: 'list the tokens you can revoke: GET /api/v1/tokens' });
      return { revoked: id };
    },
  );
}

/** A minimal OpenAPI 3.1 document from the routes' JSON schemas. */
function openapi(routes: RouteOptions[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  const sorted = [...routes].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : String(a.method) < String(b.method) ? -1 : 1));
  for (const r of sorted) {
    const methods = (Array.isArray(r.method) ? r.method : [r.method]).filter((m) => m !== 'HEAD');
    const url = r.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    const s = (r.schema ?? {}) as Record<string, unknown>;
    for (const m of methods) {
      const params: unknown[] = [];
      for (const [where, key] of [
        ['path', 'params'],
        ['query', 'querystring'],
      ] as const) {
        const obj = s[key] as { properties?: Record<string, unknown>; required?: string[] } | undefined;
        for (const [name, schema] of Object.entries(obj?.properties ?? {})) {
          params.push({ name, in: where, required: where === 'path' || (obj?.required ?? []).includes(name), schema });
        }
      }
      paths[url] ??= {};
      paths[url]![m.toLowerCase()] = {
        summary: s.summary ?? '',
        tags: s.tags ?? [],
        parameters: params,
        ...(s.body ? { requestBody: { content: { 'application/json': { schema: s.body } } } } : {}),
        responses: Object.fromEntries(
          Object.entries((s.response as Record<string, unknown>) ?? { 200: {} }).map(([code, schema]) => [
            code,
            { description: code, content: { 'application/json': { schema } } },
          ]),
        ),
        'x-scope': (r.config as { scope?: string } | undefined)?.scope ?? 'admin',
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'ci-intel hub API', version: '1' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
