// What ChatOps asks of a code host, for GitHub and GitLab: the commenter's permission, re-running
// failed CI, starting the deployment workflow/pipeline, and the reply. Every call goes through the
// core REST clients (rate limits, one error line with the host's message, tokens never printed).
import type { GithubAuth } from '../../../core/github-app.js';
import { githubCall } from '../../../core/github.js';
import { gitlabCall, projectRef, type GitlabTarget } from '../../../core/gitlab.js';
import type { ChatContext } from './map.js';

export interface ChatTarget {
  repo: string;
  target: 'pull' | 'issue';
  number: number;
  user: string;
  context: ChatContext;
}

export interface Permission {
  /** May act: write access (GitHub write/maintain/admin, GitLab Developer or above). */
  write: boolean;
  /** The level as the host names it, for the refusal. */
  level: string;
}

export interface CodeHost {
  permission(t: ChatTarget): Promise<Permission>;
  /** Re-runs what failed; returns the sentence for the reply. */
  rerun(t: ChatTarget): Promise<string>;
  /** Starts the deployment with `action` (promote | rollback) for `environment`; returns the sentence for the reply. */
  deploy(t: ChatTarget, action: string, environment: string, ref: string | null): Promise<string>;
  /** Posts the reply on the pull request / merge request / issue; returns its URL. */
  reply(t: ChatTarget, body: string): Promise<string | null>;
}

const GITHUB_WRITE = new Set(['admin', 'maintain', 'write']);

export function githubHost(auth: GithubAuth, deployWorkflow: string | undefined, fetchImpl?: typeof fetch): CodeHost {
  const call = async <T>(t: ChatTarget, method: string, path: string, body?: unknown) =>
    githubCall<T>({ apiUrl: auth.apiUrl, token: await auth.token(t.repo, t.context.installation_id) }, method, path, {
      body,
      fetchImpl,
      hint: (status) =>
        status === 403
          ? 'the GitHub App (or token) needs the permissions actions: write, issues: write, pull_requests: write and metadata: read'
          : status === 404
            ? 'the repository, pull request or workflow is not visible to the GitHub App (or token)'
            : 'check the GitHub App installation',
    });
  return {
    async permission(t) {
      try {
        const p = await call<{ permission?: string; role_name?: string }>(t, 'GET', `/repos/${t.repo}/collaborators/${encodeURIComponent(t.user)}/permission`);
        const level = p.role_name ?? p.permission ?? 'none';
        return { write: GITHUB_WRITE.has(level) || GITHUB_WRITE.has(p.permission ?? ''), level };
      } catch (e) {
        // 404: not a collaborator at all.
        if ((e as { details?: { status?: number } }).details?.status === 404) return { write: false, level: 'none' };
        throw e;
      }
    },
    async rerun(t) {
      if (t.target !== 'pull') return '`rerun` works on pull requests: comment on one.';
      const pr = await call<{ head: { sha: string } }>(t, 'GET', `/repos/${t.repo}/pulls/${t.number}`);
      const sha = pr.head.sha;
      const runs = await call<{ workflow_runs: Array<{ id: number; name?: string; run_number?: number; html_url?: string }> }>(
        t,
        'GET',
        `/repos/${t.repo}/actions/runs?head_sha=${sha}&status=failure&per_page=100`,
      );
      // `status=failure` filters on the conclusion: every run listed failed.
      const failed = runs.workflow_runs;
      if (!failed.length) return `No failed workflow run on ${sha.slice(0, 7)}: nothing to re-run.`;
      for (const r of failed) await call(t, 'POST', `/repos/${t.repo}/actions/runs/${r.id}/rerun-failed-jobs`);
      const names = failed.map((r) =>
        r.html_url ? `[${r.name ?? 'run'} #${r.run_number ?? r.id}](${r.html_url})` : `${r.name ?? 'run'} #${r.run_number ?? r.id}`,
      );
      return `Re-running the failed jobs of ${failed.length} workflow run${failed.length === 1 ? '' : 's'} on ${sha.slice(0, 7)}: ${names.join(', ')}.`;
    },
    async deploy(t, action, environment, ref) {
      if (!deployWorkflow)
        return `\`${action}\` is not set up for this hub: its administrator sets \`chatops.githubDeployWorkflow\` (CI_INTEL_DEPLOY_WORKFLOW) to the deployment workflow's file.`;
      const branch = ref ?? t.context.default_branch ?? 'main';
      await call(t, 'POST', `/repos/${t.repo}/actions/workflows/${encodeURIComponent(deployWorkflow)}/dispatches`, {
        ref: branch,
        inputs: { action, environment },
      });
      return `Started \`${deployWorkflow}\` on ${branch} to ${action} **${environment}**.`;
    },
    async reply(t, body) {
      const c = await call<{ html_url?: string }>(t, 'POST', `/repos/${t.repo}/issues/${t.number}/comments`, { body });
      return c.html_url ?? null;
    },
  };
}

