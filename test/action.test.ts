// The GitHub Action as the runner starts it: the bundled dist/action/index.js, copied alone into an
// empty folder (no node_modules beside it), inputs as INPUT_* variables, a real pull_request event
// in GITHUB_EVENT_PATH, GITHUB_STEP_SUMMARY and GITHUB_OUTPUT files — against a local server that
// records every GitHub REST call and answers with the documented response bodies.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const fixture = (f: string) => JSON.parse(readFileSync(path.join(root, 'test/fixtures/action/github', f), 'utf8')) as Record<string, unknown>;
const TOKEN = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a';

interface Call {
  method: string;
  path: string;
  body: Record<string, unknown> | null;
  auth: string | undefined;
}

/** GitHub's REST API for one repository and pull request, keeping comments and check runs. */
class FakeGithub {
  calls: Call[] = [];
  comments: Array<Record<string, unknown>> = [];
  /** Paths (method + path prefix) that answer 403 like a token without the permission. */
  forbidden = new Set<string>();
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.server = createServer(
      (req, res) => void this.handle(req).then(([status, body]) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))),
    );
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server!.close(() => r()));
  }

  private async handle(req: IncomingMessage): Promise<[number, unknown]> {
    let text = '';
    for await (const c of req) text += String(c);
    const url = new URL(req.url!, 'http://x');
    const call: Call = {
      method: req.method!,
      path: url.pathname,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : null,
      auth: req.headers.authorization,
    };
    this.calls.push(call);
    if ([...this.forbidden].some((f) => `${call.method} ${call.path}`.startsWith(f))) return [403, fixture('error-403.json')];
    const repo = '/repos/Codertocat/Hello-World';
    if (call.method === 'GET' && call.path === `${repo}/issues/2/comments`) {
      const page = Number(url.searchParams.get('page') ?? '1');
      return [200, this.comments.slice((page - 1) * 100, page * 100)];
    }
    if (call.method === 'POST' && call.path === `${repo}/issues/2/comments`) {
      const id = this.comments.length + 1;
      const c = {
        ...fixture('issue-comment.json'),
        id,
        body: call.body!.body,
        html_url: `https://github.com/Codertocat/Hello-World/pull/2#issuecomment-${id}`,
      };
      this.comments.push(c);
      return [201, c];
    }
    const edit = new RegExp(`^${repo}/issues/comments/(\\d+)$`).exec(call.path);
    if (call.method === 'PATCH' && edit) {
      const c = this.comments.find((x) => x.id === Number(edit[1]))!;
      c.body = call.body!.body;
      return [200, c];
    }
    if (call.method === 'POST' && call.path === `${repo}/check-runs`)
      return [201, { ...fixture('check-run.json'), id: 4, html_url: 'https://github.com/Codertocat/Hello-World/runs/4' }];
    if (call.method === 'PATCH' && call.path === `${repo}/check-runs/4`) return [200, fixture('check-run.json')];
    if (call.method === 'POST' && call.path === `${repo}/issues/2/labels`) return [200, fixture('labels.json')];
    if (call.method === 'POST' && call.path.startsWith(`${repo}/statuses/`)) return [201, { ...fixture('status.json'), ...call.body }];
    if (call.method === 'DELETE' && call.path.startsWith(`${repo}/issues/2/labels/`)) return [404, fixture('error-404.json')];
    return [404, { message: 'Not Found' }];
  }
}

interface ActionRun {
  code: number;
  out: string;
  err: string;
  outputs: Record<string, string>;
  summary: string;
}

let gh: FakeGithub;
let action: string;
let ws: string;
let examples: Array<{ name: string; examples: Array<{ action?: string }> }>;

