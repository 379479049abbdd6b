// GitHub webhook payloads (and REST objects of the same shape, for backfill) -> domain updates.
// Pure: no I/O. Dispatch is `event.action` -> `event` -> ignored, as octokit/webhooks.js does.
import { normalizeRepo, runIdFor } from '../../../../core/identity.js';
import {
  arr,
  emptyMapping,
  ignored,
  msBetween,
  num,
  obj,
  sha,
  str,
  time,
  type J,
  type JobUpdate,
  type Mapping,
  type RunUpdate,
  type StepRow,
} from '../../model.js';
import { githubConclusion, githubDeploymentState, githubRunner, githubStatus } from './status.js';

export const GITHUB_EVENTS = ['workflow_run', 'workflow_job', 'check_run', 'deployment', 'deployment_status', 'pull_request', 'push'] as const;

export function mapGithub(event: string, payload: unknown): Mapping {
  const p = obj(payload);
  const repo = str(obj(p.repository).full_name);
  if (event === 'ping') return ignored('ping: the hook is set up');
  if (!(GITHUB_EVENTS as readonly string[]).includes(event)) return ignored(`event ${event} is not mapped (recorded only)`);
  if (!repo) return ignored(`${event} without repository.full_name`);
  switch (event) {
    case 'workflow_run':
      return { ...emptyMapping(), runs: [workflowRun(repo, obj(p.workflow_run), str(obj(p.workflow).name))] };
    case 'workflow_job':
      return workflowJob(repo, obj(p.workflow_job));
    case 'check_run':
      return checkRun(repo, obj(p.check_run));
    case 'deployment':
      return { ...emptyMapping(), deployments: [deploymentCreated(repo, obj(p.deployment))] };
    case 'deployment_status':
      return deploymentStatus(repo, p);
    case 'pull_request':
      return { ...emptyMapping(), pulls: [pullRequest(repo, obj(p.pull_request))] };
    case 'push':
      return push(repo, p);
  }
  return ignored(`event ${event} is not mapped`);
}

/** A workflow run (webhook `workflow_run` or REST `GET /repos/{r}/actions/runs`). */
export function workflowRun(repo: string, r: J, workflowName: string | null = null): RunUpdate {
  const attempt = num(r.run_attempt) ?? 1;
  const status = githubStatus(str(r.status), str(r.conclusion));
  const created = time(r.created_at);
  const started = time(r.run_started_at) ?? created ?? new Date(0);
  const ended = status === 'queued' || status === 'in_progress' ? null : time(r.updated_at);
  const pr = num(obj(arr(r.pull_requests)[0]).number);
  return {
    run_id: runIdFor('github', repo, String(r.id), attempt),
    repo: normalizeRepo(repo),
    provider: 'github',
    provider_run_id: String(r.id),
    attempt,
    workflow: str(r.name) ?? workflowName,
    commit_sha: sha(r.head_sha),
    branch: str(r.head_branch),
    pr,
    status,
    started_at: started,
    ended_at: ended,
    duration_ms: msBetween(started, ended),
    queue_ms: null, // derived from the first job's start (store.ts)
    runner_os: null,
    runner_type: null,
    origin: 'run',
  };
}

/** A job (webhook `workflow_job` or REST `GET .../runs/{id}/attempts/{n}/jobs`) and the stub of its run. */
export function workflowJob(repo: string, j: J): Mapping {
  const attempt = num(j.run_attempt) ?? 1;
  const run_id = runIdFor('github', repo, String(j.run_id), attempt);
  const status = githubStatus(str(j.status), str(j.conclusion));
  const created = time(j.created_at);
  const started = time(j.started_at);
  const ended = status === 'queued' || status === 'in_progress' ? null : time(j.completed_at);
  const labels = arr(j.labels).filter((x): x is string => typeof x === 'string');
  const runner = githubRunner(labels, str(j.runner_group_name));
  const job: JobUpdate = {
    run_id,
    job_key: `gh:${String(j.id)}`,
    job_id: String(j.id),
    name: str(j.name) ?? String(j.id),
    status,
    attempt,
    duration_ms: started && ended ? msBetween(started, ended) : null,
    queue_ms: status === 'queued' ? null : msBetween(created, started),
    started_at: started,
    ended_at: ended,
    machine_class: labels.length ? labels.join(',') : null,
  };
  const stub: RunUpdate = {
    run_id,
    repo: normalizeRepo(repo),
    provider: 'github',
    provider_run_id: String(j.run_id),
    attempt,
    workflow: str(j.workflow_name),
    commit_sha: sha(j.head_sha),
    branch: str(j.head_branch),
    pr: null,
    // A job running means its run runs; a job finishing says nothing about the run's verdict.
    status: status === 'queued' ? 'queued' : 'in_progress',
    started_at: created ?? started ?? new Date(0),
    ended_at: null,
    duration_ms: null,
    queue_ms: null,
    runner_os: runner.runner_os,
    runner_type: runner.runner_type,
    origin: 'job',
  };
  // Steps (GitHub Actions sends them with the job; they end up as spans under the job's span).
  const steps: StepRow[] = arr(j.steps)
    .map(obj)
    .filter((st) => num(st.number) !== null)
    .map((st) => ({
      number: num(st.number)!,
      name: str(st.name) ?? `step ${num(st.number)}`,
      status: str(st.status) ?? 'unknown',
      conclusion: str(st.conclusion),
      started_at: time(st.started_at),
      completed_at: time(st.completed_at),
    }));
  return { ...emptyMapping(), runs: [stub], jobs: [job], ...(steps.length ? { steps: { run_id, job_key: job.job_key, steps } } : {}) };
}

