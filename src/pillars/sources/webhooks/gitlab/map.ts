// GitLab webhook payloads -> domain updates (pure). Payload shapes: GitLab's "Webhook events"
// page (fixtures/gitlab/README.md). Project paths are kept whole: `group/sub/project`.
import { normalizeRepo, runIdFor } from '../../../../core/identity.js';
import { arr, emptyMapping, ignored, msBetween, num, obj, sha, str, time, type J, type JobUpdate, type Mapping, type RunUpdate } from '../../model.js';

export const GITLAB_EVENTS = ['pipeline', 'build', 'deployment', 'merge_request', 'push'] as const;

/**
 * GitLab pipeline/job status -> contract status. created, waiting_for_resource, preparing,
 * pending, scheduled and manual (blocked on a person) have not run yet -> queued; running ->
 * in_progress; success; failed; canceled/canceling -> canceled; skipped.
 */
export function gitlabStatus(s: string | null): string {
  switch (s) {
    case 'running':
      return 'in_progress';
    case 'success':
      return 'success';
    case 'failed':
      return 'failed';
    case 'canceled':
    case 'canceling':
      return 'canceled';
    case 'skipped':
      return 'skipped';
    default:
      return 'queued';
  }
}

/** Deployment event status: running | success | failed | canceled (GitLab docs). */
function gitlabDeploymentStatus(s: string | null): string {
  switch (s) {
    case 'success':
      return 'success';
    case 'failed':
      return 'failed';
    case 'canceled':
      return 'canceled';
    case 'running':
      return 'in_progress';
    default:
      return 'pending';
  }
}

/** `group/sub/project` from the payload: project.path_with_namespace, else the homepage URL's path. */
export function gitlabRepo(p: J): string | null {
  const direct = str(obj(p.project).path_with_namespace);
  if (direct) return normalizeRepo(direct);
  const home = str(obj(p.repository).homepage) ?? str(obj(p.project).web_url);
  if (home) {
    try {
      const path = new URL(home).pathname.replace(/^\/+|\/+$/g, '');
      if (path.includes('/')) return normalizeRepo(path);
    } catch {
      /* not a URL */
    }
  }
  const name = str(p.project_name);
  return name && name.includes('/') && !name.includes(' ') ? normalizeRepo(name) : null;
}

export function mapGitlab(kind: string, payload: unknown): Mapping {
  const p = obj(payload);
  if (!(GITLAB_EVENTS as readonly string[]).includes(kind)) return ignored(`event ${kind} is not mapped (recorded only)`);
  const repo = gitlabRepo(p);
  if (!repo) return ignored(`${kind} without a project path`);
  switch (kind) {
    case 'pipeline':
      return pipeline(repo, p);
    case 'build':
      return job(repo, p);
    case 'deployment':
      return deployment(repo, p);
    case 'merge_request':
      return mergeRequest(repo, p);
    case 'push':
      return push(repo, p);
  }
  return ignored(`event ${kind} is not mapped`);
}

function runnerType(r: J): string | null {
  const t = str(r.runner_type);
  if (!t) return null;
  return t === 'instance_type' ? 'gitlab-shared' : 'self-hosted';
}

function runnerOs(r: J): string | null {
  const tags = arr(r.tags).map((x) => String(x).toLowerCase());
  if (tags.some((t) => t.includes('windows'))) return 'windows';
  if (tags.some((t) => t.includes('macos') || t.includes('osx'))) return 'macos';
  if (tags.some((t) => t.includes('linux') || t.includes('docker'))) return 'linux';
  return null;
}

function buildJob(run_id: string, b: J): JobUpdate {
  const status = gitlabStatus(str(b.status));
  const started = time(b.started_at);
  const ended = status === 'queued' || status === 'in_progress' ? null : time(b.finished_at);
  const duration = num(b.duration);
  const queued = num(b.queued_duration);
  const tags = arr(obj(b.runner).tags).map(String);
  return {
    run_id,
    job_key: `gl:${String(b.id)}`,
    job_id: String(b.id),
    name: str(b.name) ?? String(b.id),
    status,
    attempt: 1,
    duration_ms: duration !== null ? Math.round(duration * 1000) : msBetween(started, ended),
    queue_ms: queued !== null ? Math.round(queued * 1000) : msBetween(time(b.created_at), started),
    started_at: started,
    ended_at: ended,
    machine_class: tags.length ? tags.join(',') : null,
  };
}

