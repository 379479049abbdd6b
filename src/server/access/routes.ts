// Sign-in routes (browser): /auth/login starts the provider's flow, /auth/callback ends it with a
// session cookie, /auth/logout ends the session, /auth/me says who is signed in. Teams admin API
// (admin tokens): GET/PUT/DELETE /api/v1/teams. A sign-in under way is kept in the store (several
// hub processes may share one sign-in: the callback can reach another process than the login).
import { Type } from 'typebox';
import type { HubApp } from '../../core/http/types.js';
import type { Readable } from 'node:stream';
import { rawBodyParsers, requirePrincipal } from '../../core/http/index.js';
import { CiError } from '../../core/errors.js';
import type { HubContext } from '../../core/registry.js';
import { hashToken, patternsWithin } from '../../core/tokens.js';
import { authorizeUrl, redeem, signInSettings } from './oidc.js';
import { createSession, endSession, LOGIN_COOKIE, cookieOf, randomId, SESSION_COOKIE, sessionOf, setCookie } from './sessions.js';
import { allTeams, checkTeam, deleteTeam, putTeam, teamsOf } from './teams.js';

/** How long a sign-in may take at the provider. */
const LOGIN_TTL_S = 600;

/** Only a path of this hub is a place to go back to (never another site: no open redirect). */
const safeReturn = (v: unknown) => (typeof v === 'string' && /^\/(?![/\\])[^\s]*$/.test(v) && v.length <= 2000 ? v : '/');

export function accessRoutes(app: HubApp, ctx: HubContext): void {
  const settings = () => {
    const s = signInSettings(ctx.config);
    if (!s)
      throw new CiError('E_SIGN_IN_NOT_CONFIGURED', 'sign-in is not set up on this hub', {
        hint: 'set auth.oidc.clientId, issuer and secret (CI_INTEL_OIDC_CLIENT_ID ...), or use a read token',
      });
    return s;
  };

  app.get(
    '/auth/login',
    {
      config: { scope: 'public' },
      schema: { summary: 'Start signing in: redirects to the provider', tags: ['auth'], querystring: Type.Object({ return: Type.Optional(Type.String()) }) },
    },
    async (req, reply) => {
      const s = settings();
      const state = randomId();
      const verifier = randomId();
      const nonce = randomId();
      const now = ctx.now();
      await ctx.db.deleteFrom('auth_logins').where('expires_at', '<', now).execute();
      await ctx.db
        .insertInto('auth_logins')
        .values({
          state_hash: hashToken(state),
          verifier,
          nonce,
          return_to: safeReturn(req.query.return),
          expires_at: new Date(now.getTime() + LOGIN_TTL_S * 1000),
        })
        .execute();
      // The state also goes in a cookie: the callback must come back to the browser that started it (login CSRF).
      setCookie(reply, ctx.config, LOGIN_COOKIE, state, LOGIN_TTL_S, '/auth');
      return reply.redirect(await authorizeUrl(s, { state, nonce, verifier }), 302);
    },
  );

  app.get(
    '/auth/callback',
    {
      config: { scope: 'public' },
      schema: {
        summary: 'The provider sends the browser back here with a code; sets the session cookie',
        tags: ['auth'],
        querystring: Type.Object({
          code: Type.Optional(Type.String()),
          state: Type.Optional(Type.String()),
          error: Type.Optional(Type.String()),
          error_description: Type.Optional(Type.String()),
          iss: Type.Optional(Type.String()),
        }),
      },
    },
    async (req, reply) => {
      const s = settings();
      const q = req.query;
      const cookieState = cookieOf(req, LOGIN_COOKIE);
      setCookie(reply, ctx.config, LOGIN_COOKIE, '', 0, '/auth');
      if (q.error) throw new CiError('E_SIGN_IN_FAILED', `the provider ended the sign-in: ${q.error}`, { hint: 'sign in again from the dashboard' });
      if (!q.code || !q.state || !cookieState || cookieState !== q.state)
        throw new CiError('E_SIGN_IN_FAILED', 'this sign-in was not started in this browser, or took too long', {
          hint: 'sign in again from the dashboard',
        });
      const row = await ctx.db.deleteFrom('auth_logins').where('state_hash', '=', hashToken(q.state)).returningAll().executeTakeFirst();
      if (!row || new Date(row.expires_at).getTime() < ctx.now().getTime())
        throw new CiError('E_SIGN_IN_FAILED', 'this sign-in expired or was used already', { hint: 'sign in again from the dashboard' });
      const who = await redeem(s, { code: q.code, verifier: row.verifier, nonce: row.nonce });
      const teams = teamsOf(await allTeams(ctx), who);
      if (teams.length === 0)
        throw new CiError('E_NO_TEAM', `${who.email ?? who.subject} is in no team of this hub`, {
          hint: 'an administrator adds you to a team (auth.teams in ci-intel.yml, or PUT /api/v1/teams/NAME)',
        });
      const session = await createSession(ctx, who);
      setCookie(reply, ctx.config, SESSION_COOKIE, session.id, session.maxAgeS);
      return reply.redirect(row.return_to, 302);
    },
  );

  // POST, so that a link or an image on another site cannot sign a user out (SameSite=Lax cookies
  // are not sent with a cross-site POST either). The dashboard posts a form: its body is ignored.
  app.register(async (scoped) => {
    rawBodyParsers(scoped);
    scoped.post('/auth/logout', { config: { scope: 'public' }, schema: { summary: 'End the session (sign out)', tags: ['auth'] } }, async (req, reply) => {
      (req.body as Readable | undefined)?.resume?.();
      const id = cookieOf(req, SESSION_COOKIE);
      if (id) await endSession(ctx, id);
      setCookie(reply, ctx.config, SESSION_COOKIE, '', 0);
      return reply.redirect('/', 303);
    });
  });

  app.get('/auth/me', { config: { scope: 'public' }, schema: { summary: 'Who is signed in, and their teams', tags: ['auth'] } }, async (req) => {
    const s = await sessionOf(ctx, req);
    const signIn = signInSettings(ctx.config) !== null;
    if (!s) return { signed_in: false, sign_in: signIn };
    return {
      signed_in: true,
      sign_in: signIn,
      name: s.identity.name,
      email: s.identity.email,
      teams: s.teams.map((t) => t.name),
      expires_at: s.expires_at,
    };
  });

  teamRoutes(app, ctx);
}

