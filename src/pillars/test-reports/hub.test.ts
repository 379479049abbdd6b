// The hub side on PGlite and PostgreSQL: uploads, per-test rows in day partitions, flaky events
// across reruns of one commit, flakiness_index, quarantine with CODEOWNERS owners and release,
// coverage into tests.coverage, and the read routes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createToken } from '../../core/tokens.js';
import { describeEachStore, type TestHub } from '../../../test/support/stores.js';
import { runCli } from '../../../test/support/cli.js';
import { runIdFor } from '../../core/identity.js';
import { CORPUS, FIXTURES as FIX } from './fixtures/paths.js';
import { testsPillar } from './index.js';
import { createApp } from '../../../test/support/assembled.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const COMMIT = 'a'.repeat(40);
const runId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describeEachStore(
  'tests pillar hub',
  (get) => {
    let app: FastifyInstance;
    let hub: TestHub;
    let token: string;
    beforeAll(async () => {
      hub = get();
      app = await createApp(hub, [testsPillar]);
      token = (await createToken(hub.db, { repoPatterns: ['org/*'], scopes: ['ingest', 'read'], expiresAt: null })).token;
    });
    afterAll(async () => app?.close());

    const upload = (
      id: string,
      kind: 'tests' | 'coverage',
      body: Buffer | string,
      opts: { format?: string; commit?: string; key?: string; gzip?: boolean } = {},
    ) =>
      app.inject({
        method: 'POST',
        url: `/api/v1/runs/${id}/${kind}${opts.format ? `?format=${opts.format}` : ''}`,
        payload: opts.gzip ? gzipSync(body) : body,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/octet-stream',
          'x-ci-intel-repo': 'org/replica',
          'x-ci-intel-commit': opts.commit ?? COMMIT,
          'x-ci-intel-branch': 'main',
          ...(opts.key ? { 'idempotency-key': opts.key } : {}),
          ...(opts.gzip ? { 'content-encoding': 'gzip' } : {}),
        },
      });
    const get_ = (url: string) => app.inject({ url, headers: { authorization: `Bearer ${token}` } });

    it("stores a report for a new run (stub created) with the parser's counts", async () => {
      const cw = await app.inject({
        method: 'PUT',
        url: '/api/v1/tests/codeowners?repo=org/replica',
        payload: '# owners\n*.go @org/everyone\nreplica/ @org/replica-team\n',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      });
      expect(cw.statusCode).toBe(200);
      const res = await upload(runId(1), 'tests', readFileSync(path.join(CORPUS, 'files/go-flaky-run01.json')), { gzip: true, key: 'k1' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ run_id: runId(1), format: 'go-test-json', tests: 2, passed: 1, failed: 1, errored: 0, skipped: 0, duplicate: false });
      // Alone, the failure is not (yet) contradicted: a broken test on this commit, not a flaky one.
      expect(res.json().flakiness_index).toBe(0);
      const again = await upload(runId(1), 'tests', readFileSync(path.join(CORPUS, 'files/go-flaky-run01.json')), { key: 'k1' });
      // A retry with the same Idempotency-Key gets the first answer back and stores nothing again.
      expect(again.json()).toEqual(res.json());
      const n = await sql<{ n: number }>`select count(*)::int as n from tests_results where run_id = ${runId(1)}`.execute(hub.db);
      expect(n.rows[0]!.n).toBe(2);
      const part = await sql<{ n: number }>`select count(*)::int as n from tests_results_20260601 where run_id = ${runId(1)}`.execute(hub.db);
      expect(part.rows[0]!.n).toBe(2);
    });

    it('a later pass on the same commit turns earlier failures into flaky events; quarantine follows', async () => {
      const events: Record<number, { quarantined: string[]; released: string[] }> = {};
      for (let i = 2; i <= 10; i++) {
        const f = `files/go-flaky-run${String(i).padStart(2, '0')}.json`;
        const res = await upload(runId(i), 'tests', readFileSync(path.join(CORPUS, f)));
        expect(res.statusCode).toBe(200);
        events[i] = { quarantined: res.json().quarantined, released: res.json().released };
      }
      // Runs 1 and 2 failed it: two failing runs of the default branch, quarantined at run 2 (run 3's
      // pass then shows the failures were flaky). Three clean runs later (3, 4, 5;
      // releaseAfterCleanRuns = 3 here) it is released, and run 7's failure quarantines it again.
      const ECR = 'example.com/replica::TestEventuallyConsistentRead';
      expect(
        Object.entries(events)
          .filter(([, e]) => e.quarantined.length)
          .map(([i]) => Number(i)),
      ).toEqual([2, 7]);
      expect(events[2]!.quarantined).toEqual([ECR]);
      expect(events[5]!.released).toEqual([ECR]);
      // Runs 1, 2, 7, 8 failed TestEventuallyConsistentRead: each is one flaky event of 2 executions.
      for (const [i, idx] of [
        [1, 0.5],
        [2, 0.5],
        [3, 0],
        [7, 0.5],
        [10, 0],
      ] as const) {
        const d = (await get_(`/api/v1/runs/${runId(i)}`)).json();
        expect(d.analyses.tests.flakiness_index, `run ${i}`).toBe(idx);
        expect(d.run.flakiness_index, `run ${i}`).toBe(idx);
      }
      const d1 = (await get_(`/api/v1/runs/${runId(1)}`)).json();
      expect(d1.analyses.tests.flaky).toEqual([{ id: 'example.com/replica::TestEventuallyConsistentRead', flaky_failures: 1 }]);
      expect(d1.analyses.tests.counts).toEqual({ tests: 2, passed: 1, failed: 1, errored: 0, skipped: 0 });
      // The run page lists the failing test, marked flaky (a pass on the same commit contradicts it).
      expect(d1.analyses.tests.failing_tests.map((t: { test: string; outcome: string }) => [t.test, t.outcome])).toEqual([
        ['example.com/replica::TestEventuallyConsistentRead', 'flaky (a pass on the same commit)'],
      ]);

      const q = (await get_('/api/v1/tests/quarantine?repo=org/replica')).json();
      expect(q.tests).toHaveLength(1);
      expect(q.tests[0]).toMatchObject({
        id: 'example.com/replica::TestEventuallyConsistentRead',
        kind: 'flaky',
        owner: '@org/replica-team',
        flaky_failures: 3,
        expires_at: expect.any(String),
      });
      expect(q.tests[0].proof_runs).toEqual([runId(1), runId(2), runId(7)]);
      expect(q.tests[0].reason).toBe('flaky: failed in 3 of the last 7 runs; 3 failures contradicted by a pass on the same commit');
      const text = await get_('/api/v1/tests/quarantine?repo=org/replica&format=text');
      expect(text.body).toContain('example.com/replica::TestEventuallyConsistentRead  kind=flaky  owner=@org/replica-team');

      const flaky = (await get_('/api/v1/tests/flaky?repo=org/replica')).json();
      expect(flaky.tests).toEqual([
        expect.objectContaining({ test_id: 'example.com/replica::TestEventuallyConsistentRead', executions: 10, flaky_events: 4, flake_rate: 0.4, runs: 10 }),
      ]);
      // The flake index leaves quarantined tests out: what remains never flaked.
      const fi = (await get_('/api/v1/tests/flake-index?repo=org/replica')).json();
      expect(fi.suites).toEqual([{ suite_type: 'unit', runs: 10, flaky_runs: 0, flake_index: 0 }]);
    });

    it('a test failing on every run of the default branch is quarantined as broken; other branches do not count', async () => {
      const doc = '<testsuite name="s"><testcase classname="pkg.Db" name="connects"><failure message="refused"/></testcase></testsuite>';
      const send = (n: number, branch: string) =>
        app.inject({
          method: 'POST',
          url: `/api/v1/runs/${runId(n)}/tests`,
          payload: doc,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/octet-stream',
            'x-ci-intel-repo': 'org/broken',
            'x-ci-intel-commit': 'd'.repeat(40),
            'x-ci-intel-branch': branch,
          },
        });
      for (const n of [40, 41, 42]) expect((await send(n, 'feature/x')).json().quarantined).toEqual([]);
      expect((await send(43, 'main')).json().quarantined).toEqual([]);
      expect((await send(44, 'main')).json().quarantined).toEqual(['pkg.Db::connects']);
      const q = (await get_('/api/v1/tests/quarantine?repo=org/broken')).json();
      expect(q.tests).toEqual([
        expect.objectContaining({
          id: 'pkg.Db::connects',
          kind: 'broken',
          flaky_failures: 0,
          proof_runs: [runId(43), runId(44)],
          reason: 'broken: failed in 2 of the last 2 runs; no pass on the same commit contradicted a failure (it needs a fix, not a retry)',
        }),
      ]);
    });

    it('a test failing every time on a commit is broken, never flaky', async () => {
      const other = 'b'.repeat(40);
      for (let i = 11; i <= 13; i++) {
        const res = await upload(runId(i), 'tests', readFileSync(path.join(CORPUS, 'files/go-flaky-run01.json')), { commit: other });
        expect(res.json().flakiness_index).toBe(0);
      }
      const q = (await get_('/api/v1/tests/quarantine?repo=org/replica')).json();
      expect(q.tests.map((t: { id: string }) => t.id)).toEqual(['example.com/replica::TestEventuallyConsistentRead']);
    });

    it('exposes its Prometheus series (one test in quarantine now)', async () => {
      const everyRepo = (await createToken(hub.db, { repoPatterns: ['**'], scopes: ['read'], expiresAt: null })).token;
      const m = (await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${everyRepo}` } })).body;
      expect(m).toMatch(/ci_intel_tests_reports_total\{format="go-test-json"\} \d+/);
      expect(m).toMatch(/ci_intel_tests_executions_total \d+/);
      expect(m).toMatch(/ci_intel_tests_quarantined\{repo="org\/replica"\} 1\n/);
    });

    it('releases a quarantined test after N clean runs', async () => {
      for (let i = 14; i < 14 + 3; i++) {
        const res = await upload(runId(i), 'tests', readFileSync(path.join(CORPUS, 'files/go-flaky-run03.json')), { commit: 'c'.repeat(40) });
        if (i === 16) expect(res.json().released).toEqual(['example.com/replica::TestEventuallyConsistentRead']);
      }
      expect((await get_('/api/v1/tests/quarantine?repo=org/replica')).json().tests).toEqual([]);
    });

    it('stores a report larger than one batch completely (executions spool, then go in batches)', async () => {
      const n = 25_000;
      const cases = Array.from(
        { length: n },
        (_, i) => `<testcase classname="big.C${i % 50}" name="t${i}"${i % 1000 === 0 ? '><failure message="boom"/></testcase>' : '/>'}`,
      ).join('');
      const res = await upload(runId(30), 'tests', `<testsuites><testsuite name="big">${cases}</testsuite></testsuites>`, {
        gzip: true,
        commit: 'e'.repeat(40),
      });
      expect(res.json()).toMatchObject({ tests: n, failed: 25, passed: n - 25 });
      const rows = await sql<{
        n: number;
        f: number;
        keys: number;
      }>`select count(*)::int as n, (count(*) filter (where status = 1))::int as f, count(distinct test_key)::int as keys from tests_results where run_id = ${runId(30)}`.execute(
        hub.db,
      );
      expect(rows.rows[0]).toEqual({ n, f: 25, keys: n });
      const ord = await sql<{ max: number }>`select max(ordinal)::int as max from tests_results where run_id = ${runId(30)}`.execute(hub.db);
      expect(ord.rows[0]!.max).toBe(n - 1);
      const left = (await import('node:fs')).readdirSync(path.join(hub.dataDir, 'tmp'));
      expect(left).toEqual([]);
    });

    it('refuses entity declarations with a clear error and keeps nothing of them', async () => {
      const xxe = '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]><testsuite><testcase classname="a" name="&x;"/></testsuite>';
      const res = await upload(runId(20), 'tests', xxe);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('E_REPORT_UNSAFE');
      const bad = await upload(runId(20), 'tests', '<testsuite><testcase name="x">', { format: 'junit' });
      expect(bad.json().error).toMatchObject({ code: 'E_REPORT_MALFORMED', where: expect.stringMatching(/^request body:1/) });
      const unknown = await upload(runId(20), 'tests', 'x', { format: 'nunit4' });
      expect(unknown.json().error.code).toBe('E_USAGE');
    });

    it('coverage fills tests.coverage (fractions) and is the baseline of its branch', async () => {
      const res = await upload(runId(1), 'coverage', readFileSync(path.join(FIX, 'coverage/jest/lcov.info')));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ format: 'lcov', files: 1 });
      expect(res.json().lines).toBeCloseTo(83.333, 2);
      const ts = await hub.db.selectFrom('test_summaries').selectAll().where('run_id', '=', runId(1)).executeTakeFirstOrThrow();
      expect(ts.coverage_lines).toBeCloseTo(0.83333, 4);
      expect(ts.coverage_branches).toBeCloseTo(0.5, 6);
      expect(ts.total).toBe(2);
      const base = (await get_('/api/v1/tests/coverage/latest?repo=org/replica&branch=main')).json();
      expect(base).toMatchObject({ branch: 'main', run_id: runId(1), branches: 50 });
      const d = (await get_(`/api/v1/runs/${runId(1)}`)).json();
      expect(d.analyses.tests.coverage).toMatchObject({ format: 'lcov', branches_pct: 50 });
      expect((await get_('/api/v1/tests/coverage/latest?repo=org/replica&branch=nope')).statusCode).toBe(404);
    });

    it('the built agent uploads with --hub, then reads the quarantine and gates through the hub', async () => {
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      try {
        const env = {
          GITHUB_REPOSITORY: 'org/replica',
          GITHUB_RUN_ID: '4242',
          GITHUB_SHA: 'd'.repeat(40),
          GITHUB_REF_NAME: 'main',
          CI_INTEL_HUB: url,
          CI_INTEL_TOKEN: token,
        };
        const r = await runCli(['tests', 'parse', path.join(FIX, 'reports/surefire/TEST-com.example.TempsTest.xml'), '--json'], { env });
        expect(r.code, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout)).toMatchObject({ tests: 7, passed: 4 });
        expect(r.stderr).toMatch(/uploaded .* \(HTTP 200\)/);
        const id = runIdFor('github', 'org/replica', '4242', 1);
        const d = (await get_(`/api/v1/runs/${id}`)).json();
        expect(d.analyses.tests.counts).toEqual({ tests: 7, passed: 4, failed: 1, errored: 1, skipped: 1 });
        // The flaky test's retry passed within the run: one flaky event of 11 executions (3 attempts each
        // of the two broken tests, 2 of the flaky one, 3 passes; the skipped test left out).
        expect(d.analyses.tests.flaky).toEqual([{ id: 'com.example.TempsTest::flakyPassesOnRerun', flaky_failures: 1 }]);
        // Every failing attempt is listed: the two broken tests' three attempts each, then the flaky one's failure.
        const failing = d.analyses.tests.failing_tests as Array<{ test: string; outcome: string; attempt: number }>;
        expect(failing.filter((t) => !t.outcome.startsWith('flaky')).length).toBe(6);
        expect(failing.at(-1)).toMatchObject({ test: 'com.example.TempsTest::flakyPassesOnRerun', outcome: 'flaky (a pass on the same commit)' });
        expect(d.run.flakiness_index).toBeCloseTo(1 / 11, 10);
        const q = await runCli(['tests', 'quarantine', '--repo', 'org/replica', '--format', 'json'], { env });
        expect(q.code, q.stderr).toBe(0);
        expect(JSON.parse(q.stdout).repo).toBe('org/replica');
        const g = await runCli(['gate', 'tests', path.join(CORPUS, 'files/go-flaky-run03.json'), '--repo', 'org/replica'], { env });
        expect(g.stdout).toMatch(/^PASS gate=tests value=0/);
        const down = await runCli(['tests', 'parse', path.join(CORPUS, 'files/go-small.json'), '--json', '--hub', 'http://127.0.0.1:9', '--run-id', id], {
          env: { CI_INTEL_TOKEN: token },
        });
        // The analysis is printed; the failed upload says so and exits 2.
        expect(JSON.parse(down.stdout)).toMatchObject({ tests: 6 });
        expect(down.stderr).toContain('E_HUB_UNREACHABLE');
        expect(down.code).toBe(2);
      } finally {
        await app.close();
        app = await createApp(hub, [testsPillar]);
      }
    });

    it("checks the token's repositories on reads", async () => {
      expect((await get_('/api/v1/tests/quarantine?repo=other/repo')).statusCode).toBe(403);
    });
  },
  { pillars: [testsPillar], now: () => NOW, config: (c) => (c.pillars = { tests: { quarantine: { releaseAfterCleanRuns: 3 } } }) },
);
