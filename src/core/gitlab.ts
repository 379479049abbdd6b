// One call to GitLab's REST API v4 (merge-request notes, commit statuses, labels, ChatOps replies
// and the CI actions they trigger), through core/rest.ts: rate limits waited out, one
// E_GITLAB_FAILED line with GitLab's own message and what to fix, the token never in a message.
import { restCall, type HostCallOptions } from './rest.js';

export interface GitlabTarget {
  /** The instance, e.g. https://gitlab.com (the API is under /api/v4). CI_SERVER_URL in a job. */
  url: string;
  /** A personal, project or group access token with the `api` scope. */
  token: string;
}

const defaultHint = (status: number, limited: boolean) =>
  limited
    ? 'GitLab rate-limited the token: retry later'
    : status === 401
      ? 'the token is missing, expired or revoked (a project or group access token with the api scope)'
      : status === 403
        ? 'the token needs the api scope and at least the Developer role on the project'
        : 'check the project and the token';

/** GitLab's path parameter for a project: its numeric id, or `group/sub/project` URL-encoded. */
export function projectRef(project: string | number): string {
  return encodeURIComponent(String(project));
}

export async function gitlabCall<T>(t: GitlabTarget, method: string, path: string, o: HostCallOptions = {}): Promise<{ body: T; headers: Headers }> {
  return restCall<T>({
    host: 'GitLab',
    code: 'E_GITLAB_FAILED',
    url: `${t.url.replace(/\/+$/, '').replace(/\/api\/v4$/, '')}/api/v4${path}`,
    method,
    headers: { 'private-token': t.token, 'user-agent': 'ci-intel' },
    body: o.body,
    hint: o.hint ?? defaultHint,
    unreachableHint: 'check the GitLab URL (gitlab.url, CI_SERVER_URL) and the network',
    sleep: o.sleep,
    fetchImpl: o.fetchImpl,
  });
}
