// GitHub App mode: the hub acts as an installed GitHub App rather than with a person's token.
// The app's private key signs a short JWT (RS256, iss = app id), which buys an installation
// access token for the installation that covers a repository ("Authenticating as a GitHub App
// installation", GitHub docs). Installation tokens last an hour; they are cached and reused until
// five minutes before they expire. Without app settings, `github.token` (a PAT or GITHUB_TOKEN)
// is used as is.
import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CiError } from './errors.js';
import { githubCall } from './github.js';

export interface GithubAuthSettings {
  apiUrl: string;
  token?: string;
  appId?: string;
  appPrivateKey?: string;
  appPrivateKeyFile?: string;
}

export interface GithubAuth {
  mode: 'app' | 'token';
  apiUrl: string;
  /** A token that may act on `repo`; `installationId` (from a webhook payload) saves a lookup. */
  token(repo: string, installationId?: number | null): Promise<string>;
}

const base64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** The app's JWT: issued a minute in the past (clock drift, as GitHub advises), valid 9 minutes (at most 10). */
export function appJwt(appId: string, key: KeyObject, nowMs = Date.now()): string {
  const now = Math.floor(nowMs / 1000);
  const head = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const body = base64url(JSON.stringify({ iat: now - 60, exp: now + 9 * 60, iss: appId }));
  const sig = createSign('RSA-SHA256').update(`${head}.${body}`).sign(key);
  return `${head}.${body}.${base64url(sig)}`;
}

function loadKey(s: GithubAuthSettings): KeyObject {
  let pem = s.appPrivateKey;
  const where = pem ? 'GITHUB_APP_PRIVATE_KEY' : 'GITHUB_APP_PRIVATE_KEY_FILE';
  try {
    if (!pem) pem = readFileSync(s.appPrivateKeyFile!, 'utf8');
    // A PEM pasted into one environment variable often has its newlines escaped.
    return createPrivateKey(pem.includes('\\n') ? pem.replace(/\\n/g, '\n') : pem);
  } catch (e) {
    throw new CiError('E_GITHUB_APP', `the GitHub App's private key cannot be used: ${(e as Error).message.split('\n')[0]}`, {
      where,
      hint: "give the PEM file downloaded from the app's settings page (its text, or the file's path)",
    });
  }
}

/** How the hub authenticates to GitHub, or null when nothing is configured. */
export function githubAuth(s: GithubAuthSettings, o: { fetchImpl?: typeof fetch; now?: () => number } = {}): GithubAuth | null {
  if (s.appId || s.appPrivateKey || s.appPrivateKeyFile) {
    if (!s.appId || !(s.appPrivateKey || s.appPrivateKeyFile)) {
      throw new CiError('E_GITHUB_APP', 'GitHub App mode needs both the app id and its private key', {
        where: s.appId ? 'GITHUB_APP_PRIVATE_KEY' : 'GITHUB_APP_ID',
        hint: 'set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY (or GITHUB_APP_PRIVATE_KEY_FILE), or neither to use github.token',
      });
    }
    return new AppAuth(s.apiUrl, s.appId, loadKey(s), o.fetchImpl, o.now ?? Date.now);
  }
  if (s.token) {
    const token = s.token;
    return { mode: 'token', apiUrl: s.apiUrl, token: async () => token };
  }
  return null;
}

const REFRESH_BEFORE_MS = 5 * 60_000;

class AppAuth implements GithubAuth {
  readonly mode = 'app';
  private readonly installations = new Map<string, Promise<number>>();
  private readonly tokens = new Map<number, Promise<{ token: string; expires: number }>>();

  constructor(
    readonly apiUrl: string,
    private readonly appId: string,
    private readonly key: KeyObject,
    private readonly fetchImpl: typeof fetch | undefined,
    private readonly now: () => number,
  ) {}

  private call<T>(method: string, path: string): Promise<T> {
    return githubCall<T>({ apiUrl: this.apiUrl, token: appJwt(this.appId, this.key, this.now()) }, method, path, {
      fetchImpl: this.fetchImpl,
      hint: (status) =>
        status === 401
          ? 'GitHub refused the app JWT: check GITHUB_APP_ID and that the private key belongs to that app (and the clock)'
          : status === 404
            ? 'the app is not installed on this repository: install it from the app settings page'
            : 'check the app installation',
    });
  }

  async token(repo: string, installationId?: number | null): Promise<string> {
    if (installationId) this.installations.set(repo, Promise.resolve(installationId));
    let lookup = this.installations.get(repo);
    if (!lookup) {
      lookup = this.call<{ id: number }>('GET', `/repos/${repo}/installation`).then((r) => r.id);
      this.installations.set(repo, lookup);
      lookup.catch(() => this.installations.delete(repo));
    }
    const id = await lookup;
    const cached = this.tokens.get(id);
    if (cached) {
      const t = await cached.catch(() => null);
      if (t && t.expires - REFRESH_BEFORE_MS > this.now()) return t.token;
    }
    // One request per installation however many callers ask at once.
    const fresh = this.call<{ token: string; expires_at: string }>('POST', `/app/installations/${id}/access_tokens`).then((r) => ({
      token: r.token,
      expires: Date.parse(r.expires_at),
    }));
    this.tokens.set(id, fresh);
    try {
      return (await fresh).token;
    } catch (e) {
      this.tokens.delete(id);
      throw e;
    }
  }
}