function pipeline(repo: string, p: J): Mapping {
  const a = obj(p.object_attributes);
  const id = str(a.id);
  if (!id) return ignored('pipeline without object_attributes.id');
  // A retried GitLab pipeline keeps its id, so the attempt is 1 (core/identity.ts).
  const run_id = runIdFor('gitlab', repo, id, 1);
  const status = gitlabStatus(str(a.status));
  const created = time(a.created_at) ?? new Date(0);
  const ended = status === 'queued' || status === 'in_progress' ? null : time(a.finished_at);
  const jobs = arr(p.builds).map((b) => buildJob(run_id, obj(b)));
  const firstStart = jobs.reduce<Date | null>((m, j) => (j.started_at && (!m || j.started_at < m) ? j.started_at : m), null);
  const queued = num(a.queued_duration);
  const firstRunner = obj(
    arr(p.builds)
      .map(obj)
      .find((b) => obj(b.runner).runner_type)?.runner,
  );
  const run: RunUpdate = {
    run_id,
    repo,
    provider: 'gitlab',
    provider_run_id: id,
    attempt: 1,
    workflow: str(a.name) ?? 'default',
    commit_sha: sha(a.sha),
    branch: str(a.ref),
    pr: num(obj(p.merge_request).iid),
    status,
    started_at: created,
    ended_at: ended,
    duration_ms: msBetween(created, ended),
    queue_ms: queued !== null ? Math.round(queued * 1000) : msBetween(created, firstStart),
    runner_os: runnerOs(firstRunner),
    runner_type: runnerType(firstRunner),
    origin: 'run',
  };
  return { ...emptyMapping(), runs: [run], jobs };
}

function job(repo: string, p: J): Mapping {
  const pipelineId = str(p.pipeline_id) ?? str(obj(p.commit).id);
  if (!pipelineId) return ignored('job without pipeline_id');
  const run_id = runIdFor('gitlab', repo, pipelineId, 1);
  const b: J = {
    id: p.build_id,
    name: p.build_name,
    status: p.build_status,
    created_at: p.build_created_at_iso ?? p.build_created_at,
    started_at: p.build_started_at_iso ?? p.build_started_at,
    finished_at: p.build_finished_at_iso ?? p.build_finished_at,
    duration: p.build_duration,
    queued_duration: p.build_queued_duration,
    runner: p.runner,
  };
  const j = buildJob(run_id, b);
  j.attempt = (num(p.retries_count) ?? 0) + 1;
  const runner = obj(p.runner);
  return {
    ...emptyMapping(),
    runs: [
      {
        run_id,
        repo,
        provider: 'gitlab',
        provider_run_id: pipelineId,
        attempt: 1,
        workflow: str(obj(p.commit).name),
        commit_sha: sha(p.sha) ?? sha(obj(p.commit).sha),
        branch: str(p.ref),
        pr: null,
        status: j.status === 'queued' ? 'queued' : 'in_progress',
        started_at: time(b.created_at) ?? new Date(0),
        ended_at: null,
        duration_ms: null,
        queue_ms: null,
        runner_os: runnerOs(runner),
        runner_type: runnerType(runner),
        origin: 'job',
      },
    ],
    jobs: [j],
  };
}

function deployment(repo: string, p: J): Mapping {
  const id = str(p.deployment_id);
  if (!id) return ignored('deployment without deployment_id');
  const status = gitlabDeploymentStatus(str(p.status));
  const at = time(p.status_changed_at);
  // The payload has only short_sha; the full SHA is the last segment of commit_url.
  const fromUrl = /\/commit\/([0-9a-f]{40}|[0-9a-f]{64})\/?$/i.exec(str(p.commit_url) ?? '');
  const terminal = status === 'success' || status === 'failed' || status === 'canceled';
  return {
    ...emptyMapping(),
    deployments: [
      {
        event_key: `gitlab:${repo}:deployment:${id}:${status}`,
        run_id: null, // resolved from the deploying job (deployable_id) in store.ts
        source: 'gitlab',
        repo,
        environment: str(p.environment) ?? 'unknown',
        deployment_id: id,
        commit_sha: fromUrl ? fromUrl[1]!.toLowerCase() : null,
        status,
        rollout_step: null,
        strategy: null,
        image_digest: null,
        rollback_reason: null,
        started_at: status === 'in_progress' ? at : null,
        finished_at: terminal ? at : null,
        canary_error_rate: null,
        canary_success_rate: null,
        canary_latency_p50_ms: null,
        canary_latency_p95_ms: null,
        canary_latency_p99_ms: null,
        canary_reqs_per_s: null,
      },
    ],
    deployableJob: str(p.deployable_id) ? `gl:${String(p.deployable_id)}` : undefined,
  };
}

function mergeRequest(repo: string, p: J): Mapping {
  const a = obj(p.object_attributes);
  const state = str(a.state) ?? 'opened';
  return {
    ...emptyMapping(),
    pulls: [
      {
        provider: 'gitlab',
        repo,
        number: num(a.iid) ?? 0,
        state: state === 'opened' ? 'open' : state,
        title: str(a.title),
        head_sha: sha(obj(a.last_commit).id),
        head_ref: str(a.source_branch),
        base_ref: str(a.target_branch),
        merge_commit_sha: sha(a.merge_commit_sha),
        created_at: time(a.created_at),
        merged_at: state === 'merged' ? time(a.updated_at) : null,
        closed_at: state === 'closed' || state === 'merged' ? time(a.updated_at) : null,
        updated_at: time(a.updated_at),
      },
    ],
  };
}

function push(repo: string, p: J): Mapping {
  const commits = arr(p.commits).flatMap((c) => {
    const o = obj(c);
    const id = sha(o.id);
    return id ? [{ repo, sha: id, parents: [], authored_at: time(o.timestamp)?.toISOString() ?? null, committed_at: null, source: 'gitlab-push' }] : [];
  });
  if (commits.length === 0) return ignored('push without commits (branch created or deleted)');
  return { ...emptyMapping(), pushCommits: commits };
}
