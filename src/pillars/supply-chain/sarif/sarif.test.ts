// SARIF normalisation on real scanners' output (fixtures/sarif/make-fixtures.sh: Flawfinder 2.0.19,
// clang 14 analyzer, ESLint 8.57 and 9.39 with two versions of Microsoft's SARIF formatter, and our
// own policy check) for two commits of a small app: one issue per flaw across tools and versions,
// new/open/fixed against the base even when lines moved, suppressions with reasons that expire.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../test/support/assembled.js';
import { CiError } from '../../../core/errors.js';
import { supplyChainPillar } from '../index.js';
import { dedupe } from './dedup.js';
import { readSarif } from './normalize.js';
import type { SarifReport } from './report.js';
import { parseSuppressions } from './suppressions.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = (...p: string[]) => path.join(here, '..', 'fixtures', 'sarif', ...p);
const logs = (commit: string) =>
  readdirSync(fx(commit))
    .filter((f) => f.endsWith('.sarif'))
    .sort()
    .map((f) => fx(commit, f));
const NOW = new Date('2026-12-06T06:00:00Z');
const tmp: string[] = [];
/** The error code and place a call fails with, or 'accepted'. */
function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return `${(e as CiError).code} ${(e as CiError).where}`;
  }
  return 'accepted';
}
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, now: () => NOW, cwd: here }, [supplyChainPillar]);
  return { code, out, err };
}
const baseArgs = () => logs('base').flatMap((f) => ['--base', f]);
/** `sarif report` or `gate sarif` on the change against the base checkout, plus `extra`. */
const againstBase = (command: 'report' | 'gate', ...extra: string[]) =>
  cli([
    ...(command === 'gate' ? ['gate', 'sarif'] : ['sarif', 'report']),
    ...logs('head'),
    '--root',
    fx('app-head'),
    ...baseArgs(),
    '--base-root',
    fx('app-base'),
    ...extra,
  ]);
async function report(extra: string[]): Promise<SarifReport> {
  const r = await cli(['sarif', 'report', ...logs('head'), '--root', fx('app-head'), ...extra, '--json']);
  return JSON.parse(r.out) as SarifReport;
}
const brief = (r: SarifReport, state: string) =>
  r.issues
    .filter((i) => i.state === state)
    .map((i) => `${i.file}:${i.line} ${i.rules.join('+')}`)
    .sort();