function teamRoutes(app: HubApp, ctx: HubContext): void {
  const teamBody = Type.Object(
    {
      repos: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
      members: Type.Optional(Type.Array(Type.String())),
      groups: Type.Optional(Type.Array(Type.String())),
    },
    { additionalProperties: false },
  );
  const nameParam = Type.Object({ name: Type.String() });

  app.get(
    '/api/v1/teams',
    { config: { scope: 'admin' }, schema: { summary: "Teams within the caller's repositories (ci-intel.yml's and the API's)", tags: ['teams'] } },
    async (req) => {
      const caller = requirePrincipal(req);
      return { items: (await allTeams(ctx)).filter((t) => patternsWithin(t.repos, caller.repoPatterns)) };
    },
  );
  app.put(
    '/api/v1/teams/:name',
    { config: { scope: 'admin' }, schema: { summary: 'Create or replace a team (admin)', tags: ['teams'], params: nameParam, body: teamBody } },
    async (req) => {
      const t = checkTeam(req.params.name, req.body);
      const caller = requirePrincipal(req);
      // An admin limited to some repositories cannot give a team others.
      if (!patternsWithin(t.repos, caller.repoPatterns))
        throw new CiError('E_FORBIDDEN_GRANT', 'the team would see repositories this token does not reach', {
          where: 'body /repos',
          hint: `give patterns within ${caller.repoPatterns.join(', ')}`,
        });
      const existing = (await allTeams(ctx)).find((x) => x.name === t.name);
      if (existing?.source === 'config')
        throw new CiError('E_USAGE', `team ${t.name} is defined in ci-intel.yml`, { where: 'path :name', hint: 'change it there, or use another name' });
      if (existing && !patternsWithin(existing.repos, caller.repoPatterns)) throw new CiError('E_NOT_FOUND', `no team ${t.name}`);
      await putTeam(ctx.db, t, ctx.now());
      return { ...t, source: 'api' };
    },
  );
  app.delete(
    '/api/v1/teams/:name',
    { config: { scope: 'admin' }, schema: { summary: 'Delete a team of the admin API', tags: ['teams'], params: nameParam } },
    async (req) => {
      const { name } = req.params;
      const t = (await allTeams(ctx)).find((x) => x.name === name);
      if (!t || t.source !== 'api' || !patternsWithin(t.repos, requirePrincipal(req).repoPatterns))
        throw new CiError('E_NOT_FOUND', `no team ${name} of the admin API`, {
          hint: 'list them: GET /api/v1/teams (teams of ci-intel.yml are changed there)',
        });
      await deleteTeam(ctx.db, name);
      return { deleted: name };
    },
  );
}
