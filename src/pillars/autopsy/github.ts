// Opening GitHub issues for failures (issue 4, deliverable 10), through the REST API: one issue per
// failure signature — a later occurrence of the same signature comments on the open issue instead of
// opening a second. The signature is kept in the issue body as an HTML comment marker, so the
// dedupe works from any machine (the agent has no store) by listing the open issues with our label.
import { CiError } from '../../core/errors.js';
import { githubCall, issuesHint, type GithubTarget } from '../../core/github.js';

export type GitHubTarget = GithubTarget;

export const ISSUE_LABEL = 'ci-autopsy';
export const marker = (signature: string) => `<!-- ci-intel-signature: ${signature} -->`;

export interface IssueResult {
  action: 'opened' | 'commented';
  number: number;
  url: string;
}

const call = (t: GitHubTarget, method: string, path: string, body?: unknown, fetchImpl?: typeof fetch): Promise<unknown> =>
  githubCall(t, method, path, { body, hint: issuesHint, fetchImpl });

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
