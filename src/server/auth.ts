// Route authorization: every route declares `config: { scope }` ('public' | 'read' | 'ingest' |
// 'admin'); a bearer token (or `X-CI-Intel-Token`) is resolved to a principal before the handler.
// Without a token, a dashboard session cookie (signed in through the provider) is a read-only
// principal limited to its teams' repositories (access/sessions.ts). Under `serve --demo`, reads
// need neither, so a newcomer sees data at once.
import type { FastifyInstance } from 'fastify';
import { CiError } from '../core/errors.js';
import { anonymousReader, authenticate } from '../core/tokens.js';
import type { HubContext } from '../core/registry.js';
import { presentedToken, type RouteScope } from '../core/http/index.js';
import { cookieOf, SESSION_COOKIE, sessionOf, sessionPrincipal } from './access/sessions.js';

export { assertRepo, repoRegexes, requirePrincipal } from '../core/http/index.js';

export function installAuth(app: FastifyInstance, ctx: HubContext): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    // Unknown routes fall through to the 404 handler; known routes default to admin unless declared.
    if (req.routeOptions.url === undefined) return;
    const scope: RouteScope = req.routeOptions.config?.scope ?? 'admin';
    if (scope === 'public') return;
    const token = presentedToken(req);
    if (!token && cookieOf(req, SESSION_COOKIE)) {
      const session = await sessionOf(ctx, req);
      if (session && session.teams.length && scope === 'read') {
        req.principal = sessionPrincipal(session);
        return;
      }
      if (!(scope === 'read' && ctx.config.server.demo)) {
        if (!session) throw new CiError('E_SESSION_EXPIRED', 'the session has ended', { hint: 'sign in again' });
        if (!session.teams.length)
          throw new CiError('E_NO_TEAM', 'you are in no team of this hub any more', { hint: 'an administrator adds you to a team; then sign in again' });
        throw new CiError('E_FORBIDDEN_SCOPE', `a signed-in session may only read; this request needs the "${scope}" scope`, {
          hint: 'use a token with that scope (ci-intel token create)',
        });
      }
    }
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
