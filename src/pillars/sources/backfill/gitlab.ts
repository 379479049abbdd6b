// `ci-intel backfill gitlab --project GROUP/SUB/PROJECT [--since DATE] [--url URL]` (sources issue
// item 3, "same for GitLab pipelines"): fills what webhook deliveries missed from the REST API v4 —
// each pipeline (list, then its details: timings and queued_duration are not in the list) and all
// its jobs, retried ones included — through the Pipeline Hook mapping and the webhooks' upserts, so
// a pipeline a hook delivered and the backfill fetched is one run row, and a second backfill
// changes nothing.
import { CiError } from '../../../core/errors.js';
import type { HubContext } from '../../../core/registry.js';
import { arr, obj, type J, type JobUpdate, type Mapping } from '../model.js';
import { mapGitlab } from '../webhooks/gitlab/map.js';
import { ProviderApi, sinceDate } from './api.js';
import { backfillRuns, type BackfillResult } from './apply.js';

export interface GitlabBackfillOptions {
  /** The project's full path, nested groups kept whole: `group/subgroup/project`. */
  project: string;
  /** Only pipelines updated after this instant (YYYY-MM-DD or RFC 3339). */
  since?: string;
  token: string;
  /** The GitLab instance: https://gitlab.com or a self-managed root (an `/api/v4` suffix is accepted). */
  url: string;
  /** Stop after this many pipelines (least recently updated first). */
  limit?: number;
  fetchImpl?: typeof fetch;
  onProgress?: (pipelines: number) => void;
}

/** `https://host[/prefix]` from what a user passes to --url (with or without `/api/v4`). */
export function gitlabApiRoot(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CiError('E_USAGE', `--url ${url} is not a URL`, { where: '--url', hint: 'e.g. https://gitlab.example.com' });
  }
  return `${u.origin}${u.pathname.replace(/\/+$/, '').replace(/\/api\/v4$/, '')}/api/v4`;
}

function hint(project: string, status: number): string {
  switch (status) {
    case 401:
      return 'the token is missing, expired or revoked: set GITLAB_TOKEN to a personal, group or project access token with the read_api scope';
    case 403:
      return `the token may not read the pipelines of ${project}: it needs the read_api scope and at least the Reporter role in the project`;
    case 404:
      return `check --project (the full path of ${project} as in its URL: group/subgroup/project), that the token's user can see it, and --url for a self-managed GitLab`;
    default:
      return 'retry later';
  }
}

/**
 * The REST pipeline and its jobs in the Pipeline Hook's shape: GitLab names the attributes alike
 * in both (id, status, ref, sha, name, created_at, finished_at, queued_duration; per job id, name,
 * status, started_at, finished_at, duration, queued_duration, runner.runner_type), so the webhook
 * mapping gives the same run. The API puts a job's tags on the job (tag_list), the hook on its runner.
 */
function asPipelineHook(project: string, pipeline: J, jobs: J[]): J {
  return {
    object_kind: 'pipeline',
    project: { path_with_namespace: project },
    object_attributes: pipeline,
    builds: jobs.map((j) => ({ ...j, runner: { ...obj(j.runner), tags: arr(j.tag_list) } })),
  };
}

/**
 * A retried GitLab job is a new job (new id) with the same name in the same pipeline; the API lists
 * them all with include_retried, so attempt = rank by id among jobs of that name — what a Job Hook
 * gives as retries_count + 1.
 */
function numberAttempts(jobs: JobUpdate[]): void {
  const byName = new Map<string, JobUpdate[]>();
  for (const j of jobs) byName.set(j.name, [...(byName.get(j.name) ?? []), j]);
  for (const same of byName.values()) {
    same.sort((a, b) => Number(a.job_id) - Number(b.job_id));
    same.forEach((j, i) => (j.attempt = i + 1));
  }
}

export function pipelineMapping(project: string, pipeline: J, jobs: J[]): Mapping {
  const m = mapGitlab('pipeline', asPipelineHook(project, pipeline, jobs));
  numberAttempts(m.jobs);
  return m;
}

export async function backfillGitlab(ctx: Pick<HubContext, 'db' | 'bus'>, o: GitlabBackfillOptions): Promise<BackfillResult> {
  const project = o.project.trim().replace(/^\/+|\/+$/g, '');
  if (!/^[^/\s]+(\/[^/\s]+)+$/.test(project)) {
    throw new CiError('E_USAGE', `--project ${o.project} is not a project path`, {
      where: '--project',
      hint: "give the full path as in the project's URL: group/project or group/subgroup/project",
    });
  }
  const since = sinceDate(o.since);
  const api = new ProviderApi({
    provider: 'GitLab',
    subject: project,
    headers: { 'private-token': o.token, accept: 'application/json', 'user-agent': 'ci-intel-backfill' },
    hint: (status) => hint(project, status),
    unreachableHint: 'check --url / GITLAB_URL and the network',
    fetchImpl: o.fetchImpl,
  });
  // The project id in the path is the URL-encoded full path (doc/api/rest/_index.md "Namespaced paths").
  const base = `${gitlabApiRoot(o.url)}/projects/${encodeURIComponent(project)}`;
  // updated_after, not created_after: a pipeline created before --since that finished after it is
  // exactly what a missed "success" delivery leaves behind. Oldest update first, so an interrupted
  // backfill can resume from the last one it printed.
  const q = new URLSearchParams({ per_page: '100', order_by: 'updated_at', sort: 'asc' });
  if (since) q.set('updated_after', since.toISOString());
  return backfillRuns(ctx, api, { ...o, repo: project }, { url: `${base}/pipelines?${q.toString()}`, items: arr }, async (listed) => {
    const pipelineUrl = `${base}/pipelines/${encodeURIComponent(String(listed.id))}`;
    const detail = obj((await api.get(pipelineUrl)).body);
    const jobs = await api.all(`${pipelineUrl}/jobs?per_page=100&include_retried=true`, arr);
    return { mapping: pipelineMapping(project, { ...listed, ...detail }, jobs), jobs: jobs.length };
  });
}
