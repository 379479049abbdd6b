// Route authorization: every route declares `config: { scope }` ('public' | 'read' | 'ingest' |
// 'admin'); a bearer token (or `X-CI-Intel-Token`) is resolved to a principal before the handler.
// Under `serve --demo`, reads need no token so a newcomer sees data at once.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CiError } from '../core/errors.js';
import { anonymousReader, authenticate, compileRepoPattern, type Principal, type Scope } from '../core/tokens.js';
import type { HubContext } from '../core/registry.js';

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

export function installAuth(app: FastifyInstance, ctx: HubContext): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    // Unknown routes fall through to the 404 handler; known routes default to admin unless declared.
    if (req.routeOptions.url === undefined) return;
    const scope: RouteScope = req.routeOptions.config?.scope ?? 'admin';
    if (scope === 'public') return;
    const token = presentedToken(req);
    if (!token) {
      if (scope === 'read' && ctx.config.server.demo) {
        req.principal = anonymousReader;
        return;
      }
      throw new CiError('E_AUTH_REQUIRED', 'this request needs a token', {
        where: 'Authorization header',
        hint: 'send "Authorization: Bearer <token>"; create one with `ci-intel token create --repo PATTERN`',
      });
    }
    const principal = await authenticate(ctx.db, token, ctx.now());
    if (!principal.scopes.includes(scope) && !principal.scopes.includes('admin')) {
      throw new CiError('E_FORBIDDEN_SCOPE', `the token lacks the "${scope}" scope`, {
        hint: `create a token with --scope ${scope}`,
      });
    }
    req.principal = principal;
  });
}

export function requirePrincipal(req: FastifyRequest): Principal {
  if (!req.principal) throw new CiError('E_AUTH_REQUIRED', 'this request needs a token');
  return req.principal;
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
      re += (i === 0 || segs[i - 1] === '**' && i - 1 === 0 ? '' : '/') + lit;
    });
    return re + '$';
  });
}
