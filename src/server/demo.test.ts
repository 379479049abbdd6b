// `serve --demo` fills the pillars' panels from real tool output: the demo is seeded into a fresh
// store and the panel APIs the dashboard reads (each pillar's `panels`) are asked through the real
// HTTP API. The expectations come from the fixtures' own answer keys (corpus manifests, the raw
// StrykerJS JSON), not from the code under test.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createApp } from './app.js';
import { DEMO, seedDemo } from './demo.js';
import { synthesize } from '../core/synth/generate.js';
import { createToken } from '../core/tokens.js';
import { pillars } from '../pillars/index.js';
import { describeEachStore, type TestHub } from '../../test/support/stores.js';

const END = new Date('2026-06-01T00:00:00Z');
// Smaller than the real demo (6 repos x 30 days x 16 runs) so the test stays quick; the same code.
const SIZE = { days: 10, runsPerDay: 10 };
const ROOT = path.resolve(import.meta.dirname, '../..');
const jsonl = <T>(file: string): T[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);

// Which runs the pillars chose (the same deterministic synthesis the demo runs).
const extras = synthesize({ ...DEMO, ...SIZE, end: END, pillars }).extras as {
  autopsy: Array<{ run_id: string; repo: string; job: string }>;
  tests: Array<{ run_id: string; repo: string; kind: 'report' | 'rerun' }>;
  mutation: Array<{ run_id: string; repo: string; report: string }>;
};
const reportsKey = jsonl<{ file: string; series?: string; flaky_tests?: string[] }>(path.join(ROOT, 'test/corpus/reports/reports.jsonl'));

