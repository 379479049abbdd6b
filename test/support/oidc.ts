// A real OpenID Connect provider (the `oidc-provider` package, certified) on loopback for the
// sign-in tests, and a browser-less sign-in: redirects followed with fetch, cookies kept per
// origin, the provider's login and consent forms posted as a browser would.
import type { Server } from 'node:http';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

export interface Account {
  email: string;
  name: string;
  groups: string[];
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

export async function startProvider(o: { redirectUri: string; accounts: Record<string, Account> }): Promise<TestProvider> {
  const server: Server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const clientSecret = `secret-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'ci-intel',
        client_secret: clientSecret,
        redirect_uris: [o.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: ['cookie-key-for-the-test-provider'] },
    claims: { openid: ['sub'], email: ['email'], profile: ['name'], groups: ['groups'] },
    // The claims asked for go into the ID token (the hub reads the ID token only).
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    findAccount: (_ctx, id) => {
      const a = o.accounts[id];
      return a ? { accountId: id, claims: () => ({ sub: id, email: a.email, name: a.name, groups: a.groups }) } : undefined;
    },
  });
  provider.on('server_error', (_ctx, err) => console.error('oidc-provider:', err));
  server.on('request', provider.callback());
  return {
    issuer,
    clientId: 'ci-intel',
    clientSecret,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Cookies by origin (a real browser separates them by host; two loopback ports would share). */
export class Jar {
  private readonly byOrigin = new Map<string, Map<string, string>>();
  header(url: string): string {
    return [...(this.byOrigin.get(new URL(url).origin) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(url: string, res: Response): void {
    const origin = new URL(url).origin;
    const jar = this.byOrigin.get(origin) ?? new Map<string, string>();
    this.byOrigin.set(origin, jar);
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (gone) jar.delete(name);
      else jar.set(name, value);
    }
  }
  get(url: string, name: string): string | undefined {
    return this.byOrigin.get(new URL(url).origin)?.get(name);
  }
}

const decode = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#x2F;/g, '/')
    .replace(/&#x3D;/g, '=');

/** Follows redirects from `start`, posting the provider's forms (login, then consent); returns the last answer. */
export async function browse(start: string, login: string, jar = new Jar()): Promise<{ url: string; res: Response; body: string; jar: Jar }> {
  let url = start;
  let init: RequestInit = {};
  for (let hop = 0; hop < 20; hop++) {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: jar.header(url) } });
    jar.take(url, res);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url).toString();
      init = {};
      await res.arrayBuffer();
      continue;
    }
    const body = await res.text();
    const form = /<form[^>]*action="([^"]+)"[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/i.exec(body);
    if (res.status === 200 && form && new URL(url).origin !== new URL(start).origin) {
      const fields = new URLSearchParams();
      for (const [tag] of form[2]!.matchAll(/<input[^>]*>/gi)) {
        const name = /\bname="([^"]+)"/.exec(tag)?.[1];
        if (name) fields.set(name, decode(/\bvalue="([^"]*)"/.exec(tag)?.[1] ?? ''));
      }
      if (fields.has('login')) fields.set('login', login);
      if (fields.has('password')) fields.set('password', 'any');
      url = new URL(decode(form[1]!), url).toString();
      init = { method: 'POST', body: fields.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
      continue;
    }
    return { url, res, body, jar };
  }
  throw new Error(`too many redirects from ${start}`);
}
