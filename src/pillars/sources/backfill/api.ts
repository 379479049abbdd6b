// The REST client both backfills share (GitHub and GitLab): paginated GETs with retries, rate-limit
// waits and one clear E_PROVIDER_API error naming the repository/project and what to do.
import { CiError } from '../../../core/errors.js';
import { apiMessage, rateLimitWait } from '../../../core/github.js';
import { obj, type J } from '../model.js';

export interface ProviderApiOptions {
  /** For messages: `GitHub` or `GitLab`. */
  provider: string;
  /** The repository or project being backfilled, named in every error. */
  subject: string;
  headers: Record<string, string>;
  /** What to do about an error status (401, 403, 404, ...). */
  hint: (status: number) => string;
  /** What to check when the API cannot be reached at all. */
  unreachableHint: string;
  fetchImpl?: typeof fetch;
}

/** `--since` as a date (YYYY-MM-DD or RFC 3339), or a usage error. */
export function sinceDate(since: string | undefined): Date | null {
  if (!since) return null;
  const t = Date.parse(since);
  if (!Number.isFinite(t)) throw new CiError('E_USAGE', `--since ${since} is not a date`, { where: '--since', hint: 'e.g. 2026-01-01' });
  return new Date(t);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ATTEMPTS = 4;

/** The URL of the `rel="next"` page in a Link header (RFC 8288), if any. */
export function nextLink(link: string | null): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part.trim());
    if (m) return m[1]!;
  }
  return null;
}

/**
 * The next page: the Link header's rel="next", else GitLab's `X-Next-Page` (a page number, empty
 * on the last page) applied to the URL just fetched. GitLab omits Link when a result set is too
 * large to count (doc/api/rest/_index.md "Pagination Link header") but still sends X-Next-Page.
 */
export function nextPage(url: string, headers: Headers): string | null {
  const link = nextLink(headers.get('link'));
  if (link) return link;
  const n = headers.get('x-next-page');
  if (!n || !/^\d+$/.test(n.trim())) return null;
  const u = new URL(url);
  u.searchParams.set('page', n.trim());
  return u.toString();
}

export class ProviderApi {
  requests = 0;
  constructor(private readonly o: ProviderApiOptions) {}

  async get(url: string): Promise<{ body: J | J[]; next: string | null }> {
    for (let attempt = 1; ; attempt++) {
      this.requests++;
      let res: Response;
      try {
        res = await (this.o.fetchImpl ?? fetch)(url, { headers: this.o.headers, signal: AbortSignal.timeout(60_000) });
      } catch (e) {
        if (attempt < ATTEMPTS) {
          await sleep(500 * 2 ** attempt);
          continue;
        }
        throw new CiError('E_PROVIDER_API', `cannot reach ${new URL(url).origin}: ${(e as Error).message}`, {
          where: url,
          hint: this.o.unreachableHint,
          cause: e,
        });
      }
      // Rate limits: wait as told (429 with Retry-After; GitHub's primary limit is a 403 with no
      // requests remaining and a reset time).
      const limited = res.status === 429 || (res.status === 403 && res.headers.get('x-ratelimit-remaining') === '0');
      if (limited && attempt < ATTEMPTS) {
        await res.body?.cancel();
        await sleep(Math.min(Math.max(rateLimitWait(res), 100), 60_000));
        continue;
      }
      if (res.status >= 500 && attempt < ATTEMPTS) {
        await res.body?.cancel();
        await sleep(500 * 2 ** attempt);
        continue;
      }
      const text = await res.text();
      if (!res.ok) {
        throw new CiError('E_PROVIDER_API', `${this.o.provider} answered ${res.status} for ${this.o.subject}: ${apiMessage(text)}`, {
          where: url.split('?')[0],
          hint: this.o.hint(res.status),
        });
      }
      return { body: JSON.parse(text) as J | J[], next: nextPage(url, res.headers) };
    }
  }

  /** Every item of a paginated list, as objects. */
  async all(url: string, items: (page: J | J[]) => unknown[]): Promise<J[]> {
    const out: J[] = [];
    for await (const item of this.list(url, items)) out.push(obj(item));
    return out;
  }

  /** Every item of a paginated list; `items` picks them out of a page (GitHub wraps them, GitLab does not). */
  async *list(url: string, items: (page: J | J[]) => unknown[]): AsyncGenerator<unknown> {
    let next: string | null = url;
    while (next) {
      const page: { body: J | J[]; next: string | null } = await this.get(next);
      yield* items(page.body);
      next = page.next;
    }
  }
}
