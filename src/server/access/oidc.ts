// The sign-in client: OpenID Connect authorization code flow with PKCE (S256), the provider found
// by discovery, the ID token verified against the provider's JWKS (signature, issuer, audience,
// expiry, nonce) with jose. The `github` preset speaks GitHub's OAuth (no ID token: the user and
// their teams are read from the API with the access token the token endpoint gave over TLS).
// Secrets (client secret, codes, tokens) are never logged nor put in an error message.
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { Config } from '../../core/config.js';
import { CiError } from '../../core/errors.js';
import type { Identity } from './teams.js';

export interface SignInSettings {
  preset: 'oidc' | 'github';
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  scopes: string;
  groupsClaim: string;
  redirectUri: string;
  /** github: the REST API (GitHub Enterprise Server: https://HOST/api/v3). */
  apiUrl: string;
}

/** The sign-in settings, or null when sign-in is off (no client id). Incomplete settings are a config error. */
export function signInSettings(config: Config): SignInSettings | null {
  const o = config.auth.oidc;
  if (!o.clientId) return null;
  const bad = (what: string, hint: string) => new CiError('E_CONFIG_INVALID', what, { where: 'auth.oidc', hint });
  if (!config.server.publicUrl)
    throw bad('sign-in needs the URL users reach the hub at', 'set server.publicUrl (CI_INTEL_PUBLIC_URL); the redirect URI is <publicUrl>/auth/callback');
  const issuer = (o.issuer ?? (o.preset === 'github' ? 'https://github.com' : '')).replace(/\/+$/, '');
  if (!issuer) throw bad('sign-in needs the provider', 'set auth.oidc.issuer (CI_INTEL_OIDC_ISSUER) to the issuer URL of your OpenID Connect provider');
  if (!/^https?:\/\//.test(issuer)) throw bad(`auth.oidc.issuer ${issuer} is not an http(s) URL`, 'e.g. https://login.example.com/realms/ci');
  if (o.preset === 'github' && !o.clientSecret) throw bad('GitHub sign-in needs the client secret', 'set CI_INTEL_OIDC_CLIENT_SECRET');
  return {
    preset: o.preset,
    issuer,
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    scopes: o.scopes ?? (o.preset === 'github' ? 'read:user user:email read:org' : 'openid email profile'),
    groupsClaim: o.groupsClaim,
    redirectUri: `${config.server.publicUrl.replace(/\/+$/, '')}/auth/callback`,
    apiUrl: config.github.apiUrl.replace(/\/+$/, ''),
  };
}

interface Endpoints {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri?: string;
}

const discovered = new Map<string, { at: number; value: Endpoints }>();
const jwksCache = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
const DISCOVERY_TTL_MS = 3_600_000;

const failed = (message: string, hint = 'try signing in again; if it keeps failing, check the auth.oidc settings and the provider') =>
  new CiError('E_SIGN_IN_FAILED', message, { hint });

async function getJson(url: string, init: RequestInit, what: string): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  } catch (e) {
    throw failed(`cannot reach the sign-in provider for ${what} (${(e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message})`);
  }
  const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (!res.ok || !body || typeof body !== 'object') {
    const err = body && typeof body.error === 'string' ? ` (${body.error})` : '';
    throw failed(`the sign-in provider answered ${res.status} to the ${what}${err}`);
  }
  return body;
}

/** The provider's endpoints: discovery for OIDC (cached an hour), fixed paths for GitHub. */
export async function endpoints(s: SignInSettings): Promise<Endpoints> {
  if (s.preset === 'github')
    return { issuer: s.issuer, authorization_endpoint: `${s.issuer}/login/oauth/authorize`, token_endpoint: `${s.issuer}/login/oauth/access_token` };
  const hit = discovered.get(s.issuer);
  if (hit && Date.now() - hit.at < DISCOVERY_TTL_MS) return hit.value;
  const d = await getJson(`${s.issuer}/.well-known/openid-configuration`, {}, 'discovery document');
  // The document must be the issuer's own (OpenID Connect Discovery 1.0, 4.3).
  if (d.issuer !== s.issuer)
    throw failed(`the discovery document names issuer ${String(d.issuer)}, not ${s.issuer}`, 'set auth.oidc.issuer to the exact issuer URL');
  for (const k of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'])
    if (typeof d[k] !== 'string') throw failed(`the discovery document has no ${k}`, 'check auth.oidc.issuer');
  const value = d as unknown as Endpoints;
  discovered.set(s.issuer, { at: Date.now(), value });
  return value;
}

/** PKCE: the challenge of a verifier (RFC 7636, S256). */
export const challengeOf = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

export async function authorizeUrl(s: SignInSettings, p: { state: string; nonce: string; verifier: string }): Promise<string> {
  const e = await endpoints(s);
  const u = new URL(e.authorization_endpoint);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('client_id', s.clientId);
  u.searchParams.set('redirect_uri', s.redirectUri);
  u.searchParams.set('scope', s.scopes);
  u.searchParams.set('state', p.state);
  u.searchParams.set('code_challenge', challengeOf(p.verifier));
  u.searchParams.set('code_challenge_method', 'S256');
  if (s.preset === 'oidc') u.searchParams.set('nonce', p.nonce);
  return u.toString();
}

const asStrings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);

