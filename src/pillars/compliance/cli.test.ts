// `ci-intel policy check` end to end through the CLI: formats, exit codes, bad input.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/assembled.js';
import { compliancePillar } from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = (r: string) => path.join(here, 'fixtures', 'repos', r);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-policy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const NOW = new Date('2026-03-01T12:00:00Z');

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, now: () => NOW, cwd: tmp }, [compliancePillar]);
  return { code, out, err };
}

function write(root: string, files: Record<string, string>) {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
}

const CLEAN_WORKFLOW = `name: CI
on: [push, pull_request]
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
      - run: make test
`;

describe('ci-intel policy check', () => {
  it('--json prints one object per finding with file relative to PATH, sorted by file, line, rule; exit 1 on an error', async () => {
    const r = await cli(['policy', 'check', repo('gh-python-svc'), '--json']);
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n');
    const objs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs.length).toBe(15);
    for (const o of objs) {
      expect(Object.keys(o)).toEqual(expect.arrayContaining(['rule', 'severity', 'file', 'line', 'message', 'fix']));
      expect(String(o.file)).not.toMatch(/^\/|fixtures/);
    }
    const keys = objs.map((o) => [o.file, o.line, o.rule] as [string, number, string]);
    const sorted = [...keys].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1] || (a[2] < b[2] ? -1 : 1)));
    expect(keys).toEqual(sorted);
    expect(objs[0]).toMatchObject({ rule: 'unpinned-action', file: '.github/actions/setup-env/action.yml', line: 10, severity: 'error' });
  });

  it('exits 0 on a clean repository, and warnings alone do not fail', async () => {
    const root = path.join(tmp, 'clean');
    write(root, { '.github/workflows/ci.yml': CLEAN_WORKFLOW });
    const r = await cli(['policy', 'check', root]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('1 file checked: 0 errors, 0 warnings');
    const warn = path.join(tmp, 'warn-only');
    write(warn, { '.github/workflows/ci.yml': CLEAN_WORKFLOW.replace('run: make test', 'run: curl -fsSL https://get.example.com | bash') });
    const w = await cli(['policy', 'check', warn, '--json']);
    expect(w.code).toBe(0);
    expect(JSON.parse(w.out.trim())).toMatchObject({ rule: 'remote-script-exec', severity: 'warning', line: 10 });
  });

  it('a malformed file is named with its line on stderr and the other files are still checked (exit 2 without errors found)', async () => {
    const root = path.join(tmp, 'malformed');
    write(root, {
      '.github/workflows/broken.yml': 'name: broken\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: "unterminated\n',
      '.github/workflows/ok.yml': CLEAN_WORKFLOW.replace('make test', 'curl -s https://x.example.com/i.sh | sh'),
    });
    const r = await cli(['policy', 'check', root, '--json']);
    expect(r.err).toMatch(/^error: \.github\/workflows\/broken\.yml:\d+: not valid YAML/m);
    expect(r.out).toContain('"file":".github/workflows/ok.yml"');
    expect(r.code).toBe(2);
  });

  it('refuses a symlink leaving PATH and skips files over the size cap', async () => {
    const outside = path.join(tmp, 'outside.yml');
    writeFileSync(outside, CLEAN_WORKFLOW.replace('@11bd71901bbe5b1630ceea73d27597364c9af683', '@v4'));
    const root = path.join(tmp, 'escape');
    write(root, { '.github/workflows/ci.yml': CLEAN_WORKFLOW, 'ci-intel.yml': 'compliance:\n  maxFileBytes: 2048\n' });
    symlinkSync(outside, path.join(root, '.github/workflows/evil.yml'));
    write(root, { '.github/workflows/huge.yml': CLEAN_WORKFLOW + `# ${'x'.repeat(4000)}\n` });
    const r = await cli(['policy', 'check', root, '--json']);
    expect(r.out).toBe('');
    expect(r.err).toContain('.github/workflows/evil.yml: a symbolic link to a place outside the checked folder');
    expect(r.err).toMatch(/\.github\/workflows\/huge\.yml: \d+ bytes is over the 2048-byte cap/);
  });

  it('--format sarif validates against the SARIF 2.1.0 schema and keeps rule, file and line', async () => {
    const out = path.join(tmp, 'out.sarif');
    const r = await cli(['policy', 'check', repo('gl-go-api'), '--format', 'sarif', '--out', out]);
    expect(r.code).toBe(1);
    const log = JSON.parse(readFileSync(out, 'utf8')) as {
      runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[];
    };
    const schema = JSON.parse(readFileSync(path.join(here, 'fixtures', 'sarif', 'sarif-schema-2.1.0.json'), 'utf8')) as Record<string, unknown>;
    // draft-04 → draft-07 for ajv 8: the schema uses `id` and no other draft-04-only keyword.
    const { id, $schema, ...rest } = schema;
    void $schema;
    const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
    const validate = ajv.compile({ ...rest, $id: String(id) });
    expect(validate(log), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const results = log.runs[0]!.results;
    expect(results).toHaveLength(12);
    expect(
      results.map((x) => `${x.ruleId} ${x.locations[0]!.physicalLocation.artifactLocation.uri}:${x.locations[0]!.physicalLocation.region.startLine}`),
    ).toContain('gitlab-remote-include .gitlab-ci.yml:5');
    // an invalid log is refused: the validation is real
    expect(validate({ version: '2.1.0', runs: [{ results: [] }] })).toBe(false);
  });

  it('--format html writes one self-contained page (no script, no external reference)', async () => {
    const r = await cli(['policy', 'check', repo('gl-node-app'), '--format', 'html']);
    expect(r.out).toMatch(/^<!doctype html>/);
    expect(r.out).not.toMatch(/<script|<link|src=|url\(|https?:\/\/(?!gitlab\.com\/acme|codecov)/i);
    expect(r.out).toContain('gitlab-plaintext-secret');
    expect(r.out).toContain('integrity: sha256-&lt;base64');
    expect(r.out).not.toContain('<base64');
  });

  it('refuses an unknown format and a missing folder (exit 2)', async () => {
    expect((await cli(['policy', 'check', repo('gl-node-app'), '--format', 'xml'])).code).toBe(2);
    expect((await cli(['policy', 'check', path.join(tmp, 'nope')])).code).toBe(2);
  });

  it('--license-allowlist reads one id per line; without it only missing licences are reported', async () => {
    const allow = path.join(tmp, 'allow.txt');
    writeFileSync(allow, '# approved\nMIT\nApache-2.0\nBSD-3-Clause\n');
    const root = repo('licenses-mixed');
    const without = await cli(['policy', 'check', root, '--json']);
    const rulesWithout = new Set(
      without.out
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { rule: string }).rule),
    );
    expect([...rulesWithout]).toEqual(['license-missing']);
    const withList = await cli(['policy', 'check', root, '--json', '--license-allowlist', allow]);
    const notAllowed = withList.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { rule: string; file: string; line: number })
      .filter((f) => f.rule === 'license-not-allowed');
    // GPL-2.0-or-later (line 76) and Zlib are not on this shorter list
    expect(notAllowed.map((f) => `${f.file}:${f.line}`)).toEqual(expect.arrayContaining(['web/package-lock.json:76', 'sbom/base-image.spdx.json:13']));
    expect(withList.code).toBe(1);
  });

  it('--help shows an example', async () => {
    const r = await cli(['policy', 'check', '--help']);
    expect(r.out).toContain('$ ci-intel policy check . --json');
  });
});