/** GitLab access levels (API "Roles"): 30 Developer may run pipelines. */
const DEVELOPER = 30;
const LEVELS: Record<number, string> = {
  0: 'no access',
  5: 'minimal access',
  10: 'guest',
  15: 'planner',
  20: 'reporter',
  30: 'developer',
  40: 'maintainer',
  50: 'owner',
};

export function gitlabHost(target: GitlabTarget, deployPipeline: boolean, fetchImpl?: typeof fetch): CodeHost {
  const project = (t: ChatTarget) => projectRef(t.context.project_id ?? t.repo);
  const call = async <T>(method: string, path: string, body?: unknown) => (await gitlabCall<T>(target, method, path, { body, fetchImpl })).body;
  const noun = (t: ChatTarget) => (t.target === 'pull' ? 'merge_requests' : 'issues');
  return {
    async permission(t) {
      if (t.context.user_id === null) return { write: false, level: 'unknown user' };
      try {
        const m = await call<{ access_level: number }>('GET', `/projects/${project(t)}/members/all/${t.context.user_id}`);
        return { write: m.access_level >= DEVELOPER, level: LEVELS[m.access_level] ?? `access level ${m.access_level}` };
      } catch (e) {
        if ((e as { details?: { status?: number } }).details?.status === 404) return { write: false, level: 'not a member' };
        throw e;
      }
    },
    async rerun(t) {
      if (t.target !== 'pull') return '`rerun` works on merge requests: comment on one.';
      const mr = await call<{ head_pipeline?: { id: number; status: string; web_url?: string } | null }>(
        'GET',
        `/projects/${project(t)}/merge_requests/${t.number}`,
      );
      const p = mr.head_pipeline;
      if (!p) return 'This merge request has no pipeline to re-run.';
      if (p.status !== 'failed' && p.status !== 'canceled') return `The latest pipeline (#${p.id}) is ${p.status}: nothing failed to re-run.`;
      const r = await call<{ id: number; web_url?: string }>('POST', `/projects/${project(t)}/pipelines/${p.id}/retry`);
      return `Retrying the failed jobs of pipeline ${r.web_url ? `[#${r.id}](${r.web_url})` : `#${r.id}`}.`;
    },
    async deploy(t, action, environment, ref) {
      if (!deployPipeline)
        return `\`${action}\` is not set up for this hub: its administrator sets \`chatops.gitlabDeployPipeline\` (CI_INTEL_DEPLOY_PIPELINE=true).`;
      const branch = ref ?? t.context.default_branch ?? 'main';
      const p = await call<{ id: number; web_url?: string }>('POST', `/projects/${project(t)}/pipeline`, {
        ref: branch,
        variables: [
          { key: 'CI_INTEL_ACTION', value: action },
          { key: 'CI_INTEL_ENVIRONMENT', value: environment },
        ],
      });
      return `Started pipeline ${p.web_url ? `[#${p.id}](${p.web_url})` : `#${p.id}`} on ${branch} to ${action} **${environment}**.`;
    },
    async reply(t, body) {
      const n = await call<{ id: number }>('POST', `/projects/${project(t)}/${noun(t)}/${t.number}/notes`, { body });
      return t.context.comment_url ? t.context.comment_url.replace(/#note_\d+$/, `#note_${n.id}`) : null;
    },
  };
}