describeEachStore(
  'serve --demo seeds the pillars from real fixtures',
  (get) => {
    let hub: TestHub;
    let app: FastifyInstance;
    let token: string;
    beforeAll(async () => {
      hub = get();
      const seeded = await seedDemo(hub, pillars, { err: () => {}, now: () => END }, SIZE);
      expect(seeded?.runs).toBeGreaterThan(0);
      app = await createApp(hub, pillars);
      token = (await createToken(hub.db, { repoPatterns: ['**'], scopes: ['read'], expiresAt: null })).token;
    });
    afterAll(async () => app?.close());
    const api = async (url: string) => {
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
      return res.json();
    };

    it('the panels registered by autopsy, tests and mutation are the APIs asked here (Tests and Mutation are designed pages)', () => {
      const apis = pillars.flatMap((p) => (p.panels ?? []).filter(() => ['autopsy', 'tests', 'mutation'].includes(p.id)).map((x) => x.api)).sort();
      expect(apis).toEqual(['/api/v1/autopsy/signatures']);
    });

    it("the Tests page's board lists, without a repository chosen, the flaky test of every repository with a rerun pair", async () => {
      const flakyId = reportsKey.find((r) => r.series === 'go_flaky')!.flaky_tests![0]!;
      const withPairs = [...new Set(extras.tests.filter((e) => e.kind === 'rerun').map((e) => e.repo))].sort();
      expect(withPairs.length).toBeGreaterThan(1);
      const board = await api('/api/v1/tests/board');
      expect(board.repo).toBeNull();
      const rows = (board.flaky as Array<{ repo: string; test_id: string; history: Array<{ outcome: string }> }>).filter((t) => t.test_id === flakyId);
      expect(rows.map((r) => r.repo).sort()).toEqual(withPairs);
      for (const r of rows) expect(r.history.some((x) => x.outcome === 'flaky')).toBe(true);
      const one = await api(`/api/v1/tests/board?repo=${encodeURIComponent(withPairs[0]!)}`);
      expect(new Set((one.flaky as Array<{ repo: string }>).map((t) => t.repo))).toEqual(new Set([withPairs[0]]));
    });

    it('Top failure signatures: every attached log is analyzed to its answer key category, and the counts add up', async () => {
      expect(extras.autopsy.length).toBeGreaterThan(10);
      const { signatures } = (await api('/api/v1/autopsy/signatures?limit=1000')) as {
        signatures: Array<{ signature: string; category: string; count: number }>;
      };
      expect(signatures.length).toBeGreaterThan(0);
      // Which log each run got: read back the stored (redacted) log and find it in the corpus by its
      // evidence line from the answer key (redacted alike: `DEPLOY_TOKEN: ...` is); its top root
      // cause must be the answer key's category.
      const keys = jsonl<{ id: string; log: string; category: string; evidence: string }>(path.join(ROOT, 'test/corpus/autopsy/manifest.jsonl'));
      const allCategories = new Set<string>();
      const topCategories = new Set<string>();
      const answerCategories = new Set<string>();
      const perSignature = new Map<string, number>();
      for (const e of extras.autopsy) {
        const logRes = await app.inject({ method: 'GET', url: `/api/v1/runs/${e.run_id}/jobs/${e.job}/logs`, headers: { authorization: `Bearer ${token}` } });
        expect(logRes.statusCode).toBe(200);
        const key = keys.filter((k) => logRes.body.includes(hub.redactor.apply(k.evidence)));
        expect(key.length, `run ${e.run_id} job ${e.job}: one corpus log`).toBeGreaterThan(0);
        const run = await api(`/api/v1/runs/${e.run_id}`);
        const jobs = run.analyses.autopsy.jobs as Array<{ job: string; root_causes: Array<{ category: string; signature: string }> }>;
        const mine = jobs.find((j) => j.job === e.job)!;
        expect(key.map((k) => k.category)).toContain(mine.root_causes[0]!.category);
        for (const k of key) answerCategories.add(k.category);
        topCategories.add(mine.root_causes[0]!.category);
        for (const c of mine.root_causes) allCategories.add(c.category);
        for (const s of new Set(mine.root_causes.map((c) => c.signature))) perSignature.set(s, (perSignature.get(s) ?? 0) + 1);
      }
      // The logs' top causes are exactly the answer keys' categories; the panel shows those and the
      // secondary causes the analyses found (e.g. the script_error of a failing step), nothing else.
      expect(topCategories).toEqual(answerCategories);
      expect(new Set(signatures.map((s) => s.category))).toEqual(allCategories);
      // A signature counts each job log once: the panel's counts equal the runs' own root causes.
      // Rows are per (signature, repository): summed per signature they are the runs' own root causes.
      const summed = new Map<string, number>();
      for (const s of signatures) summed.set(s.signature, (summed.get(s.signature) ?? 0) + s.count);
      expect(summed).toEqual(perSignature);
      // Each row is the repository of the runs it counts (its latest run is one of them).
      const repoOf = new Map(extras.autopsy.map((e) => [e.run_id, e.repo]));
      const rows = signatures as unknown as Array<{ repo: string; last_run_id: string }>;
      expect(rows.filter((s) => repoOf.get(s.last_run_id) !== s.repo)).toEqual([]);
      expect(new Set(rows.map((s) => s.repo)).size).toBeGreaterThan(1);
      expect(signatures.some((s) => s.count > 1)).toBe(true);
    });

    it('Tests: the go_flaky rerun pairs make its flaky test appear, quarantined after two, in the flake index before, and every reported run counts', async () => {
      const flakyId = reportsKey.find((r) => r.series === 'go_flaky')!.flaky_tests![0]!;
      const repos = [...new Set(extras.tests.map((e) => e.repo))].sort();
      expect(repos.length).toBeGreaterThan(1);
      let quarantinedSomewhere = false;
      let flakyInIndex = false;
      for (const repo of repos) {
        const mine = extras.tests.filter((e) => e.repo === repo);
        const pairs = mine.filter((e) => e.kind === 'rerun').length;
        const q = encodeURIComponent(repo);
        const flaky = (await api(`/api/v1/tests/flaky?repo=${q}`)).tests as Array<{ test_id: string; flaky_events: number; runs: number }>;
        const go = flaky.find((t) => t.test_id === flakyId);
        if (pairs === 0) expect(go).toBeUndefined();
        else expect(go, repo).toMatchObject({ flaky_events: pairs, runs: pairs });
        const quarantine = (await api(`/api/v1/tests/quarantine?repo=${q}`)).tests as Array<{ id: string; flaky_failures: number }>;
        // Quarantine after 2 flaky failures (the default min_flaky_failures).
        expect(
          quarantine.some((t) => t.id === flakyId),
          repo,
        ).toBe(pairs >= 2);
        quarantinedSomewhere ||= pairs >= 2;
        const suites = (await api(`/api/v1/tests/flake-index?repo=${q}`)).suites as Array<{ runs: number; flaky_runs: number }>;
        expect(suites.length).toBeGreaterThan(0);
        // A flaky test not (yet) quarantined makes its runs flaky runs in the index (tests failing
        // every run — the reports' own failures — may be quarantined as broken beside it).
        if (pairs === 1 && !quarantine.some((t) => t.id === flakyId)) {
          expect(Math.max(...suites.map((s) => s.flaky_runs)), repo).toBe(1);
          flakyInIndex = true;
        }
        expect(Math.max(...suites.map((s) => s.runs)), repo).toBe(new Set(mine.map((e) => e.run_id)).size);
      }
      expect(quarantinedSomewhere).toBe(true);
      expect(flakyInIndex).toBe(true);
    });

    it('Mutation: the per-file panel shows the latest uploaded StrykerJS report, file by file, killed as in the raw report', async () => {
      const repos = [...new Set(extras.mutation.map((e) => e.repo))].sort();
      expect(repos.length).toBeGreaterThan(0);
      for (const repo of repos) {
        const latest = extras.mutation.filter((e) => e.repo === repo).at(-1)!;
        const raw = JSON.parse(readFileSync(path.join(ROOT, 'src/pillars/mutation/fixtures/reports', latest.report), 'utf8')) as {
          files: Record<string, { mutants: Array<{ status: string }> }>;
        };
        const res = (await api(`/api/v1/mutation/files?repo=${encodeURIComponent(repo)}`)) as {
          run_id: string;
          files: Array<{ file: string; killed: number; survived: number }>;
        };
        expect(res.run_id).toBe(latest.run_id);
        expect(res.files.map((f) => f.file)).toEqual(Object.keys(raw.files).sort());
        // killed = detected = Killed + Timeout (seed 000 metrics dictionary, "Resilience").
        const count = (f: string, ...st: string[]) => raw.files[f]!.mutants.filter((m) => st.includes(m.status)).length;
        for (const f of res.files) expect([f.killed, f.survived], f.file).toEqual([count(f.file, 'Killed', 'Timeout'), count(f.file, 'Survived')]);
      }
      const runs = (await api('/api/v1/mutation/runs?limit=1000')).items as Array<{ run_id: string; source: string }>;
      expect(
        runs
          .filter((r) => r.source === 'upload')
          .map((r) => r.run_id)
          .sort(),
      ).toEqual(extras.mutation.map((e) => e.run_id).sort());
      const trends = (await api('/api/v1/mutation/trends')).repos as Array<{ repo: string }>;
      for (const repo of repos) expect(trends.map((t) => t.repo)).toContain(repo);
    });
  },
  { pillars, now: () => END },
);
