// `policy check --fix` on copies of the fixture repositories: pins from real git clones, narrowed
// permissions, expressions moved to env: — checked by re-running the rules, by git apply on the
// dry run's diff, and by running the rewritten script in bash with a hostile title.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../test/support/assembled.js';
import { compliancePillar } from '../index.js';
import { policyCheck } from '../check.js';
import type { Finding } from '../model.js';
import { unifiedDiff } from './diff.js';
import { pinsInRepository } from './pins.js';
import { fixRepository } from './run.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (r: string) => path.join(here, '..', 'fixtures', 'repos', r);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-fix-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(
    args,
    { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, now: () => new Date('2026-03-01T12:00:00Z'), cwd: tmp },
    [compliancePillar],
  );
  return { code, out, err };
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
  }).trim();

/** Real clones of the actions the fixtures use unpinned, each with the tag they name. */
const clones = path.join(tmp, 'clones');
const shas: Record<string, string> = {};
beforeAll(() => {
  for (const [repo, ref] of [
    ['actions/checkout', 'v4'],
    ['actions/setup-node', 'v4'],
    ['actions/upload-artifact', 'v4'],
    ['actions/setup-python', 'v5'],
  ] as const) {
    const dir = path.join(clones, repo);
    mkdirSync(dir, { recursive: true });
    git(dir, 'init', '-q');
    writeFileSync(path.join(dir, 'action.yml'), `name: ${repo}\n`);
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'release');
    git(dir, 'tag', ref);
    shas[`${repo}@${ref}`] = git(dir, 'rev-parse', 'HEAD');
  }
});

function copyOf(name: string): string {
  const dir = mkdtempSync(path.join(tmp, `${name}-`));
  cpSync(fixture(name), dir, { recursive: true });
  return dir;
}

const FIXABLE = new Set(['unpinned-action', 'excessive-permissions', 'missing-permissions', 'template-injection']);
const countBy = (fs: Finding[], pred: (f: Finding) => boolean) =>
  fs.filter(pred).reduce<Record<string, number>>((acc, f) => ((acc[f.rule] = (acc[f.rule] ?? 0) + 1), acc), {});

