// Dashboard sessions: the cookie holds an opaque random id (HttpOnly, SameSite=Lax, Secure behind
// https); the store keeps only its SHA-256, the identity the provider gave, and the expiry. A
// session is a read-only principal whose repositories are its teams' patterns, looked up on every
// request, so a change of teams (ci-intel.yml or the admin API) applies at once.
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../../core/config.js';
import type { CoreTables } from '../../core/db/schema.js';
import { hashToken, principalFor, type Principal } from '../../core/tokens.js';
import { mergeTeams, patternsOf, teamsOf, type Identity, type Team } from './teams.js';

export const SESSION_COOKIE = 'ci_intel_session';
export const LOGIN_COOKIE = 'ci_intel_login';

type Ctx = { config: Config; db: Kysely<CoreTables>; now: () => Date };

/** Secure cookies when users reach the hub over https. */
const secure = (config: Config) => (config.server.publicUrl ?? '').startsWith('https:');

export function setCookie(reply: FastifyReply, config: Config, name: string, value: string, maxAgeS: number, path = '/'): void {
  const attrs = [`${name}=${value}`, `Path=${path}`, `Max-Age=${maxAgeS}`, 'HttpOnly', 'SameSite=Lax', ...(secure(config) ? ['Secure'] : [])];
  const prev = reply.getHeader('set-cookie');
  const list = prev === undefined ? [] : Array.isArray(prev) ? prev.map(String) : [String(prev)];
  reply.header('set-cookie', [...list, attrs.join('; ')]);
}

export function cookieOf(req: FastifyRequest, name: string): string | null {
  const h = req.headers.cookie;
  if (!h) return null;
  for (const part of h.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      const v = part.slice(i + 1).trim();
      return /^[A-Za-z0-9_-]{16,128}$/.test(v) ? v : null;
    }
  }
  return null;
}

export const randomId = () => randomBytes(32).toString('base64url');

export async function createSession(ctx: Ctx, who: Identity): Promise<{ id: string; maxAgeS: number }> {
  const id = randomId();
  const maxAgeS = ctx.config.auth.oidc.sessionHours * 3600;
  const now = ctx.now();
  // Ended sessions are removed as new ones begin: the table holds only live ones.
  await ctx.db.deleteFrom('sessions').where('expires_at', '<', now).execute();
  await ctx.db
    .insertInto('sessions')
    .values({
      id_hash: hashToken(id),
      subject: who.subject,
      email: who.email,
      name: who.name,
      groups: who.groups,
      created_at: now,
      expires_at: new Date(now.getTime() + maxAgeS * 1000),
    })
    .execute();
  return { id, maxAgeS };
}

export async function endSession(ctx: Ctx, id: string): Promise<void> {
  await ctx.db.deleteFrom('sessions').where('id_hash', '=', hashToken(id)).execute();
}

export interface SessionView {
  identity: Identity;
  teams: Team[];
  expires_at: string;
}

/** The live session a request's cookie names, with its teams now; null when none or ended. */
export async function sessionOf(ctx: Ctx, req: FastifyRequest): Promise<SessionView | null> {
  const id = cookieOf(req, SESSION_COOKIE);
  if (!id) return null;
  const row = await ctx.db
    .selectFrom('sessions')
    .select(['subject', 'email', 'name', 'groups', 'expires_at'])
    .where('id_hash', '=', hashToken(id))
    .where('expires_at', '>', ctx.now())
    .executeTakeFirst();
  if (!row) return null;
  const identity: Identity = { subject: row.subject, email: row.email, name: row.name, groups: row.groups };
  const teams = teamsOf(mergeTeams(ctx.config, await ctx.db.selectFrom('teams').select(['name', 'repo_patterns', 'members', 'groups']).execute()), identity);
  return { identity, teams, expires_at: new Date(row.expires_at).toISOString() };
}

/**
 * A session as a principal: read scope only (the browser never writes, so there is nothing for a
 * forged cross-site request to do), its teams' repositories through the same checks as a token's.
 */
export function sessionPrincipal(s: SessionView): Principal {
  return principalFor({ token_id: null, scopes: ['read'], repo_patterns: patternsOf(s.teams) });
}
