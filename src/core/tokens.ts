// API tokens (spine issue "Tokens"): shown once, stored as a SHA-256 hash, scoped to repository
// patterns (`*` one path segment, `**` any number — GitLab groups nest) and to scopes.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CoreTables } from './db/schema.js';
import { untilInstant } from './duration.js';
import { CiError } from './errors.js';

export const SCOPES = ['read', 'ingest', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];
export const TOKEN_PREFIX = 'cit_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

const b62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function base62(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += b62[b % 62];
  return out;
}

/** Does one path segment match a segment pattern with `*` wildcards (within the segment)? */
function segmentMatches(pattern: string, seg: string): boolean {
  if (!pattern.includes('*')) return pattern === seg;
  const parts = pattern.split('*');
  if (!seg.startsWith(parts[0]!) || !seg.endsWith(parts[parts.length - 1]!)) return false;
  let pos = parts[0]!.length;
  for (const mid of parts.slice(1, -1)) {
    const i = seg.indexOf(mid, pos);
    if (i < 0) return false;
    pos = i + mid.length;
  }
  return pos <= seg.length - parts[parts.length - 1]!.length;
}

function segmentsMatch(pat: string[], parts: string[]): boolean {
  if (pat.length === 0) return parts.length === 0;
  const [p, ...rest] = pat;
  if (p === '**') {
    for (let i = 0; i <= parts.length; i++) if (segmentsMatch(rest, parts.slice(i))) return true;
    return false;
  }
  return parts.length > 0 && segmentMatches(p!, parts[0]!) && segmentsMatch(rest, parts.slice(1));
}

/**
 * Compiles a repo pattern to a matcher on lower-cased repos: `*` matches within one path
 * segment, `**` any number of segments (GitLab groups nest: `group/**` covers `group/sub/app`).
 */
export function compileRepoPattern(pattern: string): (repo: string) => boolean {
  const p = pattern.trim().toLowerCase();
  const segs = p.split('/');
  if (!p || segs.length > 12 || segs.some((s) => s === '' || (s.includes('**') && s !== '**'))) {
    throw new CiError('E_USAGE', `invalid repository pattern ${JSON.stringify(pattern)}`, {
      hint: 'use path segments separated by "/", with "*" inside a segment and "**" for any number of segments, e.g. org/* or group/**',
    });
  }
  return (repo: string) => segmentsMatch(segs, repo.toLowerCase().split('/'));
}

export function matchesAny(patterns: string[], repo: string): boolean {
  return patterns.some((p) => compileRepoPattern(p)(repo));
}

/** `30d`, `12h`, `2w`, `90m` or a date: when a new token expires. */
export const parseExpiry = (v: string, now: Date): Date => untilInstant(v, now, '--expires');

export function parseScopes(v: string | undefined): Scope[] {
  const list = (v ?? 'read,ingest')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of list) {
    if (!(SCOPES as readonly string[]).includes(s))
      throw new CiError('E_USAGE', `unknown scope ${JSON.stringify(s)}`, { hint: `scopes are ${SCOPES.join(', ')}` });
  }
  return [...new Set(list)].sort() as Scope[];
}

/**
 * Does segment glob `a` match only what segment glob `b` matches (both with `*` inside a segment)?
 * `b` must match `a`'s text where `a`'s own `*` can be consumed only by a `*` of `b`: were it any
 * other way, a string `a` matches (its `*` filled with characters `b` does not contain) would escape `b`.
 */
function segmentContained(a: string, b: string): boolean {
  // reach[j]: b[0..j) has consumed a[0..i).
  let reach = new Array<boolean>(b.length + 1).fill(false);
  reach[0] = true;
  for (let j = 0; j < b.length && b[j] === '*'; j++) reach[j + 1] = true;
  for (let i = 0; i < a.length; i++) {
    const next = new Array<boolean>(b.length + 1).fill(false);
    for (let j = 1; j <= b.length; j++) {
      const c = b[j - 1]!;
      if (c === '*') next[j] = reach[j]! || reach[j - 1]! || next[j - 1]!;
      else next[j] = reach[j - 1]! && a[i] === c && c !== '*';
    }
    reach = next;
  }
  return reach[b.length]!;
}

/** Is every repo repo-pattern `a` admits also admitted by `b` (segments; `**` any number of them)? */
export function patternContained(a: string, b: string): boolean {
  const as = a.trim().toLowerCase().split('/');
  const bs = b.trim().toLowerCase().split('/');
  // reach[j]: bs[0..j) has covered as[0..i). A `**` of `a` can be covered only by a `**` of `b`.
  let reach = new Array<boolean>(bs.length + 1).fill(false);
  reach[0] = true;
  for (let j = 0; j < bs.length && bs[j] === '**'; j++) reach[j + 1] = true;
  for (const seg of as) {
    const next = new Array<boolean>(bs.length + 1).fill(false);
    for (let j = 1; j <= bs.length; j++) {
      const pb = bs[j - 1]!;
      if (pb === '**') next[j] = reach[j]! || reach[j - 1]! || next[j - 1]!;
      else next[j] = reach[j - 1]! && seg !== '**' && segmentContained(seg, pb);
    }
    reach = next;
  }
  return reach[bs.length]!;
}