describe('ci-intel policy check --fix', () => {
  it.each(['gh-node-lib', 'gh-python-svc', 'gh-pr-target'])(
    '%s: fixed findings disappear, the rest are explained, other rules are untouched, a second run changes nothing',
    async (name) => {
      const dir = copyOf(name);
      const before = policyCheck(dir).findings;
      const r = await cli(['policy', 'check', dir, '--fix', '--action-clones', clones, '--json']);
      const fixed = [...r.err.matchAll(/^fixed (\S+):(\d+) ([\w-]+): /gm)].map((m) => `${m[3]} ${m[1]}:${m[2]}`);
      const notFixed = [...r.err.matchAll(/^not fixed (\S+):(\d+) ([\w-]+): /gm)].map((m) => `${m[3]} ${m[1]}:${m[2]}`);
      expect(fixed.length).toBeGreaterThan(0);
      // Every fixable finding was either fixed or explained.
      const fixableBefore = before.filter((f) => FIXABLE.has(f.rule)).map((f) => `${f.rule} ${f.file}:${f.line}`);
      expect([...fixed, ...notFixed].sort()).toEqual(fixableBefore.sort());
      // What is left of the fixable rules is exactly what was not fixed (same count per rule).
      const after = policyCheck(dir).findings;
      expect(countBy(after, (f) => FIXABLE.has(f.rule))).toEqual(
        countBy(
          before.filter((f) => notFixed.includes(`${f.rule} ${f.file}:${f.line}`)),
          () => true,
        ),
      );
      // Other rules: the same findings (the rewrite changed nothing they look at).
      expect(countBy(after, (f) => !FIXABLE.has(f.rule))).toEqual(countBy(before, (f) => !FIXABLE.has(f.rule)));
      // The JSON report printed is the one after the fix.
      expect(r.out.trim().split('\n').filter(Boolean).length).toBe(after.length);
      const snapshot = execFileSync('find', [dir, '-type', 'f', '-name', '*.y*ml', '-exec', 'sha256sum', '{}', '+'], { encoding: 'utf8' });
      const again = await cli(['policy', 'check', dir, '--fix', '--action-clones', clones, '--json']);
      expect(again.err).toMatch(/^0 findings fixed in 0 files/m);
      expect(execFileSync('find', [dir, '-type', 'f', '-name', '*.y*ml', '-exec', 'sha256sum', '{}', '+'], { encoding: 'utf8' })).toBe(snapshot);
    },
  );

  it('pins to the clone’s commit and keeps the tag as a comment; a reason when no source knows the tag', async () => {
    const dir = copyOf('gh-node-lib');
    const r = await cli(['policy', 'check', dir, '--fix', '--action-clones', clones]);
    const release = readFileSync(path.join(dir, '.github/workflows/release.yml'), 'utf8');
    expect(release).toContain(`- uses: actions/checkout@${shas['actions/checkout@v4']} # v4 # expect: unpinned-action`);
    expect(release).toContain(`- uses: actions/setup-node@${shas['actions/setup-node@v4']} # v4`);
    expect(r.err).toMatch(/^fixed \.github\/workflows\/release\.yml:17 unpinned-action: pinned actions\/checkout@v4 to [0-9a-f]{40} \(from the clone in /m);
    // Without clones nothing is known for these tags: each is named with what to give.
    const bare = copyOf('gh-node-lib');
    const r2 = await cli(['policy', 'check', bare, '--fix']);
    expect(r2.err).toMatch(
      /^not fixed \.github\/workflows\/release\.yml:17 unpinned-action: no commit known for actions\/checkout@v4: give --action-clones DIR or --github-token/m,
    );
  });

  it('narrows permissions to what the jobs use, and adds a block to a job using the token without one', async () => {
    const dir = copyOf('gh-python-svc');
    const r = await cli(['policy', 'check', dir, '--fix', '--action-clones', clones]);
    const lint = readFileSync(path.join(dir, '.github/workflows/lint.yml'), 'utf8');
    expect(lint).toContain('  contents: read # expect: excessive-permissions');
    const format = parse(readFileSync(path.join(dir, '.github/workflows/format.yml'), 'utf8')) as { jobs: Record<string, { permissions?: unknown }> };
    // stefanzweifel/git-auto-commit-action pushes: contents: write, nothing else.
    expect(format.jobs.format!.permissions).toEqual({ contents: 'write' });
    // The deploy job hands the token to a script: its scopes are for a person to choose.
    expect(r.err).toMatch(/^not fixed \.github\/workflows\/deploy\.yml:19 excessive-permissions: a job hands the token to code whose needs cannot be seen/m);
  });

  it('moves an attacker-controlled expression into env:, and the rewritten script no longer runs what the title says', async () => {
    const dir = copyOf('gh-node-lib');
    await cli(['policy', 'check', dir, '--fix']);
    const wfText = readFileSync(path.join(dir, '.github/workflows/triage.yml'), 'utf8');
    const wf = parse(wfText) as { jobs: { label: { steps: { name?: string; run?: string; env?: Record<string, string> }[] } } };
    const step = wf.jobs.label.steps.find((s) => s.name === 'Say hello')!;
    expect(step.env).toEqual({ ISSUE_TITLE: '${{ github.event.issue.title }}' });
    expect(step.run).toContain('echo "New issue: ${ISSUE_TITLE}"');
    const original = parse(readFileSync(fixture('gh-node-lib') + '/.github/workflows/triage.yml', 'utf8')) as typeof wf;
    const hostile = 'x"; touch "$MARK"; echo "';
    const runAs = (script: string, env: Record<string, string>) => {
      const mark = path.join(tmp, `pwned-${Math.random().toString(36).slice(2)}`);
      const res = spawnSync('bash', ['-e', '-c', script], { env: { PATH: process.env.PATH, MARK: mark, ...env }, encoding: 'utf8' });
      return { out: res.stdout, pwned: existsSync(mark) };
    };
    // What GitHub does with the original: the expression is pasted into the script before bash runs it.
    const pasted = original.jobs.label.steps
      .find((s) => s.name === 'Say hello')!
      .run!.replaceAll('${{ github.event.issue.title }}', hostile)
      .replace(/\$\{\{[^}]*\}\}/g, '1');
    expect(runAs(pasted, {}).pwned).toBe(true);
    const fixedRun = step.run!.replace(/\$\{\{[^}]*\}\}/g, '1');
    const after = runAs(fixedRun, { ISSUE_TITLE: hostile });
    expect(after.pwned).toBe(false);
    expect(after.out).toContain(`New issue: ${hostile}`);
    // actions/github-script is explained, not rewritten.
    expect(wfText).toContain('const body = `${{ github.event.comment.body }}`;');
  });

  it('quotes the variable for where the expression stood: inside "…", inside \'…\', or bare', async () => {
    const dir = mkdtempSync(path.join(tmp, 'quotes-'));
    mkdirSync(path.join(dir, '.github/workflows'), { recursive: true });
    writeFileSync(
      path.join(dir, '.github/workflows/q.yml'),
      `on: pull_request_target
permissions:
  contents: read
jobs:
  q:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "in double: \${{ github.head_ref }}"
          echo 'in single: \${{ github.event.pull_request.title }}'
          echo bare \${{ github.event.pull_request.body }}
        env:
          KEEP: "1"
`,
    );
    await cli(['policy', 'check', dir, '--fix']);
    const wf = parse(readFileSync(path.join(dir, '.github/workflows/q.yml'), 'utf8')) as {
      jobs: { q: { steps: { run: string; env: Record<string, string> }[] } };
    };
    const s = wf.jobs.q.steps[0]!;
    expect(s.env).toEqual({
      KEEP: '1',
      HEAD_REF: '${{ github.head_ref }}',
      PULL_REQUEST_TITLE: '${{ github.event.pull_request.title }}',
      PULL_REQUEST_BODY: '${{ github.event.pull_request.body }}',
    });
    const hostile = '$(touch "$MARK") `touch "$MARK"` a  b';
    const mark = path.join(tmp, 'quotes-pwned');
    const res = spawnSync('bash', ['-e', '-c', s.run], {
      env: { PATH: process.env.PATH, MARK: mark, HEAD_REF: hostile, PULL_REQUEST_TITLE: hostile, PULL_REQUEST_BODY: hostile },
      encoding: 'utf8',
    });
    expect(existsSync(mark)).toBe(false);
    expect(res.stdout.split('\n').slice(0, 3)).toEqual([`in double: ${hostile}`, `in single: ${hostile}`, `bare ${hostile}`]);
  });

  it('--dry-run writes nothing and prints a diff git apply accepts, giving the same files as --fix', async () => {
    const dry = copyOf('gh-python-svc');
    const real = copyOf('gh-python-svc');
    const hash = (d: string) =>
      execFileSync('find', ['.', '-type', 'f', '-exec', 'sha256sum', '{}', '+'], { cwd: d, encoding: 'utf8' }).split('\n').sort().join('\n');
    const untouched = hash(dry);
    const r = await cli(['policy', 'check', dry, '--fix', '--dry-run', '--action-clones', clones]);
    expect(r.code).toBe(0);
    expect(hash(dry)).toBe(untouched);
    expect(r.out).toMatch(/^--- a\/\.github\/workflows\/format\.yml\n\+\+\+ b\/\.github\/workflows\/format\.yml\n@@ /m);
    expect(r.err).toMatch(/can be fixed in \d+ files/);
    writeFileSync(path.join(tmp, 'fix.patch'), r.out);
    git(dry, 'apply', '--check', path.join(tmp, 'fix.patch'));
    git(dry, 'apply', path.join(tmp, 'fix.patch'));
    await cli(['policy', 'check', real, '--fix', '--action-clones', clones]);
    expect(hash(dry)).toBe(hash(real));
  });

  it('refuses --dry-run without --fix', async () => {
    const r = await cli(['policy', 'check', fixture('gh-pr-target'), '--dry-run']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--dry-run goes with --fix/);
  });
});

