// The offline command end to end through the real CLI program (runCli), and --open-issue against a
// local HTTP server that records the GitHub REST requests it receives.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELDOUT_DIR } from './corpus.js';
import { autopsy } from './index.js';
import { runCli } from '../../../test/support/assembled.js';

const logPath = (id: string) => path.join(HELDOUT_DIR, 'logs', `${id}.log`);

async function cli(args: string[], env: NodeJS.ProcessEnv = {}, stdin?: string) {
  let out = '';
  let err = '';
  const saved = Object.getOwnPropertyDescriptor(process, 'stdin');
  if (stdin !== undefined) Object.defineProperty(process, 'stdin', { value: Readable.from([stdin]), configurable: true });
  try {
    const code = await runCli(
      args,
      { out: (s) => (out += s), err: (s) => (err += s), env: { ...env }, isTTY: false, cwd: mkdtempSync(path.join(os.tmpdir(), 'autopsy-cli-')) },
      [autopsy],
    );
    return { code, out, err };
  } finally {
    if (saved) Object.defineProperty(process, 'stdin', saved);
  }
}

describe('ci-intel autopsy (CLI)', () => {
  it('prints one JSON line per log, most likely cause first, and exits 1 on a failure', async () => {
    const r = await cli(['autopsy', '--json', logPath('ho-tsc-type'), logPath('ho-npm-etarget')]);
    expect(r.code).toBe(1);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0].log).toBe(logPath('ho-tsc-type'));
    expect(lines[0].failed).toBe(true);
    const rc = lines[0].root_causes[0];
    expect(Object.keys(rc).sort()).toEqual(
      ['category', 'decided_by', 'docs_uri', 'evidence', 'file', 'line', 'message', 'pattern', 'repro', 'severity', 'signature', 'suggestion', 'tool'].sort(),
    );
    expect(rc).toMatchObject({ category: 'compile_error', tool: 'tsc', file: 'src/limits.ts', line: 2, decided_by: { rule_id: 'tsc.error' } });
    expect(Object.keys(rc.evidence).sort()).toEqual(['after', 'before', 'line', 'text']);
    expect(lines[1].root_causes[0]).toMatchObject({ category: 'dependency_resolution', tool: 'npm', repro: 'npm install --no-audit --no-fund' });
  });

  it('reads stdin with -, exits 0 when nothing failed', async () => {
    const ok = await cli(['autopsy', '-'], {}, 'PASS src/a.test.js\nTests: 3 passed, 3 total\n');
    expect(ok).toMatchObject({ code: 0, out: '-: no failure found\n' });
    const bad = await cli(['autopsy', '--json', '-'], {}, "make: *** No rule to make target 'deploy'.  Stop.\n");
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out).root_causes[0].category).toBe('config_error');
  });

  it('prints Markdown in the issue-template shape and never a secret', async () => {
    const r = await cli(['autopsy', '--md', logPath('ho-secrets-deploy')]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^## 🚨 Build .* root causes/);
    for (const h of ['### Evidence', '### Artifacts', '### Repro steps']) expect(r.out).toContain(h);
    expect(r.out).toContain('Fix: ');
    for (const secret of ['xoxb-234328289551', 'yvorcsq2McQMLuUL4l9x', 'glpat-7JCka09oD2rbZ0KN76up', 'MIICXAIBAAKBgQCflX']) expect(r.out).not.toContain(secret);
  });

  it('takes user rule packs with --rules and reports a bad pack as a usage error (exit 2) naming file:line', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'autopsy-rules-'));
    writeFileSync(path.join(dir, 'bad.yml'), '- id: x\n  tool: pytest\n  category: nope\n  match: a\n  hint: b\n');
    const r = await cli(['autopsy', '--rules', dir, logPath('ho-tsc-type')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`E_RULES_INVALID: ${path.join(dir, 'bad.yml')}:1 (rule 1): category "nope" is not a category`);
    const missing = await cli(['autopsy', '/nonexistent/build.log']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('E_INPUT_UNREADABLE');
  });

  it("eval --json prints exactly one object with the issue's keys", async () => {
    const r = await cli(['autopsy', 'eval', '--json', HELDOUT_DIR]);
    expect(r.code).toBe(0);
    const o = JSON.parse(r.out);
    for (const k of [
      'cases',
      'precision',
      'recall',
      'f1',
      'evidence_hit_rate',
      'per_category',
      'secrets_planted',
      'secrets_leaked',
      'rule_only',
      'model_loocv',
      'model_calibration',
    ])
      expect(o, k).toHaveProperty(k);
    expect(o.cases).toBe(53);
    expect(o.per_category.network).toMatchObject({ support: 6 });
    expect(o.secrets_leaked).toBe(0);
  });
});