describe('ci-intel policy eval', () => {
  it('prints one decision per policy in the run record shape and exits 1 on a deny', async () => {
    const input = path.join(tmp, 'deploy.json');
    const approved = NOW.getTime() * 1e6 - 5 * 60e9;
    writeFileSync(input, JSON.stringify({ env: 'prod', approvers: ['alice', 'alice'], approvals: [{ by: 'alice', time_ns: approved }] }));
    const policies = path.join(here, 'policies', 'two-person-prod.yml');
    const r = await cli(['policy', 'eval', '--policies', policies, '--input', input, '--json']);
    expect(r.code).toBe(1);
    const d = JSON.parse(r.out.trim()) as Record<string, unknown>;
    expect(Object.keys(d)).toEqual(['id', 'result', 'reason', 'time_ns']);
    expect(d).toMatchObject({ id: 'two_person_prod', result: 'deny' });
    expect(Number.isInteger(d.time_ns)).toBe(true);
    writeFileSync(
      input,
      JSON.stringify({
        env: 'prod',
        approvers: ['alice', 'bob'],
        approvals: [
          { by: 'alice', time_ns: approved },
          { by: 'bob', time_ns: approved },
        ],
      }),
    );
    const ok = await cli(['policy', 'eval', '--policies', policies, '--input', input]);
    expect(ok.code).toBe(0);
    expect(ok.out).toBe('ALLOW two_person_prod: Distinct approvers met two-person rule\n');
  });
});

describe('ci-intel policy check --record', () => {
  it('stores the findings of a commit in the store and reports what changed', async () => {
    const db = path.join(tmp, 'store');
    const root = path.join(tmp, 'rec');
    write(root, { '.github/workflows/ci.yml': CLEAN_WORKFLOW.replace('@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2', '@v4') });
    const first = await cli(['policy', 'check', root, '--json', '--record', '--repo', 'acme/app', '--commit', 'a'.repeat(40), '--db', db]);
    expect(first.err).toContain('recorded acme/app@aaaaaaaaaaaa: 1 new, 0 still open, 0 fixed');
    write(root, { '.github/workflows/ci.yml': CLEAN_WORKFLOW });
    const second = await cli(['policy', 'check', root, '--record', '--repo', 'acme/app', '--commit', 'b'.repeat(40), '--db', db]);
    expect(second.code).toBe(0);
    expect(second.err).toContain('0 new, 0 still open, 1 fixed');
    expect((await cli(['policy', 'check', root, '--record', '--db', db])).code).toBe(2);
  });
});

describe('policy check on odd shapes', () => {
  it('does not crash on empty files, lists, numbers where maps or names belong, and judges nothing it cannot read', async () => {
    const root = path.join(tmp, 'odd');
    write(root, {
      '.github/workflows/empty.yml': '',
      '.github/workflows/list.yml': '- a\n- b\n',
      '.github/workflows/odd.yml': 'name: x\njobs:\n  a: 3\n  b:\n    steps: [1, "x", {run: 7}, {uses: 5}]\n    permissions: 7\n    runs-on: {labels: 5}\n',
      '.gitlab-ci.yml': 'include: 5\nvariables: [1]\njob:\n  script: 5\n  image: {name: 7}\n  services: [{}, 3]\n',
    });
    const r = await cli(['policy', 'check', root, '--json']);
    expect(r.err).toBe('');
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });
});
