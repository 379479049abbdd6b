// One REST call to a code host (GitHub or GitLab): JSON in and out, a rate limit waited out as
// the host says (twice at most, a minute at most), and one error line with the host's own message
// and what to fix. Tokens travel in headers only and never appear in a message.
import { CiError, type ErrorCode } from './errors.js';

export interface RestCall {
  /** For messages: `GitHub` or `GitLab`. */
  host: string;
  code: ErrorCode;
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: unknown;
  /** What to do about an error status (`limited`: the host rate-limited the token). */
  hint: (status: number, limited: boolean) => string;
  unreachableHint: string;
  /** Waits before retrying a rate-limited call (tests pass a short one). */
  sleep?: (ms: number) => Promise<void>;
  fetchImpl?: typeof fetch;
}

/** What a caller of githubCall / gitlabCall may give. */
export interface HostCallOptions {
  body?: unknown;
  /** What to do about an error status (`limited`: the host rate-limited the token). */
  hint?: (status: number, limited: boolean) => string;
  /** Waits before retrying a rate-limited call (tests pass a short one). */
  sleep?: (ms: number) => Promise<void>;
  fetchImpl?: typeof fetch;
}

const RATE_LIMIT_RETRIES = 2;

/** The API's own words: `{"message": ...}` (GitHub and GitLab), else the start of the body. */
export function apiMessage(text: string): string {
  try {
    // GitLab says `message` or, for OAuth-style errors, `error`.
    const j = JSON.parse(text) as { message?: unknown; error?: unknown };
    const m = j.message ?? j.error;
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

export async function restCall<T>(c: RestCall): Promise<{ body: T; headers: Headers }> {
  const sleep = c.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const path = new URL(c.url).pathname;
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await (c.fetchImpl ?? fetch)(c.url, {
        method: c.method,
        headers: { ...c.headers, ...(c.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: c.body === undefined ? undefined : JSON.stringify(c.body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      throw new CiError(c.code, `cannot reach ${new URL(c.url).origin}: ${(e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message}`, {
        where: `${c.method} ${path}`,
        hint: c.unreachableHint,
      });
    }
    const text = await res.text();
    if (res.ok) return { body: (text ? JSON.parse(text) : null) as T, headers: res.headers };
    const message = apiMessage(text);
    const limited = rateLimited(res, message);
    if (limited && attempt <= RATE_LIMIT_RETRIES) {
      await sleep(Math.min(Math.max(rateLimitWait(res), 100), 60_000));
      continue;
    }
    throw new CiError(c.code, `${c.host} answered ${res.status}: ${message}`, {
      where: `${c.method} ${path}`,
      hint: c.hint(res.status, limited),
      details: { status: res.status },
    });
  }
}