describe('SARIF of several scanners → one issue per flaw', () => {
  it('merges the same flaw reported by two tools (same line, related CWE) and by two versions of one tool', () => {
    const findings = logs('head').flatMap((f) => readSarif(readFileSync(f), f, { root: fx('app-head') }));
    expect(findings).toHaveLength(17);
    // Absolute URIs of the CI checkout (/tmp/sarif-app/head/...) are matched under --root.
    expect([...new Set(findings.map((f) => f.file))].sort()).toEqual(['.github/workflows/ci.yml', 'src/util.c', 'web/legacy.js', 'web/render.js']);
    expect(findings.every((f) => f.hash_from === 'source')).toBe(true);
    const issues = dedupe(findings);
    expect(issues).toHaveLength(13);
    const strcpy = issues.find((i) => i.line === 13 && i.file === 'src/util.c')!;
    expect(strcpy.tools).toEqual(['Flawfinder', 'clang']);
    expect(strcpy.cwes).toEqual([119, 120]);
    const evalIssue = issues.find((i) => i.file === 'web/render.js' && i.rules.includes('no-eval'))!;
    expect(evalIssue.reports).toEqual(['ESLint@8.57.1 no-eval', 'ESLint@9.39.5 no-eval']);
    // Different flaws on different lines stay apart, and the sprintf-family notes are not merged
    // with the strcpy finding next to them.
    expect(issues.filter((i) => i.file === 'src/util.c')).toHaveLength(8);
    const suppressed = issues.filter((i) => i.suppressed);
    expect(suppressed.map((i) => `${i.file}:${i.line}`)).toEqual(['web/legacy.js:6']);
    expect(suppressed[0]!.suppressed!.justification).toBe('expressions come from templates in this repository, never from users');
  });

  it('against the base checkout: the flaws the change brings in are new, moved ones stay open, removed ones are fixed', async () => {
    const r = await report([...baseArgs(), '--base-root', fx('app-base')]);
    expect(brief(r, 'new')).toEqual([
      'src/util.c:19 FF1019',
      'src/util.c:24 FF1013',
      'src/util.c:25 FF1019',
      'src/util.c:26 FF1044',
      'web/legacy.js:6 no-eval',
      'web/render.js:16 no-implied-eval',
    ]);
    expect(brief(r, 'fixed')).toEqual(['src/util.c:14 FF1015']);
    expect(brief(r, 'open')).toContain('src/util.c:13 FF1001+security.insecureAPI.strcpy');
    expect(r.counts).toMatchObject({ new: 6, open: 13, fixed: 1, suppressed: 1, gating: 2, findings: 17 });
    expect(r.pass).toBe(false);
    expect(r.reasons).toEqual(['2 newly introduced issues at high or above']);
  });

  it('reads the base line text from git (--base-ref) with the same answer as a base checkout', async () => {
    const repo = mkdtempSync(path.join(tmpdir(), 'sarif-git-'));
    tmp.push(repo);
    const git = (...a: string[]) =>
      execFileSync('git', ['-C', repo, ...a], {
        stdio: 'pipe',
        env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' },
      });
    git('init', '-q', '-b', 'main');
    cpSync(fx('app-base'), repo, { recursive: true });
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    rmSync(path.join(repo, 'src'), { recursive: true });
    rmSync(path.join(repo, 'web'), { recursive: true });
    cpSync(fx('app-head'), repo, { recursive: true });
    git('add', '-A');
    git('commit', '-q', '-m', 'head');
    const viaGit = await cli(['sarif', 'report', ...logs('head'), '--root', repo, ...baseArgs(), '--base-ref', 'HEAD~1', '--json']);
    const viaDir = await report([...baseArgs(), '--base-root', fx('app-base')]);
    const r = JSON.parse(viaGit.out) as SarifReport;
    expect(viaGit.err).toBe('');
    for (const s of ['new', 'open', 'fixed']) expect(brief(r, s)).toEqual(brief(viaDir, s));
  });

  it('without the base source it warns that moved lines may show as new', async () => {
    const r = await cli(['sarif', 'report', ...logs('head'), '--root', fx('app-head'), ...baseArgs()]);
    expect(r.err).toContain('warning: the base logs are read without the base commit');
    // Flawfinder quotes the line, so its moved strcpy is still recognised.
    expect(r.out).toMatch(/^open {3}high {6}src\/util\.c:13 .*Flawfinder@2\.0\.19 FF1001/m);
  });

  it('a suppression with a reason takes a new issue out of the gate until it expires; an expired one fails again', async () => {
    const first = await report([...baseArgs(), '--base-root', fx('app-base')]);
    const ids = first.issues.filter((i) => i.state === 'new' && i.severity === 'high' && !i.suppression).map((i) => i.id);
    expect(ids).toHaveLength(2);
    const dir = mkdtempSync(path.join(tmpdir(), 'sarif-sup-'));
    tmp.push(dir);
    const write = (name: string, created: string, expires: string) => {
      const f = path.join(dir, name);
      writeFileSync(
        f,
        `suppressions:\n${ids.map((id) => `  - id: ${id}\n    reason: reviewed, input is a file name from our own menu\n    by: alice\n    created: ${created}\n    expires: ${expires}\n`).join('')}`,
      );
      return f;
    };
    const ok = await againstBase('gate', '--suppressions', write('ok.yml', '2026-12-01', '2026-12-20'));
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^PASS gate=sarif value=0 max=0 .*suppressed=3/m);
    const old = await againstBase('gate', '--suppressions', write('old.yml', '2026-10-20', '2026-11-19'));
    expect(old.code).toBe(1);
    expect(old.out).toMatch(/^FAIL gate=sarif value=2 max=0 .*reason="2 newly introduced issues at high or above"/m);
    const text = await againstBase('report', '--suppressions', path.join(dir, 'old.yml'));
    expect(text.out).toContain('suppression expired 2026-11-19 (reviewed, input is a file name from our own menu)');
  });

  it('refuses suppressions without a reason or longer than 30 days, naming the entry', () => {
    const bad = (yaml: string) => failure(() => parseSuppressions(yaml, 'sup.yml', NOW));
    expect(bad('suppressions:\n  - id: 0123456789abcdef\n    reason: ok reason\n    created: 2026-12-01\n    expires: 2027-01-15\n')).toBe(
      'E_SUPPRESSIONS_INVALID sup.yml: /suppressions/0/expires',
    );
    expect(bad('suppressions:\n  - id: 0123456789abcdef\n    reason: ok reason\n  - id: 0123456789abcdef\n')).toBe(
      'E_SUPPRESSIONS_INVALID sup.yml: /suppressions/1/reason',
    );
    expect(bad('suppressions:\n  - id: nope\n    reason: fine reason\n')).toBe('E_SUPPRESSIONS_INVALID sup.yml: /suppressions/0/id');
    // Without dates it lasts 30 days from now.
    expect(parseSuppressions('- id: 0123456789abcdef\n  reason: accepted risk\n', 'sup.yml', NOW)[0]!.expires.toISOString()).toBe('2027-01-05T06:00:00.000Z');
  });

  it('gates on open issues per 1,000 lines and on the severity chosen', async () => {
    const dense = await againstBase('gate', '--fail-on', 'critical', '--max-per-kloc', '50');
    expect(dense.code).toBe(1);
    expect(dense.out).toMatch(/reason="\d+(\.\d+)? open issues per 1,000 lines, above 50"/);
    const ok = await againstBase('gate', '--fail-on', 'critical');
    expect(ok.code).toBe(0);
  });

  it('names the JSON pointer of a broken log and reads no file outside the repository', () => {
    const err = (text: string) => failure(() => readSarif(text, 'x.sarif', { root: fx('app-head') }));
    expect(err('{"version":"2.0.0","runs":[]}')).toBe('E_REPORT_INVALID x.sarif: /version');
    expect(err('{"version":"2.1.0","runs":[{"tool":{"driver":{}}}]}')).toBe('E_REPORT_INVALID x.sarif: /runs/0/tool/driver/name');
    expect(err('{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":[{"message":{"text":"m"}}]}]}')).toBe(
      'E_REPORT_INVALID x.sarif: /runs/0/results/0/ruleId',
    );
    expect(err('[1,2]')).toBe('E_REPORT_INVALID x.sarif: /');
    const sneaky = (uri: string) =>
      readSarif(
        JSON.stringify({
          version: '2.1.0',
          runs: [
            {
              tool: { driver: { name: 't' } },
              results: [{ ruleId: 'r', locations: [{ physicalLocation: { artifactLocation: { uri }, region: { startLine: 1 } } }] }],
            },
          ],
        }),
        'x.sarif',
        { root: fx('app-head') },
      )[0]!;
    for (const uri of ['../../../../../../etc/passwd', 'file:///etc/passwd', '..%2F..%2F..%2Fetc%2Fpasswd']) expect(sneaky(uri).hash_from).toBe('line');
  });
});
