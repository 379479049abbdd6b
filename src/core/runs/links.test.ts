import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config.js';
import { githubWebUrl, runLinks } from './links.js';

describe('run links', () => {
  const run = { repo: 'acme/api', provider_run_id: '9876', commit_sha: 'a'.repeat(40), pr: 42 };

  it('point at github.com and gitlab.com by default', () => {
    const config = defaultConfig('/tmp/x');
    expect(runLinks({ ...run, provider: 'github' }, config)).toEqual({
      ci_run: 'https://github.com/acme/api/actions/runs/9876',
      commit: `https://github.com/acme/api/commit/${'a'.repeat(40)}`,
      pr: 'https://github.com/acme/api/pull/42',
    });
    expect(runLinks({ ...run, repo: 'group/sub/api', provider: 'gitlab', pr: null }, config)).toEqual({
      ci_run: 'https://gitlab.com/group/sub/api/-/pipelines/9876',
      commit: `https://gitlab.com/group/sub/api/-/commit/${'a'.repeat(40)}`,
      pr: null,
    });
  });

  it('follow a GitHub Enterprise Server API URL and a self-managed GitLab URL', () => {
    const config = defaultConfig('/tmp/x');
    config.github.apiUrl = 'https://ghe.example.com/api/v3';
    config.gitlab.url = 'https://git.example.com/';
    expect(githubWebUrl('https://ghe.example.com/api/v3/')).toBe('https://ghe.example.com');
    expect(runLinks({ ...run, provider: 'github' }, config)?.ci_run).toBe('https://ghe.example.com/acme/api/actions/runs/9876');
    expect(runLinks({ ...run, provider: 'gitlab' }, config)?.pr).toBe('https://git.example.com/acme/api/-/merge_requests/42');
  });

  it('are absent for a run no code host reported, and parts not reported stay null', () => {
    const config = defaultConfig('/tmp/x');
    expect(runLinks({ ...run, provider: null }, config)).toBeNull();
    expect(runLinks({ repo: 'acme/api', provider: 'github' }, config)).toEqual({ ci_run: null, commit: null, pr: null });
  });
});
