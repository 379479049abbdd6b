// `ci-intel report --hub`: the job's files reach a running hub on the run the CI environment names,
// and the hub's analyses of that run agree with what the report printed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
    // The hub links runs to a trace viewer, so the run's answer carries its trace id.
    hub = await openTestHub('pglite', {
      pillars,
      config: (c) => void (c.pillars = { ...c.pillars, traces: { traceUrl: 'http://jaeger.test/trace/{traceId}' } }),
    });
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

  it("carries the pipeline's TRACEPARENT: the comment shows its trace id and link, and the hub's trace of the run joins it", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    const env = {
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: 'acme/app',
      GITHUB_RUN_ID: '9002',
      GITHUB_SHA: '2222222222222222222222222222222222222222',
      TRACEPARENT: traceparent,
      CI_INTEL_TRACE_URL: 'https://grafana.test/explore?traceId={traceId}',
    };
    const report = async (json: boolean) => {
      let out = '';
      let err = '';
      const args = ['report', '--junit', fx('test/fixtures/report/junit.xml'), '--hub', url, '--token', token, ...(json ? ['--json'] : [])];
      const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s), env, isTTY: false }, pillars);
      expect(code, err).toBe(1);
      return out;
    };
    const printed = JSON.parse(await report(true)) as { uploaded: { run_id: string }; trace: { trace_id: string; url: string } };
    expect(printed.trace).toEqual({ trace_id: traceId, url: `https://grafana.test/explore?traceId=${traceId}` });
    expect(await report(false)).toContain(`Trace: [\`${traceId}\`](https://grafana.test/explore?traceId=${traceId})`);
    await hub.bus.drain();
    const parents = await hub.db
      .withTables<{ traces_parents: { run_id: string; traceparent: string } }>()
      .selectFrom('traces_parents')
      .select(['run_id', 'traceparent'])
      .execute();
    expect(parents).toEqual([{ run_id: printed.uploaded.run_id, traceparent }]);
    const run = await app.inject({ url: `/api/v1/runs/${printed.uploaded.run_id}`, headers: { authorization: `Bearer ${token}` } });
    expect((run.json() as { analyses: { traces: { trace_id: string; trace_url: string } } }).analyses.traces).toMatchObject({
      trace_id: traceId,
      trace_url: `http://jaeger.test/trace/${traceId}`,
    });
  });

  it("adds the reproducibility verdicts the hub stores for the run's commit to the comment; none stored, no section", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-report-repro-'));
    try {
      const write = (name: string, text: string) => (writeFileSync(path.join(dir, name), text), path.join(dir, name));
      const sha = '3333333333333333333333333333333333333333';
      const cli = async (args: string[], env: Record<string, string> = {}) => {
        let out = '';
        let err = '';
        const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s), env, isTTY: false, cwd: dir }, pillars);
        return { code, out, err };
      };
      // the build's own check, recorded on the hub: one artifact drifts (a date), one reproduces
      mkdirSync(path.join(dir, 'a'));
      mkdirSync(path.join(dir, 'b'));
      write('a/info.txt', 'built 2026-12-06T05:00:01Z\n');
      write('b/info.txt', 'built 2026-12-06T05:00:09Z\n');
      write('a/same.txt', 'v1\n');
      write('b/same.txt', 'v1\n');
      const rec = await cli([
        'repro',
        'diff',
        path.join(dir, 'a'),
        path.join(dir, 'b'),
        '--record',
        `--hub=${url}`,
        `--token=${token}`,
        '--repo=acme/app',
        `--commit=${sha}`,
      ]);
      expect(rec.err).toContain('recorded 2 artifact verdicts');
      const env = { GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'acme/app', GITHUB_RUN_ID: '9003', GITHUB_RUN_ATTEMPT: '1', GITHUB_SHA: sha };
      const r = await cli(['report', '--junit', fx('test/fixtures/report/junit.xml'), '--hub', url, '--token', token], env);
      expect(r.code, r.err).toBe(1);
      expect(r.out).toContain(
        ['#### Reproducible builds: 1 of 2 artifacts reproducible', '', '| artifact | verdict | differences | first |', '|---|---|---|---|'].join('\n'),
      );
      expect(r.out).toMatch(
        /\n\| info\.txt \| \*\*not reproducible\*\* \| timestamp 1 \| `info\.txt:1` built 2026-12-06T05:00:01Z\s+→\s+built 2026-12-06T05:00:09Z \|\n/,
      );
      expect(r.out).toContain('\n| same.txt | reproducible |  |  |\n');
      expect(r.out).toContain('\n- fix for info.txt: export SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) and build archives with fixed times');
      const none = await cli(['report', '--junit', fx('test/fixtures/report/junit.xml'), '--hub', url, '--token', token], {
        ...env,
        GITHUB_RUN_ID: '9004',
        GITHUB_SHA: '4444444444444444444444444444444444444444',
      });
      expect(none.out).toContain('62 failing');
      expect(none.out).not.toContain('Reproducible builds');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

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