describe('pins and diffs', () => {
  it('asks the GitHub API (commits/{ref}, sha media type, the token) only for tags no pin or clone knows', async () => {
    const seen: string[] = [];
    const sha = 'c'.repeat(40);
    const server = createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.accept} ${req.headers.authorization}`);
      if (req.url === '/repos/actions/upload-artifact/commits/v4') res.end(sha);
      else res.writeHead(404).end('{"message":"Not Found"}');
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const github = { token: 'tkn', apiUrl };
      // Every tag is in the clones: the API is never asked.
      const offline = copyOf('gh-node-lib');
      await fixRepository(offline, policyCheck(offline).findings, { dryRun: false, maxFileBytes: 1 << 20, clonesDir: clones, github });
      expect(seen).toEqual([]);
      const dir = copyOf('gh-node-lib');
      const out = await fixRepository(dir, policyCheck(dir).findings, { dryRun: false, maxFileBytes: 1 << 20, github });
      expect(seen.sort()).toEqual(
        ['checkout', 'setup-node', 'upload-artifact'].map((a) => `/repos/actions/${a}/commits/v4 application/vnd.github.sha Bearer tkn`),
      );
      expect(out.fixed.filter((n) => n.rule === 'unpinned-action').map((n) => n.message)).toEqual([
        `pinned actions/upload-artifact@v4 to ${sha} (from ${new URL(apiUrl).host})`,
      ]);
      expect(out.notFixed.filter((n) => n.rule === 'unpinned-action')).toHaveLength(2);
    } finally {
      server.close();
    }
  });

  it('a tag pinned to two different commits in the repository is not trusted', () => {
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const pins = pinsInRepository([`- uses: actions/checkout@${a} # v4\n`, `- uses: "actions/checkout@${b}" # v4\n- uses: actions/cache/save@${a} # v4.1\n`]);
    expect(pins.has('actions/checkout@v4')).toBe(false);
    expect(pins.get('actions/cache@v4.1')).toBe(a);
  });

  it('unified diff round-trips through git apply on random edits', () => {
    const dir = mkdtempSync(path.join(tmp, 'diff-'));
    git(dir, 'init', '-q');
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 25; round++) {
      const a = Array.from({ length: 5 + rnd(60) }, (_, i) => `line ${i} ${rnd(5)}`);
      const b = a.flatMap((l) => (rnd(8) === 0 ? [] : rnd(8) === 0 ? [l, `new ${rnd(100)}`] : rnd(10) === 0 ? [`changed ${l}`] : [l]));
      const before = a.join('\n') + '\n';
      const after = b.join('\n') + '\n';
      writeFileSync(path.join(dir, 'f.txt'), before);
      const patch = unifiedDiff('f.txt', before, after);
      if (before === after) {
        expect(patch).toBe('');
        continue;
      }
      writeFileSync(path.join(dir, 'p.patch'), patch);
      git(dir, 'apply', 'p.patch');
      expect(readFileSync(path.join(dir, 'f.txt'), 'utf8')).toBe(after);
    }
  });
});