/**
 * Check runs. GitHub Actions reports each job as a check run too; those are covered by
 * workflow_job and ignored here. Other CI systems (apps using the Checks API) become runs: one run
 * per check suite (workflow = the app's name), one job per check run.
 */
function checkRun(repo: string, c: J): Mapping {
  const app = obj(c.app);
  if (str(app.slug) === 'github-actions') return ignored('check_run of GitHub Actions: covered by workflow_job');
  const suite = obj(c.check_suite);
  const suiteId = str(suite.id);
  if (!suiteId) return ignored('check_run without check_suite.id');
  const run_id = runIdFor('github', repo, `check-suite-${suiteId}`, 1);
  const jobStatus = githubStatus(str(c.status), str(c.conclusion));
  const started = time(c.started_at);
  const ended = jobStatus === 'queued' || jobStatus === 'in_progress' ? null : time(c.completed_at);
  const suiteDone = str(suite.status) === 'completed';
  const runStatus = suiteDone ? githubConclusion(str(suite.conclusion)) : jobStatus === 'queued' ? 'queued' : 'in_progress';
  const suiteStart = time(suite.created_at) ?? started ?? new Date(0);
  const suiteEnd = suiteDone ? time(suite.updated_at) : null;
  return {
    ...emptyMapping(),
    runs: [
      {
        run_id,
        repo: normalizeRepo(repo),
        provider: 'github',
        provider_run_id: `check-suite-${suiteId}`,
        attempt: 1,
        workflow: str(app.name) ?? str(app.slug),
        commit_sha: sha(c.head_sha) ?? sha(suite.head_sha),
        branch: str(suite.head_branch),
        pr: num(obj(arr(c.pull_requests)[0]).number),
        status: runStatus,
        started_at: suiteStart,
        ended_at: suiteEnd,
        duration_ms: msBetween(suiteStart, suiteEnd),
        queue_ms: null,
        runner_os: null,
        runner_type: null,
        origin: suiteDone ? 'run' : 'job',
      },
    ],
    jobs: [
      {
        run_id,
        job_key: `ghc:${String(c.id)}`,
        job_id: String(c.id),
        name: str(c.name) ?? String(c.id),
        status: jobStatus,
        attempt: 1,
        duration_ms: msBetween(started, ended),
        queue_ms: null,
        started_at: started,
        ended_at: ended,
        machine_class: null,
      },
    ],
  };
}

function deploymentCreated(repo: string, d: J) {
  const created = time(d.created_at);
  return {
    event_key: `github:${normalizeRepo(repo)}:deployment:${String(d.id)}`,
    run_id: null,
    source: 'github',
    repo: normalizeRepo(repo),
    environment: str(d.environment) ?? 'unknown',
    deployment_id: String(d.id),
    commit_sha: sha(d.sha),
    status: 'pending',
    rollout_step: null,
    strategy: null,
    image_digest: null,
    rollback_reason: null,
    started_at: created,
    finished_at: null,
    canary_error_rate: null,
    canary_success_rate: null,
    canary_latency_p50_ms: null,
    canary_latency_p95_ms: null,
    canary_latency_p99_ms: null,
    canary_reqs_per_s: null,
  };
}

/**
 * One deployments row per status report. `inactive` is not recorded: GitHub marks an earlier
 * deployment inactive when a later one replaces it — that is not an outcome of the earlier one,
 * and a row for it would make its final status look like a failure to DORA metrics.
 */
function deploymentStatus(repo: string, p: J): Mapping {
  const s = obj(p.deployment_status);
  const d = obj(p.deployment);
  const status = githubDeploymentState(str(s.state));
  if (status === null) return ignored('deployment_status inactive: a later deployment replaced this one');
  const wr = obj(p.workflow_run);
  const runId = str(wr.id) ? runIdFor('github', repo, String(wr.id), num(wr.run_attempt) ?? 1) : null;
  const terminal = status === 'success' || status === 'failed';
  return {
    ...emptyMapping(),
    deployments: [
      {
        ...deploymentCreated(repo, d),
        event_key: `github:${normalizeRepo(repo)}:deployment_status:${String(s.id)}`,
        run_id: runId,
        environment: str(s.environment) ?? str(d.environment) ?? 'unknown',
        status,
        finished_at: terminal ? time(s.created_at) : null,
      },
    ],
  };
}

function pullRequest(repo: string, pr: J) {
  return {
    provider: 'github',
    repo: normalizeRepo(repo),
    number: num(pr.number) ?? 0,
    state: pr.merged_at ? 'merged' : (str(pr.state) ?? 'open'),
    title: str(pr.title),
    head_sha: sha(obj(pr.head).sha),
    head_ref: str(obj(pr.head).ref),
    base_ref: str(obj(pr.base).ref),
    merge_commit_sha: sha(pr.merge_commit_sha),
    created_at: time(pr.created_at),
    merged_at: time(pr.merged_at),
    closed_at: time(pr.closed_at),
    updated_at: time(pr.updated_at),
  };
}

/** Push: the pushed commits (no parents in the payload: see store.ts for how they are kept). */
function push(repo: string, p: J): Mapping {
  const commits = arr(p.commits).flatMap((c) => {
    const o = obj(c);
    const id = sha(o.id);
    return id
      ? [{ repo: normalizeRepo(repo), sha: id, parents: [], authored_at: time(o.timestamp)?.toISOString() ?? null, committed_at: null, source: 'github-push' }]
      : [];
  });
  if (commits.length === 0) return ignored('push without commits (branch or tag created or deleted)');
  return { ...emptyMapping(), pushCommits: commits };
}
