// One call to GitHub's REST API, for everything that writes to GitHub (the autopsy's issues, the
// report's comment, check run, labels and status): the API version headers, a rate limit waited out
// as GitHub says (twice at most, a minute at most), and one E_GITHUB_FAILED line with GitHub's own
// message and what to fix. The token never appears in a message.
import { CiError } from './errors.js';

export interface GithubTarget {
  /** REST base: https://api.github.com, GITHUB_API_URL in Actions, or a GitHub Enterprise URL. */
  apiUrl: string;
  token: string;
  /** owner/name */
  repo: string;
}

export interface GithubCallOptions {
  body?: unknown;
  /** What to do about an error status (`limited`: GitHub rate-limited the token). */
  hint?: (status: number, limited: boolean) => string;
  /** Waits before retrying a rate-limited call (tests pass a short one). */
  sleep?: (ms: number) => Promise<void>;
  fetchImpl?: typeof fetch;
}

const RATE_LIMIT_RETRIES = 2;

/** The API's own words: `{"message": ...}` (GitHub and GitLab), else the start of the body. */
export function apiMessage(text: string): string {
  try {
    const m = (JSON.parse(text) as { message?: unknown }).message;
    if (m !== undefined) return typeof m === 'string' ? m : JSON.stringify(m);
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 200);
}

/** Milliseconds to wait before retrying a rate-limited request: Retry-After, else the reset time. */
export function rateLimitWait(res: Response): number {
  const after = Number(res.headers.get('retry-after'));
  if (Number.isFinite(after) && after > 0) return after * 1000;
  // GitHub: X-RateLimit-Reset; GitLab: RateLimit-Reset (both epoch seconds).
  const reset = Number(res.headers.get('x-ratelimit-reset') ?? res.headers.get('ratelimit-reset'));
  return Number.isFinite(reset) && reset > 0 ? reset * 1000 - Date.now() : 1000;
}

/** Primary limit: a 403 with no requests left; secondary limit: a 403 or 429 that says so. */
export function rateLimited(res: Response, message: string): boolean {
  return res.status === 429 || (res.status === 403 && (res.headers.get('x-ratelimit-remaining') === '0' || /rate limit/i.test(message)));
}

const defaultHint = (status: number, limited: boolean) =>
  limited ? 'GitHub rate-limited the token: retry later' : status === 401 ? 'the token is missing, expired or invalid' : 'check the repository and the token';

/** What to do when GitHub refuses a call on issues (the autopsy's issues, the quarantine's issues). */
export const issuesHint = (status: number, limited: boolean) =>
  limited
    ? 'GitHub rate-limited the token: retry later'
    : status === 401 || status === 403
      ? 'the token needs the issues: write permission on the repository'
      : 'check the repository name';

export async function githubCall<T>(t: GithubTarget, method: string, path: string, o: GithubCallOptions = {}): Promise<T> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await (o.fetchImpl ?? fetch)(t.apiUrl.replace(/\/+$/, '') + path, {
        method,
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${t.token}`,
          'x-github-api-version': '2022-11-28',
          'user-agent': 'ci-intel',
          ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      throw new CiError('E_GITHUB_FAILED', `cannot reach ${t.apiUrl}: ${(e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message}`, {
        where: `${method} ${path}`,
        hint: 'check GITHUB_API_URL and the network',
      });
    }
    const text = await res.text();
    if (res.ok) return (text ? JSON.parse(text) : null) as T;
    const message = apiMessage(text);
    const limited = rateLimited(res, message);
    if (limited && attempt <= RATE_LIMIT_RETRIES) {
      await sleep(Math.min(Math.max(rateLimitWait(res), 100), 60_000));
      continue;
    }
    throw new CiError('E_GITHUB_FAILED', `GitHub answered ${res.status}: ${message}`, {
      where: `${method} ${path}`,
      hint: (o.hint ?? defaultHint)(res.status, limited),
    });
  }
}
