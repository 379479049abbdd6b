// Opening GitHub issues for failures (issue 4, deliverable 10), through the REST API: one issue per
// failure signature — a later occurrence of the same signature comments on the open issue instead of
// opening a second. The signature is kept in the issue body as an HTML comment marker, so the
// dedupe works from any machine (the agent has no store) by listing the open issues with our label.
import { CiError } from '../../core/errors.js';

export interface GitHubTarget {
  /** owner/repo */
  repo: string;
  token: string;
  /** REST base, `https://api.github.com` (GITHUB_API_URL in Actions, or a GitHub Enterprise URL). */
  apiUrl: string;
}

export const ISSUE_LABEL = 'ci-autopsy';
export const marker = (signature: string) => `<!-- ci-intel-signature: ${signature} -->`;

export interface IssueResult {
  action: 'opened' | 'commented';
  number: number;
  url: string;
}

async function call(t: GitHubTarget, method: string, path: string, body?: unknown, fetchImpl: typeof fetch = fetch): Promise<unknown> {
  let res: Response;
  try {
    res = await fetchImpl(t.apiUrl.replace(/\/+$/, '') + path, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${t.token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'ci-intel-autopsy',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    throw new CiError('E_GITHUB_FAILED', `cannot reach ${t.apiUrl}: ${(e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message}`, {
      where: `${method} ${path}`,
      hint: 'check --github-api / GITHUB_API_URL and the network',
    });
  }
  const text = await res.text();
  if (!res.ok) {
    let msg = text.slice(0, 300);
    try {
      msg = (JSON.parse(text) as { message?: string }).message ?? msg;
    } catch {
      /* keep text */
    }
    throw new CiError('E_GITHUB_FAILED', `GitHub answered ${res.status}: ${msg}`, {
      where: `${method} ${path}`,
      hint: res.status === 401 || res.status === 403 ? 'the token needs the issues: write permission on the repository' : 'check the repository name',
    });
  }
  return text ? JSON.parse(text) : null;
}

/** The open issue carrying this signature's marker, if any (first 10 pages of the label's issues). */
export async function findIssue(t: GitHubTarget, signature: string, fetchImpl?: typeof fetch): Promise<{ number: number; html_url: string } | null> {
  const m = marker(signature);
  for (let page = 1; page <= 10; page++) {
    const list = (await call(t, 'GET', `/repos/${t.repo}/issues?state=open&labels=${ISSUE_LABEL}&per_page=100&page=${page}`, undefined, fetchImpl)) as Array<{
      number: number;
      html_url: string;
      body?: string | null;
      pull_request?: unknown;
    }>;
    const hit = list.find((i) => !i.pull_request && (i.body ?? '').includes(m));
    if (hit) return hit;
    if (list.length < 100) return null;
  }
  return null;
}

/** Opens an issue for the signature, or comments on the open one. */
export async function openOrComment(t: GitHubTarget, signature: string, title: string, markdown: string, fetchImpl?: typeof fetch): Promise<IssueResult> {
  if (!/^[\w.-]+\/[\w.-]+$/.test(t.repo)) throw new CiError('E_USAGE', `--open-issue ${t.repo} is not owner/repo`, { where: '--open-issue' });
  const existing = await findIssue(t, signature, fetchImpl);
  if (existing) {
    await call(t, 'POST', `/repos/${t.repo}/issues/${existing.number}/comments`, { body: `Seen again.\n\n${markdown}` }, fetchImpl);
    return { action: 'commented', number: existing.number, url: existing.html_url };
  }
  const created = (await call(
    t,
    'POST',
    `/repos/${t.repo}/issues`,
    { title: title.slice(0, 250), body: `${markdown}\n${marker(signature)}\n`, labels: [ISSUE_LABEL] },
    fetchImpl,
  )) as { number: number; html_url: string };
  return { action: 'opened', number: created.number, url: created.html_url };
}
