// `ci-intel report` in a GitLab CI merge-request pipeline: the built CLI started with GitLab's
// predefined variables against a local server recording the REST v4 calls and answering with the
// documented bodies — one sticky merge-request note (a second run edits it), the labels, a commit
// status, and the Code Quality report with every finding at file:line.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingApi } from './support/api-server.js';
import { runCli } from './support/cli.js';

const root = path.resolve(import.meta.dirname, '..');
const doc = (f: string) => JSON.parse(readFileSync(path.join(root, 'src/pillars/sources/fixtures/gitlab-api', f), 'utf8')) as Record<string, any>;
const TOKEN = 'glpat-report-test-token-4567';
const notes: Array<Record<string, any>> = [];

const api = new RecordingApi((c) => {
  if (c.headers['private-token'] !== TOKEN) return [401, { message: '401 Unauthorized' }];
  const base = '/api/v4/projects/5/merge_requests/1/notes';
  if (c.method === 'GET' && c.path === base) return [200, notes];
  if (c.method === 'POST' && c.path === base) {
    const n = { ...doc('merge-request-note.json'), id: 301 + notes.length, body: c.body!.body };
    notes.push(n);
    return [201, n];
  }
  const edit = /^\/api\/v4\/projects\/5\/merge_requests\/1\/notes\/(\d+)$/.exec(c.path);
  if (c.method === 'PUT' && edit) {
    const n = notes.find((x) => x.id === Number(edit[1]))!;
    n.body = c.body!.body;
    return [200, n];
  }
  if (c.method === 'PUT' && c.path === '/api/v4/projects/5/merge_requests/1') return [200, { iid: 1, labels: String(c.body!.add_labels).split(',') }];
  if (c.method === 'POST' && c.path.startsWith('/api/v4/projects/5/statuses/')) return [201, { id: 93, status: c.body!.state, name: c.body!.name }];
  return [404, { message: '404 Not found' }];
});

const env = (token = TOKEN) => ({
  GITLAB_CI: 'true',
  CI: 'true',
  GITHUB_ACTIONS: '',
  CI_SERVER_URL: api.url,
  CI_PROJECT_ID: '5',
  CI_PROJECT_PATH: 'gitlab-org/gitlab-test',
  CI_PROJECT_URL: 'http://example.com/gitlab-org/gitlab-test',
  CI_PIPELINE_ID: '287',
  CI_PIPELINE_URL: 'http://example.com/gitlab-org/gitlab-test/-/pipelines/287',
  CI_MERGE_REQUEST_IID: '1',
  CI_COMMIT_SHA: '562e173be03b8ff2efb05345d12df18815438a4b',
  GITLAB_TOKEN: token,
});
const fx = (p: string) => path.join(root, p);
const args = [
  'report',
  '--junit',
  fx('test/fixtures/report/junit.xml'),
  '--logs',
  fx('src/pillars/autopsy/fixtures/heldout/logs/ho-vitest-assert.log'),
  '--mutation',
  fx('src/pillars/mutation/fixtures/reports/stryker-mocha-js.json'),
  '--comment',
  '--check',
  '--labels',
  '--status',
  '--json',
];

beforeAll(async () => void (await api.start()));
afterAll(() => api.stop());

describe('ci-intel report on GitLab', () => {
  it('posts one merge-request note and edits it on the next run, labels the MR, sets the status, writes the Code Quality report', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-gl-'));
    const first = await runCli(args, { cwd, env: env() });
    expect(first.code, first.stderr).toBe(1); // failing tests fail the gate
    const printed = JSON.parse(first.stdout);
    expect(printed.published.problems).toEqual([]);
    expect(printed.published.comment_url).toBe('http://example.com/gitlab-org/gitlab-test/-/merge_requests/1#note_301');
    const second = await runCli(args, { cwd, env: env() });
    expect(second.code, second.stderr).toBe(1);
    expect(notes).toHaveLength(1);
    expect(api.lines().filter((l) => l.includes('/notes'))).toEqual([
      'GET /api/v4/projects/5/merge_requests/1/notes',
      'POST /api/v4/projects/5/merge_requests/1/notes',
      'GET /api/v4/projects/5/merge_requests/1/notes',
      'PUT /api/v4/projects/5/merge_requests/1/notes/301',
    ]);
    expect(notes[0]!.body).toContain(String(printed.tests.failed));
    const labels = api.calls.find((c) => c.method === 'PUT' && c.path === '/api/v4/projects/5/merge_requests/1')!;
    expect(labels.body).toEqual({ add_labels: 'weak-tests', remove_labels: 'high-confidence' });
    const status = api.calls.find((c) => c.path.startsWith('/api/v4/projects/5/statuses/'))!;
    expect(status.path).toBe('/api/v4/projects/5/statuses/562e173be03b8ff2efb05345d12df18815438a4b');
    expect(status.body).toMatchObject({ state: 'failed', name: 'ci-intel', target_url: 'http://example.com/gitlab-org/gitlab-test/-/pipelines/287' });
    // Every failing test and root cause is a Code Quality finding at its file and line.
    const quality = JSON.parse(readFileSync(path.join(cwd, 'gl-code-quality-report.json'), 'utf8')) as Array<Record<string, any>>;
    expect(quality.length).toBe(printed.published.annotations);
    expect(quality.length).toBeGreaterThan(printed.tests.failed);
    expect(new Set(quality.map((q) => q.fingerprint)).size).toBe(quality.length);
    for (const q of quality) {
      expect(q.location.path).toBeTruthy();
      expect(q.location.lines.begin).toBeGreaterThan(0);
      expect(['major', 'minor', 'info']).toContain(q.severity);
    }
    expect(first.stdout + first.stderr + second.stdout + second.stderr).not.toContain(TOKEN);
  }, 120_000);

  it('a refused token is one warning naming the scope to fix, and the job is not failed for it', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-gl-'));
    const r = await runCli(['report', '--junit', fx('test/fixtures/report/junit.xml'), '--comment'], { cwd, env: env('glpat-wrong-token-000000') });
    expect(r.code).toBe(1); // the tests gate, not the note
    expect(r.stderr).toMatch(
      /warning: not published: note: GitLab answered 401: 401 Unauthorized — the token is missing, expired or revoked: set GITLAB_TOKEN/,
    );
    expect(r.stderr).not.toContain('glpat-wrong-token');
    const strict = await runCli(['report', '--junit', fx('test/fixtures/report/junit.xml'), '--comment', '--strict'], {
      cwd,
      env: env('glpat-wrong-token-000000'),
    });
    expect(strict.code).toBe(2);
  }, 120_000);
});
