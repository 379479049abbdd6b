// Links from a run to its CI run, commit and pull/merge request on the code host that reported it.
// The hosts are the configured ones (GitHub Enterprise Server's API URL, a self-managed GitLab's
// URL), so a run of github.example.com links there, not to github.com.
import type { Config } from '../config.js';

export interface RunLinks {
  ci_run: string | null;
  commit: string | null;
  pr: string | null;
}

/** GitHub's web origin from its API URL: api.github.com → github.com, HOST/api/v3 → HOST. */
export function githubWebUrl(apiUrl: string): string {
  const u = new URL(apiUrl);
  if (u.hostname === 'api.github.com') return 'https://github.com';
  return `${u.origin}${u.pathname.replace(/\/api\/v3\/?$/, '').replace(/\/$/, '')}`;
}

export function runLinks(
  r: { provider?: string | null; repo: string; provider_run_id?: string | null; commit_sha?: string | null; pr?: number | string | null },
  config: Pick<Config, 'github' | 'gitlab'>,
): RunLinks | null {
  const gl = r.provider === 'gitlab';
  if (r.provider !== 'github' && !gl) return null;
  const base = `${gl ? config.gitlab.url.replace(/\/$/, '') : githubWebUrl(config.github.apiUrl)}/${r.repo}`;
  return {
    ci_run: r.provider_run_id ? `${base}${gl ? '/-/pipelines/' : '/actions/runs/'}${encodeURIComponent(r.provider_run_id)}` : null,
    commit: r.commit_sha ? `${base}${gl ? '/-/commit/' : '/commit/'}${encodeURIComponent(r.commit_sha)}` : null,
    pr: r.pr ? `${base}${gl ? '/-/merge_requests/' : '/pull/'}${encodeURIComponent(String(r.pr))}` : null,
  };
}