/** Does `patterns` admit only repos some pattern of `within` admits? (Each pattern inside one of them.) */
export function patternsWithin(patterns: string[], within: string[]): boolean {
  return patterns.every((p) => within.some((w) => patternContained(p, w)));
}

/**
 * What an admin token may do with other tokens: give, see and revoke only tokens whose repos lie
 * within its own, with no scope it lacks. The local operator (CLI on the store) is not limited.
 */
export function mayManage(caller: Principal, target: { repoPatterns: string[]; scopes: string[] }): boolean {
  if (caller.anonymous) return false;
  const scopesOk = caller.scopes.includes('admin') || target.scopes.every((s) => caller.scopes.includes(s as Scope));
  return scopesOk && patternsWithin(target.repoPatterns, caller.repoPatterns);
}

export interface CreatedToken {
  token: string;
  token_id: string;
}

export async function createToken(
  db: Kysely<CoreTables>,
  opts: { repoPatterns: string[]; scopes: Scope[]; expiresAt: Date | null; name?: string | null },
): Promise<CreatedToken> {
  if (opts.repoPatterns.length === 0) throw new CiError('E_USAGE', 'a token needs at least one --repo pattern', { hint: 'e.g. --repo "org/*"' });
  for (const p of opts.repoPatterns) compileRepoPattern(p);
  const secret = base62(randomBytes(32));
  const token = `${TOKEN_PREFIX}${secret}`;
  const token_id = `tok_${base62(randomBytes(8))}`;
  await db
    .insertInto('api_tokens')
    .values({
      token_id,
      token_hash: hashToken(token),
      name: opts.name ?? null,
      repo_patterns: opts.repoPatterns.map((p) => p.trim().toLowerCase()),
      scopes: opts.scopes,
      expires_at: opts.expiresAt,
      revoked_at: null,
      last_used_at: null,
    })
    .execute();
  return { token, token_id };
}

export interface Principal {
  token_id: string | null;
  scopes: Scope[];
  repoPatterns: string[];
  /** true under `serve --demo` reads without a token. */
  anonymous: boolean;
  allowsRepo: (repo: string) => boolean;
}

export function principalFor(row: { token_id: string | null; scopes: string[]; repo_patterns: string[] }): Principal {
  const matchers = row.repo_patterns.map(compileRepoPattern);
  return {
    token_id: row.token_id,
    scopes: row.scopes as Scope[],
    repoPatterns: row.repo_patterns,
    anonymous: false,
    allowsRepo: (repo) => matchers.some((m) => m(repo)),
  };
}

export const anonymousReader: Principal = {
  token_id: null,
  scopes: ['read'],
  repoPatterns: ['**'],
  anonymous: true,
  allowsRepo: () => true,
};

/** Resolves a presented token; throws E_AUTH_REQUIRED / E_TOKEN_EXPIRED / E_TOKEN_REVOKED. */
export async function authenticate(db: Kysely<CoreTables>, token: string, now: Date): Promise<Principal> {
  const row = await db.selectFrom('api_tokens').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst();
  if (!row) throw new CiError('E_AUTH_REQUIRED', 'unknown token', { hint: 'create one with `ci-intel token create --repo PATTERN`' });
  if (row.revoked_at) throw new CiError('E_TOKEN_REVOKED', `token ${row.token_id} was revoked`, { hint: 'create a new token' });
  if (row.expires_at && new Date(row.expires_at).getTime() <= now.getTime())
    throw new CiError('E_TOKEN_EXPIRED', `token ${row.token_id} expired at ${new Date(row.expires_at).toISOString()}`, {
      hint: 'create a new token (ci-intel token create --expires ...)',
    });
  return principalFor(row);
}

/** Every token, oldest first, never the secrets; with `caller`, only those it may manage. */
export async function listTokens(ctx: { db: Kysely<CoreTables> }, caller?: Principal) {
  const rows = await ctx.db
    .selectFrom('api_tokens')
    .select(['token_id', 'name', 'repo_patterns', 'scopes', 'created_at', 'expires_at', 'revoked_at', 'last_used_at'])
    .orderBy('created_at')
    .orderBy('token_id')
    .execute();
  return rows
    .filter((r) => !caller || mayManage(caller, { repoPatterns: r.repo_patterns, scopes: r.scopes }))
    .map((r) => ({
      ...r,
      created_at: new Date(r.created_at).toISOString(),
      expires_at: r.expires_at ? new Date(r.expires_at).toISOString() : null,
      revoked_at: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
      last_used_at: r.last_used_at ? new Date(r.last_used_at).toISOString() : null,
    }));
}

/** Revokes a token; with `caller`, a token it may not manage is treated as not there (0). */
export async function revokeToken(ctx: { db: Kysely<CoreTables>; now: () => Date }, id: string, caller?: Principal): Promise<number> {
  if (caller) {
    const row = await ctx.db.selectFrom('api_tokens').select(['repo_patterns', 'scopes']).where('token_id', '=', id).executeTakeFirst();
    if (!row || !mayManage(caller, { repoPatterns: row.repo_patterns, scopes: row.scopes })) return 0;
  }
  const r = await ctx.db.updateTable('api_tokens').set({ revoked_at: ctx.now() }).where('token_id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}
