import { describe, expect, it } from 'vitest';
import { detectRunIdentity, runIdFor, uuidv5 } from './identity.js';

describe('run identity', () => {
  it('computes RFC 4122 UUIDv5 (known vector: DNS namespace, www.example.com)', () => {
    expect(uuidv5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('gives one id per provider run attempt, whatever the repo case', () => {
    const a = runIdFor('github', 'Org/App', 123, 1);
    expect(a).toBe(runIdFor('github', 'org/app', '123', '1'));
    expect(a).not.toBe(runIdFor('github', 'org/app', 123, 2));
    expect(a).not.toBe(runIdFor('gitlab', 'org/app', 123, 1));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('detects GitHub Actions and GitLab CI runs the same way webhooks name them', () => {
    const gh = detectRunIdentity({
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: 'Org/App',
      GITHUB_RUN_ID: '987',
      GITHUB_RUN_ATTEMPT: '2',
      GITHUB_SHA: 'a'.repeat(40),
      GITHUB_REF_NAME: 'main',
    });
    expect(gh).toEqual({
      run_id: runIdFor('github', 'org/app', 987, 2),
      provider: 'github',
      repo: 'org/app',
      provider_run_id: '987',
      attempt: 2,
      commit_sha: 'a'.repeat(40),
      branch: 'main',
    });
    const gl = detectRunIdentity({
      GITLAB_CI: 'true',
      CI_PROJECT_PATH: 'group/sub/project',
      CI_PIPELINE_ID: '55',
      CI_COMMIT_SHA: 'b'.repeat(40),
      CI_COMMIT_REF_NAME: 'dev',
    });
    expect(gl?.run_id).toBe(runIdFor('gitlab', 'group/sub/project', 55, 1));
    expect(gl?.repo).toBe('group/sub/project');
  });

  it('prefers an explicit --run-id and returns null when nothing is known', () => {
    expect(detectRunIdentity({ GITHUB_REPOSITORY: 'o/a', GITHUB_RUN_ID: '1' }, 'abc')).toEqual({ run_id: 'abc', provider: 'local' });
    expect(detectRunIdentity({})).toBeNull();
  });
});
