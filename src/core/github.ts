// One call to GitHub's REST API, for everything that writes to GitHub (the autopsy's issues, the
// report's comment, check run, labels and status, the hub's ChatOps replies): the API version
// headers and core/rest.ts's rate-limit waits and E_GITHUB_FAILED line with GitHub's own message
// and what to fix. The token never appears in a message.
import { restCall, type HostCallOptions } from './rest.js';

export { apiMessage, rateLimited, rateLimitWait } from './rest.js';

export interface GithubTarget {
  /** REST base: https://api.github.com, GITHUB_API_URL in Actions, or a GitHub Enterprise URL. */
  apiUrl: string;
  token: string;
  /** owner/name */
  repo: string;
}

export type GithubCallOptions = HostCallOptions;

const defaultHint = (status: number, limited: boolean) =>
  limited ? 'GitHub rate-limited the token: retry later' : status === 401 ? 'the token is missing, expired or invalid' : 'check the repository and the token';

/** What to do when GitHub refuses a call on issues (the autopsy's issues, the quarantine's issues). */
export const issuesHint = (status: number, limited: boolean) =>
  limited
    ? 'GitHub rate-limited the token: retry later'
    : status === 401 || status === 403
      ? 'the token needs the issues: write permission on the repository'
      : 'check the repository name';

/** GitHub's request headers for a bearer token (an installation token, a PAT, GITHUB_TOKEN or an app's JWT). */
export function githubHeaders(token: string): Record<string, string> {
  return {
    accept: 'application/vnd.github+json',
    authorization: `Bearer ${token}`,
    'x-github-api-version': '2022-11-28',
    'user-agent': 'ci-intel',
  };
}

export async function githubCall<T>(t: Omit<GithubTarget, 'repo'>, method: string, path: string, o: GithubCallOptions = {}): Promise<T> {
  const r = await restCall<T>({
    host: 'GitHub',
    code: 'E_GITHUB_FAILED',
    url: t.apiUrl.replace(/\/+$/, '') + path,
    method,
    headers: githubHeaders(t.token),
    body: o.body,
    hint: o.hint ?? defaultHint,
    unreachableHint: 'check GITHUB_API_URL and the network',
    sleep: o.sleep,
    fetchImpl: o.fetchImpl,
  });
  return r.body;
}
