// Run identity (DESIGN.md "Data principles"): one run_id for one CI run, whichever path reported
// it — a webhook, an agent upload or an NDJSON record. For GitHub and GitLab the id is the UUIDv5
// of `provider:repo:run:attempt`, so every path computes the same id without talking to the others.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CiError } from './errors.js';
import { parseTraceparent } from './traceparent.js';

/** The UUIDv5 namespace of ci-intel run ids (a fixed random UUID; never change it). */
export const RUN_ID_NAMESPACE = '6f0d5a52-3c8e-4f55-9d5e-2b9a1c7e4d10';

export type Provider = 'github' | 'gitlab';

function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

function formatUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** RFC 4122 version 5 (SHA-1, name-based) UUID. */
export function uuidv5(name: string, namespace: string = RUN_ID_NAMESPACE): string {
  const hash = createHash('sha1').update(uuidBytes(namespace)).update(name, 'utf8').digest();
  const b = Buffer.from(hash.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return formatUuid(b);
}

/**
 * Repository names are compared case-insensitively by GitHub and GitLab; lower-case them so
 * `Org/App` from one path and `org/app` from another land on one run.
 */
export function normalizeRepo(repo: string): string {
  return repo.trim().toLowerCase();
}

/** run_id of a provider's CI run: UUIDv5 of `provider:repo:run:attempt` (attempt defaults to 1). */
export function runIdFor(provider: Provider, repo: string, runId: string | number, attempt: string | number = 1): string {
  return uuidv5(`${provider}:${normalizeRepo(repo)}:${String(runId)}:${String(attempt)}`);
}

export interface DetectedRun {
  run_id: string;
  provider: Provider | 'local';
  repo?: string;
  provider_run_id?: string;
  attempt?: number;
  commit_sha?: string;
  branch?: string;
  /** The pipeline's W3C traceparent (TRACEPARENT set by its own instrumentation), passed on with uploads. */
  traceparent?: string;
}

/**
 * Detects the current CI run from the environment the agent runs in. GitHub Actions:
 * GITHUB_REPOSITORY, GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT. GitLab CI: CI_PROJECT_PATH, CI_PIPELINE_ID
 * (a retried GitLab pipeline keeps its id, so the attempt is 1). `explicit` (--run-id) wins.
 * A valid TRACEPARENT in the environment comes along as `traceparent`.
 * Returns null when neither is present and no id was given.
 */
export function detectRunIdentity(env: NodeJS.ProcessEnv, explicit?: string): DetectedRun | null {
  const run = detectRun(env, explicit);
  // A malformed TRACEPARENT is ignored: joining a trace is a nicety, never a reason to fail a job.
  return run && parseTraceparent(env.TRACEPARENT) ? { ...run, traceparent: env.TRACEPARENT!.trim().toLowerCase() } : run;
}

function detectRun(env: NodeJS.ProcessEnv, explicit?: string): DetectedRun | null {
  if (explicit) return { run_id: explicit, provider: 'local' };
  if (env.GITHUB_ACTIONS === 'true' || (env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID)) {
    if (env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
      const attempt = Number(env.GITHUB_RUN_ATTEMPT ?? '1') || 1;
      return {
        run_id: runIdFor('github', env.GITHUB_REPOSITORY, env.GITHUB_RUN_ID, attempt),
        provider: 'github',
        repo: normalizeRepo(env.GITHUB_REPOSITORY),
        provider_run_id: env.GITHUB_RUN_ID,
        attempt,
        commit_sha: env.GITHUB_SHA,
        branch: env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME,
      };
    }
  }
  if (env.GITLAB_CI === 'true' || (env.CI_PROJECT_PATH && env.CI_PIPELINE_ID)) {
    if (env.CI_PROJECT_PATH && env.CI_PIPELINE_ID) {
      return {
        run_id: runIdFor('gitlab', env.CI_PROJECT_PATH, env.CI_PIPELINE_ID, 1),
        provider: 'gitlab',
        repo: normalizeRepo(env.CI_PROJECT_PATH),
        provider_run_id: env.CI_PIPELINE_ID,
        attempt: 1,
        commit_sha: env.CI_COMMIT_SHA,
        branch: env.CI_COMMIT_REF_NAME,
      };
    }
  }
  return null;
}

/** The pull request and commit of a GitHub Actions job, from the runner's environment and event file. */
export function githubPullRequest(env: NodeJS.ProcessEnv): { repo: string | null; pr: number | null; sha: string | null } {
  let pr: number | null = null;
  let sha = env.GITHUB_SHA ?? null;
  if (env.GITHUB_EVENT_PATH) {
    try {
      const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as { pull_request?: { number?: number; head?: { sha?: string } } };
      if (event.pull_request?.number) {
        pr = event.pull_request.number;
        // A pull request job checks out a merge commit; checks and comments belong to the PR's head.
        sha = event.pull_request.head?.sha ?? sha;
      }
    } catch (e) {
      throw new CiError('E_INPUT_UNREADABLE', `cannot read the event file: ${(e as Error).message}`, { where: 'GITHUB_EVENT_PATH' });
    }
  }
  return { repo: env.GITHUB_REPOSITORY ?? null, pr, sha };
}

export function newId(): string {
  return randomUUID();
}

/**
 * The merge request and commit of a GitLab CI job (predefined variables): the project, the MR's iid
 * in a merge-request pipeline, the commit, and the instance URL.
 */
export function gitlabMergeRequest(env: NodeJS.ProcessEnv): {
  project: string | null;
  mr: number | null;
  sha: string | null;
  url: string | null;
  projectUrl: string | null;
} {
  const iid = Number(env.CI_MERGE_REQUEST_IID);
  return {
    project: env.CI_PROJECT_ID || env.CI_PROJECT_PATH || null,
    mr: Number.isInteger(iid) && iid > 0 ? iid : null,
    sha: env.CI_COMMIT_SHA || null,
    url: env.CI_SERVER_URL || null,
    projectUrl: env.CI_PROJECT_URL || null,
  };
}
