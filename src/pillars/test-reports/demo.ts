// `serve --demo` (issue 5 on the Tests page): real test reports, written by real runners and
// committed in the repository, are stored for the newest synthetic runs exactly as an upload
// (POST /api/v1/runs/:id/tests) would store them. Each repository gets one runner's report on its
// newest runs, and some of its newest runs whose test job was retried get a rerun pair of the `go_flaky`
// series (test/corpus/reports: the same suite, a failing run then a passing one, on one commit), so
// flaky tests, the flake index and auto-quarantine show real detections. `synth` only picks runs (no
// randomness, no file access); `seedDemo` skips quietly when the reports are not there.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HubContext } from '../../core/registry.js';
import type { SynthContext } from '../../core/synth/types.js';
import { testsConfig } from './config.js';
import { parseReportCases } from './parsers/index.js';
import { storeReport } from './store/reports.js';

/** The package root (package.json's folder), from src/ or dist/. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CORPUS = path.join(ROOT, 'test', 'corpus', 'reports');

/** One runner's report per repository (by its index), relative to the package root. */
export const DEMO_REPORTS = [
  'test/corpus/reports/files/jest-small.xml',
  'test/corpus/reports/files/pytest-small.xml',
  'test/corpus/reports/files/go-small.json',
  'test/corpus/reports/files/node-small.xml',
  'test/corpus/reports/files/cargo-small.txt',
  'src/pillars/test-reports/fixtures/reports/surefire/TEST-com.example.TempsTest.xml',
];
/** Newest runs per repository that get the repository's report. */
export const DEMO_RUNS_PER_REPO = 6;
/**
 * Retried runs that get a rerun pair: 3 in every other repository (the flaky test is quarantined
 * after its second flaky failure), 1 in the rest (flaky, not yet quarantined, so it shows in the
 * flake index, which leaves quarantined tests out).
 */
export const demoReruns = (repoIndex: number) => (repoIndex % 2 === 0 ? 3 : 1);

export interface DemoTestReport {
  run_id: string;
  repo: string;
  /** `report`: DEMO_REPORTS[slot]; `rerun`: the slot-th failing and passing runs of the go_flaky series. */
  kind: 'report' | 'rerun';
  slot: number;
}

export function synthTests(ctx: SynthContext): void {
  const out: Array<DemoTestReport & { at: string }> = [];
  let rerun = 0;
  ctx.repos.forEach((repo, i) => {
    const ran = ctx.records.filter((r) => r.repo === repo && !r.environment && r.jobs.some((j) => j.id === 'test'));
    const retried = (r: (typeof ran)[number]) => r.jobs.some((j) => j.id === 'test' && (j.attempt ?? 1) > 1);
    for (const r of ran.filter((x) => !retried(x)).slice(-DEMO_RUNS_PER_REPO))
      out.push({ run_id: r.run_id, repo, kind: 'report', slot: i % DEMO_REPORTS.length, at: r.started_at });
    // On the default branch: quarantine judges a test by its default-branch runs.
    for (const r of ran.filter((x) => retried(x) && x.branch === 'main').slice(-demoReruns(i)))
      out.push({ run_id: r.run_id, repo, kind: 'rerun', slot: rerun++, at: r.started_at });
  });
  out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.run_id < b.run_id ? -1 : 1));
  ctx.extras.tests = out.map(({ at: _at, ...e }) => e);
}

interface CorpusEntry {
  file: string;
  failed: number;
  series?: string;
}

/** The go_flaky series' failing and passing runs (from the corpus's answer key), or null. */
export function flakySeries(dir = CORPUS): { fail: string[]; pass: string[] } | null {
  const index = path.join(dir, 'reports.jsonl');
  if (!existsSync(index)) return null;
  const entries = readFileSync(index, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as CorpusEntry)
    .filter((e) => e.series === 'go_flaky')
    .sort((a, b) => (a.file < b.file ? -1 : 1));
  const fail = entries.filter((e) => e.failed > 0).map((e) => path.join(dir, e.file));
  const pass = entries.filter((e) => e.failed === 0).map((e) => path.join(dir, e.file));
  return fail.length && pass.length ? { fail, pass } : null;
}

/** The report files of a demo entry, in upload order. */
export function demoFiles(e: DemoTestReport, series: { fail: string[]; pass: string[] } | null): string[] {
  if (e.kind === 'report') return [path.join(ROOT, DEMO_REPORTS[e.slot % DEMO_REPORTS.length]!)];
  return series ? [series.fail[e.slot % series.fail.length]!, series.pass[e.slot % series.pass.length]!] : [];
}

export async function seedTestsDemo(ctx: HubContext, extras: unknown[]): Promise<void> {
  const series = flakySeries();
  if (!series || !DEMO_REPORTS.every((f) => existsSync(path.join(ROOT, f)))) {
    ctx.log.debug(
      'tests demo: the test-report fixtures (test/corpus/reports, src/pillars/test-reports/fixtures) are not beside the package; no reports seeded',
    );
    return;
  }
  const cfg = testsConfig(ctx.config);
  for (const e of extras as DemoTestReport[]) {
    for (const file of demoFiles(e, series)) {
      const { summary, cases } = await parseReportCases(file);
      await storeReport(ctx, cfg, { run_id: e.run_id, repo: e.repo, summary, cases: [cases] });
    }
  }
}