beforeAll(async () => {
  gh = new FakeGithub();
  await gh.start();
  // The bundle alone, as a checkout of the action's repository holds it: no node_modules.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-action-'));
  cpSync(path.join(root, 'dist/action'), path.join(dir, 'dist/action'), { recursive: true });
  cpSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  action = path.join(dir, 'dist/action/index.js');
  // The job's workspace: what the job produced.
  ws = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-ws-'));
  mkdirSync(path.join(ws, 'reports'));
  cpSync(path.join(root, 'test/fixtures/report/junit.xml'), path.join(ws, 'reports/junit.xml'));
  cpSync(path.join(root, 'src/pillars/autopsy/fixtures/heldout/logs/ho-vitest-assert.log'), path.join(ws, 'build.log'));
  cpSync(path.join(root, 'src/pillars/mutation/fixtures/reports/stryker-mocha-js.json'), path.join(ws, 'mutation.json'));
  examples = (await import('@octokit/webhooks-examples')).default as unknown as typeof examples;
  const opened = examples.find((e) => e.name === 'pull_request')!.examples.find((e) => e.action === 'opened')!;
  writeFileSync(path.join(ws, 'event.json'), JSON.stringify(opened));
}, 60_000);

afterAll(async () => {
  await gh.stop();
});

async function runAction(inputs: Record<string, string>, context: Record<string, string> = {}): Promise<ActionRun> {
  const tag = Math.random().toString(36).slice(2);
  const outputFile = path.join(ws, `output-${tag}`);
  const summaryFile = path.join(ws, `summary-${tag}.md`);
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: ws,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'Codertocat/Hello-World',
    GITHUB_RUN_ID: '1658821493',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SHA: '0000000000000000000000000000000000000000',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: path.join(ws, 'event.json'),
    GITHUB_WORKSPACE: ws,
    GITHUB_API_URL: gh.url,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    INPUT_JUNIT: 'reports/*.xml',
    INPUT_LOGS: 'build.log',
    INPUT_MUTATION: 'mutation.json',
    INPUT_COMMENT: 'true',
    INPUT_CHECK: 'true',
    INPUT_LABELS: 'true',
    INPUT_SUMMARY: 'true',
    'INPUT_FAIL-ON-GATES': 'true',
    INPUT_STRICT: 'false',
    INPUT_TOKEN: TOKEN,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...context,
  };
  const child = spawn(process.execPath, [action], { cwd: ws, env });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += String(d)));
  child.stderr.on('data', (d: Buffer) => (err += String(d)));
  const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
  const outputs = Object.fromEntries(
    readFileSync(outputFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { code, out, err, outputs, summary: existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8') : '' };
}

describe('the GitHub Action', () => {
  it('comments once, annotates every failure in 50s, labels weak tests, writes the summary and outputs', async () => {
    gh.calls = [];
    const r = await runAction({});
    expect(r.code, r.err).toBe(1); // gates failed: 62 failing tests, resilience 51.9 % below the 60 % gate
    expect(r.err).not.toContain('::error::');

    const posts = gh.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/issues/2/comments'));
    expect(posts).toHaveLength(1);
    expect(gh.comments).toHaveLength(1);
    const body = String(gh.comments[0]!.body);
    expect(body).toContain('<!-- ci-intel:report -->');
    expect(body).toContain('62 failing');
    expect(body).toContain('weak-tests');

    // The check run: created on the pull request's head commit, every annotation sent, 50 at most per call.
    const create = gh.calls.find((c) => c.method === 'POST' && c.path.endsWith('/check-runs'))!;
    expect(create.body!.head_sha).toBe('ec26c3e57ca3a959ca5aad62de7213c562f8c821');
    const updates = gh.calls.filter((c) => c.method === 'PATCH' && c.path.endsWith('/check-runs/4'));
    const batches = [create, ...updates].map((c) => (c.body!.output as { annotations: Array<Record<string, unknown>> }).annotations);
    for (const b of batches) expect(b.length).toBeLessThanOrEqual(50);
    const all = batches.flat();
    const tests = all.filter((a) => String(a.title).startsWith('Failed: '));
    expect(tests).toHaveLength(62);
    expect(new Set(tests.map((a) => a.title)).size).toBe(62);
    expect(tests[0]).toMatchObject({ path: 'src/price.test.ts', start_line: 4, annotation_level: 'failure' });
    expect(all.some((a) => a.path === 'build.log')).toBe(true); // the log's root cause, on its line
    expect(all.some((a) => a.title === 'Gate mutation failed' && a.path === 'mutation.json')).toBe(true);
    expect(updates.at(-1)!.body).toMatchObject({ status: 'completed', conclusion: 'failure' });

    const labels = gh.calls.filter((c) => c.path.includes('/issues/2/labels'));
    expect(labels.find((c) => c.method === 'POST')!.body).toEqual({ labels: ['weak-tests'] });

    expect(r.summary).toContain('2 of 2 gates failed');
    expect(r.outputs).toMatchObject({
      'gates-passed': 'false',
      'comment-url': 'https://github.com/Codertocat/Hello-World/pull/2#issuecomment-1',
      'check-run-url': 'https://github.com/Codertocat/Hello-World/runs/4',
    });
    expect(r.outputs['run-id']).toMatch(/^[0-9a-f-]{36}$/);
    for (const c of gh.calls) expect(c.auth).toBe(`Bearer ${TOKEN}`);
    expect(r.out + r.err + r.summary + body).not.toContain(TOKEN);
  });

  it('edits its comment on the next run instead of adding one, and sets a commit status when asked', async () => {
    gh.calls = [];
    const r = await runAction({ status: 'true' });
    expect(r.code, r.err).toBe(1);
    expect(gh.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/comments'))).toHaveLength(0);
    expect(gh.calls.filter((c) => c.method === 'PATCH' && c.path.endsWith('/issues/comments/1'))).toHaveLength(1);
    expect(gh.comments).toHaveLength(1);
    const status = gh.calls.find((c) => c.method === 'POST' && c.path.includes('/statuses/'))!;
    expect(status.path).toBe('/repos/Codertocat/Hello-World/statuses/ec26c3e57ca3a959ca5aad62de7213c562f8c821');
    expect(status.body).toMatchObject({ state: 'failure', context: 'ci-intel', description: '2 of 2 gates failed (tests, mutation)' });
  });

  it('says which permission is missing and still publishes the rest; --strict fails the step', async () => {
    gh.calls = [];
    gh.forbidden.add('POST /repos/Codertocat/Hello-World/check-runs');
    try {
      const r = await runAction({});
      expect(r.code).toBe(1); // the gates, not the missing permission
      expect(r.err).toMatch(/::warning::.*check run.*GitHub answered 403.*permissions: checks: write/);
      expect(gh.calls.filter((c) => c.path.endsWith('/issues/comments/1'))).toHaveLength(1);
      const strict = await runAction({ strict: 'true' });
      expect(strict.code).toBe(2);
      expect(strict.err).toMatch(/::error::1 part of the report could not be published/);
    } finally {
      gh.forbidden.clear();
    }
  });

  it('on a push (no pull request) makes the check run and summary, no comment or labels, and no warning about them', async () => {
    gh.calls = [];
    const push = (examples.find((e) => e.name === 'push')!.examples[0] ?? {}) as Record<string, unknown>;
    writeFileSync(path.join(ws, 'push.json'), JSON.stringify(push));
    const r = await runAction(
      {},
      { GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: path.join(ws, 'push.json'), GITHUB_SHA: 'abababababababababababababababababababab' },
    );
    expect(r.code, r.err).toBe(1);
    expect(r.err).not.toContain('::warning::');
    expect(gh.calls.some((c) => c.path.includes('/issues/'))).toBe(false);
    expect(gh.calls.find((c) => c.method === 'POST' && c.path.endsWith('/check-runs'))!.body!.head_sha).toBe('abababababababababababababababababababab');
    expect(r.summary).toContain('2 of 2 gates failed');
  });

  it('refuses a bad input with one line naming it', async () => {
    const r = await runAction({ junit: 'nothing/*.xml' });
    expect(r.code).toBe(2);
    expect(r.err.trim()).toMatch(/^::error::--junit nothing\/\*\.xml names no file/);
  });
});
