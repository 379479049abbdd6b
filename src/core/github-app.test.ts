// GitHub App mode against a local server answering like GitHub: the JWT it verifies with the
// app's public key, installation tokens bought once and reused until five minutes before expiry.
import { generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingApi } from '../../test/support/api-server.js';
import { appJwt, githubAuth } from './github-app.js';
import { CiError } from './errors.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
let now = Date.parse('2026-12-05T12:00:00Z');
const expiresIn = 3600_000;
let issued = 0;

const api = new RecordingApi((c) => {
  if (c.path === '/repos/acme/app/installation') return [200, { id: 77 }];
  if (c.path === '/app/installations/77/access_tokens') return [201, { token: `ghs_token${++issued}`, expires_at: new Date(now + expiresIn).toISOString() }];
  return [404, { message: 'Not Found' }];
});

beforeAll(async () => void (await api.start()));
afterAll(() => api.stop());

describe('GitHub App mode', () => {
  it('signs an RS256 JWT GitHub accepts: issued a minute back, valid nine minutes, iss = app id', () => {
    const jwt = appJwt('123', privateKey, now);
    const [h, b, s] = jwt.split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(b!, 'base64url').toString())).toEqual({ iat: now / 1000 - 60, exp: now / 1000 + 540, iss: '123' });
    expect(verify('RSA-SHA256', Buffer.from(`${h}.${b}`), publicKey, Buffer.from(s!, 'base64url'))).toBe(true);
  });

  it('looks the installation up once, reuses its token until five minutes before expiry, then buys another', async () => {
    const auth = githubAuth({ apiUrl: api.url, appId: '123', appPrivateKey: PEM }, { now: () => now })!;
    expect(auth.mode).toBe('app');
    const [a, b] = await Promise.all([auth.token('acme/app'), auth.token('acme/app')]);
    expect([a, b]).toEqual(['ghs_token1', 'ghs_token1']);
    now += 54 * 60_000;
    expect(await auth.token('acme/app')).toBe('ghs_token1');
    now += 2 * 60_000; // 4 minutes left
    expect(await auth.token('acme/app')).toBe('ghs_token2');
    expect(api.lines()).toEqual(['GET /repos/acme/app/installation', 'POST /app/installations/77/access_tokens', 'POST /app/installations/77/access_tokens']);
    // Every app call carried a JWT, never an installation token.
    expect(api.calls.every((c) => String(c.headers.authorization).split('.').length === 3)).toBe(true);
  });

  it('reads the key from a file, accepts escaped newlines, and names what is missing or wrong', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-app-'));
    writeFileSync(path.join(dir, 'app.pem'), PEM);
    expect(githubAuth({ apiUrl: api.url, appId: '1', appPrivateKeyFile: path.join(dir, 'app.pem') })!.mode).toBe('app');
    expect(githubAuth({ apiUrl: api.url, appId: '1', appPrivateKey: PEM.replace(/\n/g, '\\n') })!.mode).toBe('app');
    const fail = (s: Parameters<typeof githubAuth>[0]) => {
      try {
        githubAuth(s);
      } catch (e) {
        return `${(e as CiError).code} ${(e as CiError).where}: ${(e as CiError).message}`;
      }
      return 'no error';
    };
    expect(fail({ apiUrl: api.url, appId: '1' })).toBe('E_GITHUB_APP GITHUB_APP_PRIVATE_KEY: GitHub App mode needs both the app id and its private key');
    expect(fail({ apiUrl: api.url, appPrivateKey: PEM })).toMatch(/^E_GITHUB_APP GITHUB_APP_ID:/);
    expect(fail({ apiUrl: api.url, appId: '1', appPrivateKey: 'not a key' })).toMatch(
      /^E_GITHUB_APP GITHUB_APP_PRIVATE_KEY: the GitHub App's private key cannot be used/,
    );
    expect(fail({ apiUrl: api.url, appId: '1', appPrivateKeyFile: path.join(dir, 'missing.pem') })).toMatch(/^E_GITHUB_APP GITHUB_APP_PRIVATE_KEY_FILE:/);
    // A plain token is used as is; nothing configured is null.
    expect(githubAuth({ apiUrl: api.url, token: 't' })!.mode).toBe('token');
    expect(githubAuth({ apiUrl: api.url })).toBeNull();
  });
});
