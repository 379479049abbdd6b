// The GitLab CI template's job script, run the way a GitLab runner runs it (`sh`, the job's
// variables in the environment), with the local build standing in for `npx ci-intel@latest`.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '..');
const job = (
  parse(readFileSync(path.join(root, 'templates/ci-intel.gitlab-ci.yml'), 'utf8')) as Record<
    string,
    { script: string[]; variables: Record<string, string>; artifacts: { paths: string[]; reports: { codequality: string } } }
  >
)['ci-intel']!;

function run(vars: Record<string, string>, dir: string): { code: number; out: string } {
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    GITLAB_CI: 'true',
    CI_PROJECT_ID: '5',
    CI_PROJECT_PATH: 'gitlab-org/gitlab-test',
    ...job.variables,
    CI_INTEL_CMD: `${process.execPath} ${path.join(root, 'dist/cli/main.js')}`,
    ...vars,
  };
  try {
    return { code: 0, out: execFileSync('sh', ['-c', job.script.join('\n')], { cwd: dir, env, encoding: 'utf8' }) };
  } catch (e) {
    const err = e as { status: number; stdout: string };
    return { code: err.status, out: err.stdout };
  }
}

describe('the GitLab CI template', () => {
  it('reports on the globs it is given, keeps the report as an artifact and fails on a failed gate', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-gitlab-'));
    mkdirSync(path.join(dir, 'reports'));
    cpSync(path.join(root, 'test/fixtures/report/junit.xml'), path.join(dir, 'reports/unit.xml'));
    cpSync(path.join(root, 'src/pillars/mutation/fixtures/reports/stryker-mocha-js-v2.json'), path.join(dir, 'mutation.json'));
    const failing = run({ CI_INTEL_JUNIT: 'reports/*.xml', CI_INTEL_MUTATION: 'mutation.json' }, dir);
    expect(failing.code).toBe(1);
    expect(failing.out).toContain('1 of 2 gates failed (tests)');
    expect(readFileSync(path.join(dir, job.artifacts.paths[0]!), 'utf8')).toContain('62 failing');
    // Without GITLAB_TOKEN nothing is posted, and nothing warns about it; the Code Quality report is written.
    const quality = JSON.parse(readFileSync(path.join(dir, job.artifacts.reports.codequality), 'utf8')) as unknown[];
    expect(quality.length).toBeGreaterThanOrEqual(62);

    const passing = run({ CI_INTEL_MUTATION: 'mutation.json' }, dir);
    expect(passing.code).toBe(0);
    expect(passing.out).toContain('all 1 gates passed');
  });
});
