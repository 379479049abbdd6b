import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { reportChurn } from './agent.js';
import { changedLinesSince, parseUnifiedZero } from './git.js';
import { hotspots } from './hotspots.js';
import { readReport } from './reports/index.js';

const fx = (f: string) => path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'reports', f);

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function repo(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-git-'));
  dirs.push(d);
  const git = (...a: string[]) =>
    execFileSync('git', a, {
      cwd: d,
      stdio: 'pipe',
      env: { ...process.env, GIT_AUTHOR_DATE: '2026-02-20T10:00:00Z', GIT_COMMITTER_DATE: '2026-02-20T10:00:00Z' },
    });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 't@example.com');
  git('config', 'user.name', 't');
  mkdirSync(path.join(d, 'src'));
  return d;
}

function commit(d: string, files: Record<string, string>, msg: string, date = '2026-02-20T10:00:00Z') {
  for (const [f, t] of Object.entries(files)) writeFileSync(path.join(d, f), t);
  execFileSync('git', ['add', '-A'], { cwd: d });
  execFileSync('git', ['commit', '-qm', msg], { cwd: d, env: { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } });
}

describe('hotspots', () => {
  it('weights undetected mutants by churn from git log, and shows survivors as original → mutated lines', () => {
    const d = repo();
    // Outside the 90-day window: not churn.
    commit(d, { 'src/retry.js': 'old\n', 'src/slug.js': 'old\n' }, 'old', '2025-01-01T00:00:00Z');
    commit(d, { 'src/slug.js': 'a\n', 'src/parse.js': 'b\n', 'src/retry.js': 'c\n' }, 'one');
    for (let i = 0; i < 4; i++) commit(d, { 'src/slug.js': `a${i}\n` }, `slug ${i}`);
    const report = readReport(fx('stryker-mocha-js.json'));
    const churn = reportChurn(report, d, 90, new Date('2026-03-01T00:00:00Z'));
    expect(Object.fromEntries(churn)).toEqual({ 'src/slug.js': 5, 'src/parse.js': 1, 'src/retry.js': 1 });
    const hs = hotspots(report, { churn });
    // parse.js: 28 no-coverage × (1 + 1) = 56; slug.js: 7 survivors × (1 + 5) = 42; retry.js: 3 × 2.
    expect(hs.map((h) => [h.file, h.weight])).toEqual([
      ['src/parse.js', 56],
      ['src/slug.js', 42],
      ['src/retry.js', 6],
    ]);
    const slug = hs.find((h) => h.file === 'src/slug.js')!;
    expect(slug.top).toHaveLength(3);
    expect(slug.top[0]!.status).toBe('survived');
    expect(slug.top[0]!.diff).toMatch(/^- .*\n\+ /);
  });

  it('reads changed lines since a ref, including uncommitted edits and untracked files', () => {
    const d = repo();
    commit(d, { 'src/a.js': '1\n2\n3\n4\n' }, 'base');
    writeFileSync(path.join(d, 'src/a.js'), '1\nTWO\n3\n4\n5\n');
    writeFileSync(path.join(d, 'src/new.js'), 'x\n');
    const c = changedLinesSince(d, 'HEAD');
    expect(c.get('src/a.js')).toEqual([
      [2, 2],
      [5, 5],
    ]);
    expect(c.get('src/new.js')).toEqual([[1, Number.POSITIVE_INFINITY]]);
    expect(() => changedLinesSince(d, 'no-such-ref')).toThrow(/git/);
  });

  it('parses zero-context diffs: pure deletions add no lines', () => {
    const diff = '+++ b/x.ts\n@@ -3,2 +2,0 @@\n@@ -10 +9 @@\n@@ -20,0 +20,3 @@\n';
    expect(parseUnifiedZero(diff).get('x.ts')).toEqual([
      [9, 9],
      [20, 22],
    ]);
  });
});