describe('--open-issue (GitHub REST, against a local recording server)', () => {
  let server: Server;
  let api: string;
  const requests: Array<{ method: string; url: string; auth: string; body: unknown }> = [];
  const issues: Array<{ number: number; html_url: string; body: string; labels: string[] }> = [];
  const body = (req: IncomingMessage) =>
    new Promise<unknown>((resolve) => {
      let s = '';
      req.on('data', (c) => (s += c));
      req.on('end', () => resolve(s ? JSON.parse(s) : null));
    });
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const b = await body(req);
      requests.push({ method: req.method!, url: req.url!, auth: String(req.headers.authorization), body: b });
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET' && req.url!.startsWith('/repos/acme/app/issues?')) return res.end(JSON.stringify(issues));
      if (req.method === 'POST' && req.url === '/repos/acme/app/issues') {
        const i = {
          number: issues.length + 1,
          html_url: `https://github.example/acme/app/issues/${issues.length + 1}`,
          body: (b as { body: string }).body,
          labels: ['ci-autopsy'],
        };
        issues.push(i);
        res.statusCode = 201;
        return res.end(JSON.stringify(i));
      }
      if (req.method === 'POST' && /^\/repos\/acme\/app\/issues\/\d+\/comments$/.test(req.url!)) {
        res.statusCode = 201;
        return res.end('{"id":1}');
      }
      res.statusCode = 404;
      return res.end('{"message":"Not Found"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    api = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('opens one issue per failure signature and comments on it the next time', async () => {
    const env = { GITHUB_TOKEN: 'gh-test-token', GITHUB_API_URL: api };
    const first = await cli(['autopsy', '--open-issue', 'acme/app', logPath('ho-go-test-fail')], env);
    expect(first.code).toBe(1);
    expect(first.err).toContain('issue opened #1');
    const second = await cli(['autopsy', '--open-issue', 'acme/app', logPath('ho-go-test-fail')], env);
    expect(second.err).toContain('issue commented #1');
    const other = await cli(['autopsy', '--open-issue', 'acme/app', logPath('ho-tsc-type')], env);
    expect(other.err).toContain('issue opened #2');

    expect(requests.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual([
      'GET /repos/acme/app/issues',
      'POST /repos/acme/app/issues',
      'GET /repos/acme/app/issues',
      'POST /repos/acme/app/issues/1/comments',
      'GET /repos/acme/app/issues',
      'POST /repos/acme/app/issues',
    ]);
    expect(requests.every((r) => r.auth === 'Bearer gh-test-token')).toBe(true);
    const created = requests[1]!.body as { title: string; body: string; labels: string[] };
    expect(created.labels).toEqual(['ci-autopsy']);
    expect(created.title).toMatch(/^CI failure: go test_failure: /);
    expect(created.body).toMatch(/<!-- ci-intel-signature: [0-9a-f]{16} -->/);
    expect(created.body).toContain("go test -run '^TestRound$' example.com/money");
  });

  it('reports a GitHub refusal clearly (after printing the analysis)', async () => {
    const r = await cli(['autopsy', '--open-issue', 'acme/other', logPath('ho-tsc-type')], { GITHUB_TOKEN: 't', GITHUB_API_URL: api });
    expect(r.out).toContain('[compile_error] tsc');
    expect(r.code).toBe(2);
    expect(r.err).toContain('E_GITHUB_FAILED');
  });
});
