// `ci-intel report --hub`: the job's files reach a running hub on the run the CI environment names,
// and the hub's analyses of that run agree with what the report printed.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../src/core/tokens.js';
import { createApp, pillars, runCli } from './support/assembled.js';
import { openTestHub, type TestHub } from './support/stores.js';

const fx = (p: string) => new URL(`../${p}`, import.meta.url).pathname;

describe('ci-intel report --hub', () => {
  let hub: TestHub;
  let app: FastifyInstance;
  let url: string;
  let token: string;
  beforeAll(async () => {
    hub = await openTestHub('pglite', { pillars });
    app = await createApp(hub, pillars);
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    token = (await createToken(hub.db, { repoPatterns: ['acme/*'], scopes: ['ingest', 'read'], expiresAt: null })).token;
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await hub?.close();
  });

  it('uploads the test report, the redacted log and the mutation report onto the job run', async () => {
    let out = '';
    let err = '';
    const env = {
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: 'acme/app',
      GITHUB_RUN_ID: '9001',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_SHA: '1111111111111111111111111111111111111111',
      GITHUB_REF_NAME: 'feature',
      GITHUB_JOB: 'unit',
    };
    const code = await runCli(
      [
        'report',
        '--junit',
        fx('test/fixtures/report/junit.xml'),
        '--logs',
        fx('src/pillars/autopsy/fixtures/heldout/logs/ho-vitest-assert.log'),
        '--mutation',
        fx('src/pillars/mutation/fixtures/reports/stryker-mocha-js.json'),
        '--hub',
        url,
        '--token',
        token,
        '--json',
      ],
      { out: (s) => (out += s), err: (s) => (err += s), env, isTTY: false },
      pillars,
    );
    expect(code, err).toBe(1); // gates failed; the upload is not what decides
    const printed = JSON.parse(out) as {
      uploaded: { run_id: string; files: Array<{ kind: string; status: number | null; error: string | null }> };
      tests: { failed: number };
    };
    expect(printed.uploaded.files.map((f) => [f.kind, f.error])).toEqual([
      ['tests', null],
      ['log', null],
      ['mutation', null],
    ]);
    const run = await app.inject({ url: `/api/v1/runs/${printed.uploaded.run_id}`, headers: { authorization: `Bearer ${token}` } });
    expect(run.statusCode).toBe(200);
    const body = run.json() as { run: { repo: string; commit_sha: string }; analyses: Record<string, Record<string, unknown>> };
    expect(body.run).toMatchObject({ repo: 'acme/app', commit_sha: '1111111111111111111111111111111111111111' });
    expect(JSON.stringify(body.analyses.tests)).toContain('"failed":62');
    expect((body.analyses.autopsy!.root_causes as unknown[]).length).toBeGreaterThan(0);
    expect(JSON.stringify(body.analyses.mutation)).toContain('weak-tests');
    const log = await app.inject({ url: `/api/v1/runs/${printed.uploaded.run_id}/jobs/unit/logs`, headers: { authorization: `Bearer ${token}` } });
    expect(log.statusCode).toBe(200);
  });

  it('a hub that cannot be reached is a warning; the analysis and exit code stand', async () => {
    let out = '';
    let err = '';
    const code = await runCli(
      [
        'report',
        '--junit',
        fx('test/fixtures/report/junit.xml'),
        '--hub',
        'http://127.0.0.1:9',
        '--token',
        't',
        '--run-id',
        '22222222-2222-4222-8222-222222222222',
      ],
      { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false },
      pillars,
    );
    expect(code).toBe(1);
    expect(out).toContain('62 failing');
    expect(err).toMatch(/warning: not uploaded: .*junit\.xml: .*cannot reach the hub/);
  }, 120_000);
});
