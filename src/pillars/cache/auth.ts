// Cache tokens (issue 7 "Running it" and "Safety"): `T` is valid for every namespace, `ns=T` for
// one. Accepted as a bearer token and as the basic-auth password (ccache sends the URL's
// user-info, `http://user:TOKEN@host/ccache`; Gradle sends credentials only after a 401 that
// carries a WWW-Authenticate challenge). Tokens are kept as SHA-256 hashes.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CiError } from '../../core/errors.js';
import { presentedToken } from '../../core/http/index.js';
import { checkNamespace } from './keys.js';

const sha = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex');

export class CacheTokens {
  private readonly all = new Set<string>();
  /** token hash -> namespaces it may use */
  private readonly scoped = new Map<string, Set<string>>();
  private readonly hashes = new Map<string, string>();

  /** Parses `T` / `ns=T` entries (flags, env lists split on commas or whitespace). */
  constructor(entries: string[]) {
    for (const raw of entries) {
      const e = raw.trim();
      if (!e) continue;
      const eq = e.indexOf('=');
      // A token may itself contain "=" (base64): only a valid namespace before the first "=" scopes it.
      const ns = eq > 0 ? e.slice(0, eq) : null;
      if (ns && /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(ns) && eq < e.length - 1) {
        checkNamespace(ns, '--token');
        const h = sha(e.slice(eq + 1));
        const set = this.scoped.get(h) ?? new Set<string>();
        set.add(ns);
        this.scoped.set(h, set);
      } else {
        if (e.length < 8) {
          throw new CiError('E_USAGE', 'a cache token must be at least 8 characters', {
            where: '--token',
            hint: 'use a long random secret, e.g. `openssl rand -hex 24`',
          });
        }
        this.all.add(sha(e));
      }
    }
  }

  /** No tokens configured: the cache is open (the server says so at start). */
  get open(): boolean {
    return this.all.size === 0 && this.scoped.size === 0;
  }

  get count(): number {
    return this.all.size + this.scoped.size;
  }

  /** Throws 401 (no or unknown token) or 403 (a token for other namespaces). */
  check(req: FastifyRequest, reply: FastifyReply, namespace: string): void {
    if (this.open) return;
    const t = presentedToken(req);
    if (!t) {
      challenge(reply);
      throw new CiError('E_AUTH_REQUIRED', 'this cache needs a token', {
        where: 'Authorization header',
        hint: 'send "Authorization: Bearer <token>" or put the token as the password in the URL (http://user:TOKEN@host/...)',
      });
    }
    let h = this.hashes.get(t);
    if (h === undefined) {
      h = sha(t);
      // A handful of tokens is presented over and over: remember their hashes (bounded).
      if (this.hashes.size >= 1024) this.hashes.clear();
      this.hashes.set(t, h);
    }
    if (this.all.has(h)) return;
    const nss = this.scoped.get(h);
    if (nss?.has(namespace)) return;
    if (nss) {
      throw new CiError('E_CACHE_FORBIDDEN_NAMESPACE', `the token is not valid for cache namespace ${JSON.stringify(namespace)}`, {
        hint: `its namespaces are ${[...nss].sort().join(', ')}`,
      });
    }
    challenge(reply);
    throw new CiError('E_AUTH_REQUIRED', 'unknown cache token', {
      where: 'Authorization header',
      hint: 'check the token the cache was started with (--token)',
    });
  }
}

function challenge(reply: FastifyReply): void {
  reply.header('www-authenticate', 'Basic realm="ci-intel cache", charset="UTF-8"');
}