/** Exchanges the code (with the PKCE verifier) and returns who signed in, verified. */
export async function redeem(s: SignInSettings, p: { code: string; verifier: string; nonce: string }): Promise<Identity> {
  const e = await endpoints(s);
  const form = new URLSearchParams({ grant_type: 'authorization_code', code: p.code, redirect_uri: s.redirectUri, code_verifier: p.verifier });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (s.clientSecret) {
    // client_secret_basic (RFC 6749 2.3.1): id and secret form-encoded, then base64.
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(s.clientId)}:${encodeURIComponent(s.clientSecret)}`).toString('base64')}`;
  } else form.set('client_id', s.clientId);
  const tokens = await getJson(e.token_endpoint, { method: 'POST', headers, body: form.toString() }, 'token request');
  if (typeof tokens.error === 'string') throw failed(`the sign-in provider refused the code (${tokens.error})`);
  return s.preset === 'github' ? githubIdentity(s, tokens) : oidcIdentity(s, e, tokens, p.nonce);
}

async function oidcIdentity(s: SignInSettings, e: Endpoints, tokens: Record<string, unknown>, nonce: string): Promise<Identity> {
  if (typeof tokens.id_token !== 'string') throw failed('the sign-in provider sent no ID token', 'ask for the openid scope (auth.oidc.scopes)');
  let jwks = jwksCache.get(e.jwks_uri!);
  if (!jwks) jwksCache.set(e.jwks_uri!, (jwks = createRemoteJWKSet(new URL(e.jwks_uri!))));
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(tokens.id_token, jwks, { issuer: e.issuer, audience: s.clientId, clockTolerance: 30 }));
  } catch (err) {
    throw failed(`the ID token could not be verified (${(err as { code?: string }).code ?? (err as Error).name})`);
  }
  // The nonce binds the token to this sign-in (a token replayed from another sign-in is refused).
  if (claims.nonce !== nonce) throw failed('the ID token does not carry the nonce of this sign-in');
  if (typeof claims.sub !== 'string' || !claims.sub) throw failed('the ID token has no subject');
  const email = typeof claims.email === 'string' ? claims.email : null;
  const name = typeof claims.name === 'string' ? claims.name : typeof claims.preferred_username === 'string' ? claims.preferred_username : email;
  return { subject: claims.sub, email, name, groups: asStrings(claims[s.groupsClaim]) };
}

async function githubIdentity(s: SignInSettings, tokens: Record<string, unknown>): Promise<Identity> {
  if (typeof tokens.access_token !== 'string') throw failed('GitHub sent no access token');
  const headers = { authorization: `Bearer ${tokens.access_token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };
  const user = await getJson(`${s.apiUrl}/user`, { headers }, 'user request');
  if (typeof user.login !== 'string') throw failed('GitHub did not say who signed in');
  const teams: string[] = [];
  for (let page = 1; page <= 10; page++) {
    const res = await fetch(`${s.apiUrl}/user/teams?per_page=100&page=${page}`, { headers, signal: AbortSignal.timeout(15_000) }).catch(() => null);
    if (!res?.ok) throw failed(`GitHub refused the team list${res ? ` (${res.status})` : ''}`, 'the read:org scope is needed (auth.oidc.scopes)');
    const list = (await res.json()) as Array<{ slug?: string; organization?: { login?: string } }>;
    for (const t of list) if (t.slug && t.organization?.login) teams.push(`${t.organization.login}/${t.slug}`.toLowerCase());
    if (list.length < 100) break;
  }
  return {
    subject: user.login.toLowerCase(),
    email: typeof user.email === 'string' ? user.email : null,
    name: typeof user.name === 'string' ? user.name : user.login,
    groups: teams.sort(),
  };
}
