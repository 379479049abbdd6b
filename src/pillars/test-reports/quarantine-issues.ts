// One GitHub (or GitLab) issue per quarantined test (seed 001 "Quarantine Process": quarantine and release are
// tracked where the team works). Stateless like the autopsy's issues: each issue carries a marker
// with the test's id hash, so any machine (the agent has no store) can list the open issues with our
// label, open one for a test newly quarantined and close the one of a test released. The owner from
// CODEOWNERS is mentioned (a mention notifies users and teams alike; assigning would refuse teams).
import { createHash } from 'node:crypto';
import { githubCall, issuesHint, type GithubTarget } from '../../core/github.js';
import { gitlabCall, projectRef, type GitlabTarget } from '../../core/gitlab.js';
import type { QuarantineEntry } from './quarantine.js';

export const QUARANTINE_LABEL = 'ci-intel-quarantine';

const key = (id: string) => createHash('sha256').update(id).digest('hex').slice(0, 16);
export const quarantineMarker = (id: string) => `<!-- ci-intel-quarantine: ${key(id)} -->`;
const MARKER_RE = /<!-- ci-intel-quarantine: ([0-9a-f]{16}) -->/;

export interface IssueSync {
  opened: Array<{ id: string; number: number; url: string }>;
  closed: Array<{ number: number; url: string }>;
}

interface Issue {
  number: number;
  html_url: string;
  body?: string | null;
  pull_request?: unknown;
}

function issueBody(e: QuarantineEntry): string {
  return [
    `The test \`${e.id}\` is quarantined: its failures no longer block required checks until it is fixed.`,
    '',
    `- **kind**: ${e.kind === 'broken' ? 'broken — it fails without a pass contradicting it; it needs a fix, not a retry' : 'flaky — a pass on the same commit contradicted a failure'}`,
    `- **why**: ${e.reason}`,
    `- **owner**: ${e.owner ?? 'none in CODEOWNERS'}`,
    `- **since**: ${e.quarantined_at.slice(0, 10)}${e.expires_at ? `, expires ${e.expires_at.slice(0, 10)}` : ''}`,
    `- **failing runs**: ${e.proof_runs.length ? e.proof_runs.join(', ') : 'none recorded'}`,
    '',
    'ci-intel closes this issue when the test is released (enough clean runs in a row, or the expiry date).',
    quarantineMarker(e.id),
    '',
  ].join('\n');
}

/** What syncing needs of an issue tracker (GitHub issues, GitLab issues). */
interface IssueTracker {
  /** The open issues with our label, every page. */
  listOpen(): Promise<Array<{ number: number; url: string; body: string }>>;
  open(title: string, body: string, labels: string[]): Promise<{ number: number; url: string }>;
  close(number: number, comment: string): Promise<void>;
}

function githubIssues(t: GithubTarget, fetchImpl?: typeof fetch): IssueTracker {
  const call = <T>(method: string, path: string, body?: unknown) => githubCall<T>(t, method, path, { body, hint: issuesHint, fetchImpl });
  return {
    async listOpen() {
      const out: Array<{ number: number; url: string; body: string }> = [];
      for (let page = 1; page <= 10; page++) {
        const list = await call<Issue[]>('GET', `/repos/${t.repo}/issues?state=open&labels=${QUARANTINE_LABEL}&per_page=100&page=${page}`);
        for (const i of list) if (!i.pull_request) out.push({ number: i.number, url: i.html_url, body: i.body ?? '' });
        if (list.length < 100) break;
      }
      return out;
    },
    async open(title, body, labels) {
      const created = await call<Issue>('POST', `/repos/${t.repo}/issues`, { title, body, labels });
      return { number: created.number, url: created.html_url };
    },
    async close(number, comment) {
      await call('POST', `/repos/${t.repo}/issues/${number}/comments`, { body: comment });
      await call('PATCH', `/repos/${t.repo}/issues/${number}`, { state: 'closed', state_reason: 'completed' });
    },
  };
}

/** GitLab issues (REST v4): `project` is the numeric id or the project's path. */
function gitlabIssues(t: GitlabTarget & { project: string }, fetchImpl?: typeof fetch): IssueTracker {
  const base = `/projects/${projectRef(t.project)}/issues`;
  const hint = (status: number, limited: boolean) =>
    limited
      ? 'GitLab rate-limited the token: retry later'
      : status === 401 || status === 403
        ? 'the token needs the api scope and the Reporter role on the project'
        : 'check the project';
  const call = async <T>(method: string, path: string, body?: unknown) => (await gitlabCall<T>(t, method, path, { body, hint, fetchImpl })).body;
  return {
    async listOpen() {
      const out: Array<{ number: number; url: string; body: string }> = [];
      for (let page = 1; page <= 10; page++) {
        const list = await call<Array<{ iid: number; web_url: string; description?: string | null }>>(
          'GET',
          `${base}?state=opened&labels=${QUARANTINE_LABEL}&per_page=100&page=${page}`,
        );
        for (const i of list) out.push({ number: i.iid, url: i.web_url, body: i.description ?? '' });
        if (list.length < 100) break;
      }
      return out;
    },
    async open(title, body, labels) {
      const created = await call<{ iid: number; web_url: string }>('POST', base, { title, description: body, labels: labels.join(',') });
      return { number: created.iid, url: created.web_url };
    },
    async close(number, comment) {
      await call('POST', `${base}/${number}/notes`, { body: comment });
      await call('PUT', `${base}/${number}`, { state_event: 'close' });
    },
  };
}

/** Opens an issue for every entry without an open one and closes the open issues of released tests. */
async function syncWith(tracker: IssueTracker, entries: QuarantineEntry[]): Promise<IssueSync> {
  const open = new Map<string, { number: number; url: string }>();
  for (const i of await tracker.listOpen()) {
    const m = MARKER_RE.exec(i.body);
    if (m) open.set(m[1]!, i);
  }
  const out: IssueSync = { opened: [], closed: [] };
  const wanted = new Set<string>();
  for (const e of [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const k = key(e.id);
    wanted.add(k);
    if (open.has(k)) continue;
    const created = await tracker.open(`Quarantined (${e.kind}): ${e.id}`.slice(0, 250), issueBody(e), [QUARANTINE_LABEL, e.kind]);
    out.opened.push({ id: e.id, ...created });
  }
  for (const [k, i] of [...open].sort((a, b) => a[1].number - b[1].number)) {
    if (wanted.has(k)) continue;
    await tracker.close(i.number, 'Released from quarantine: the test is no longer in the quarantine list.');
    out.closed.push({ number: i.number, url: i.url });
  }
  return out;
}

export const syncQuarantineIssues = (t: GithubTarget, entries: QuarantineEntry[], fetchImpl?: typeof fetch): Promise<IssueSync> =>
  syncWith(githubIssues(t, fetchImpl), entries);

export const syncQuarantineIssuesGitlab = (t: GitlabTarget & { project: string }, entries: QuarantineEntry[], fetchImpl?: typeof fetch): Promise<IssueSync> =>
  syncWith(gitlabIssues(t, fetchImpl), entries);
