// `mutation run` drives the real StrykerJS 9.6 (mocha runner) on a copy of the mocha-js fixture
// project in a temporary git repository: one short diff-only run (about 10 s on 2 cores).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { mutationPillar } from './index.js';
import { globToRegExp } from '../../core/glob.js';
import { detectTestRunner, generatedConfig, mutateEntries } from './run.js';
import { runCli } from '../../../test/support/assembled.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-mut-run-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const cfg = { include: [] as string[], tests: [] as string[] };

describe('diff-only mutate entries', () => {
  it('keeps changed source lines, drops tests, docs and deletions', () => {
    const changed = new Map<string, Array<[number, number]>>([
      [
        'src/a.ts',
        [
          [3, 4],
          [10, 10],
        ],
      ],
      ['src/a.spec.ts', [[1, 2]]],
      ['test/util.js', [[1, 1]]],
      ['README.md', [[1, 9]]],
      ['src/new.js', [[1, Number.POSITIVE_INFINITY]]],
    ]);
    expect(mutateEntries(changed, cfg)).toEqual(['src/a.ts:3-4', 'src/a.ts:10-10', 'src/new.js']);
    expect(mutateEntries(changed, { include: ['lib/**'], tests: [] })).toEqual([]);
  });

  it('globs: ** spans folders, * does not, {a,b} alternates', () => {
    expect(globToRegExp('src/**/*.ts').test('src/a/b/c.ts')).toBe(true);
    expect(globToRegExp('src/**/*.ts').test('src/c.ts')).toBe(true);
    expect(globToRegExp('src/*.ts').test('src/a/c.ts')).toBe(false);
    expect(globToRegExp('src/*.{js,ts}').test('src/c.js')).toBe(true);
  });

  it("configures StrykerJS from the project's own test runner", () => {
    const project = path.join(here, 'fixtures', 'projects', 'mocha-js');
    expect(detectTestRunner(project)).toBe('mocha');
    expect(detectTestRunner(path.join(here, 'fixtures', 'projects', 'vitest-ts'))).toBe('vitest');
    const c = generatedConfig(path.join(here, 'fixtures', 'projects', 'vitest-ts'), 'vitest', 'ci-intel', { ...cfg } as never);
    expect(c).toMatchObject({ testRunner: 'vitest', coverageAnalysis: 'perTest', checkers: ['typescript'] });
    expect((c.plugins as string[]).some((p) => p.includes('vitest-runner'))).toBe(true);
  });
});

describe('ci-intel mutation run (real StrykerJS)', () => {
  it('--since mutates only the changed lines and scores them', async () => {
    const project = path.join(tmp, 'proj');
    cpSync(path.join(here, 'fixtures', 'projects', 'mocha-js'), project, { recursive: true });
    const git = (...a: string[]) => execFileSync('git', a, { cwd: project, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 't@example.com');
    git('config', 'user.name', 't');
    writeFileSync(path.join(project, '.gitignore'), 'reports/\n.stryker-tmp/\n');
    git('add', '-A');
    git('commit', '-qm', 'base');
    const file = path.join(project, 'src', 'retry.js');
    writeFileSync(file, readFileSync(file, 'utf8').replace('return d > capMs ? capMs : d;', 'return d >= capMs ? capMs : d;'));

    let out = '';
    let err = '';
    const code = await runCli(
      ['mutation', 'run', '--since', 'HEAD', '--project', project, '--json', '--concurrency', '2'],
      { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, now: () => new Date('2026-03-01T00:00:00Z'), cwd: project },
      [mutationPillar],
    );
    expect(err).toContain('diff-only since HEAD');
    const j = JSON.parse(out);
    expect(j.run).toMatchObject({ runner: 'mocha', diff_only: true, mutate: ['src/retry.js:5-5'], stryker: { version: '9.6.1' } });
    expect(j.files.map((f: { file: string }) => f.file)).toEqual(['src/retry.js']);
    expect(j.mutants_total).toBeGreaterThan(0);
    const report = JSON.parse(readFileSync(j.run.report, 'utf8'));
    const lines = report.files['src/retry.js'].mutants.map((m: { location: { start: { line: number } } }) => m.location.start.line);
    expect(new Set(lines)).toEqual(new Set([5]));
    expect(code).toBe(j.level === 'fail' ? 1 : 0);
  }, 180_000);

  it('nothing changed that StrykerJS can mutate: no data, no run', async () => {
    const project = path.join(tmp, 'proj');
    execFileSync('git', ['checkout', '--', 'src/retry.js'], { cwd: project });
    writeFileSync(path.join(project, 'NOTES.md'), 'notes\n');
    let out = '';
    const code = await runCli(
      ['mutation', 'run', '--since', 'HEAD', '--project', project, '--json'],
      { out: (s) => (out += s), err: () => {}, env: {}, isTTY: false, cwd: project },
      [mutationPillar],
    );
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ mutants_total: 0, score: null, label: null, run: { mutate: [] } });
  });
});
