// `serve --demo` (issue 4 on the dashboard's "Top failure signatures"): real CI failure logs from the
// answer-keyed corpus (test/corpus/autopsy) are attached to the failed jobs of the newest failed
// synthetic runs and stored exactly as an upload would be, so the panel shows real analyses, never
// made-up ones. `synth` only picks the jobs (no randomness, no file access: `ci-intel synth` output
// is unchanged); `seedDemo` reads the corpus and skips quietly when it is not there (an installed
// package has no test/).
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import type { HubContext } from '../../core/registry.js';
import type { SynthContext } from '../../core/synth/types.js';
import { sharedCorpusDir } from './corpus.js';
import { storeJobLog } from './analysis.js';

/** Failed runs per repository that get a log (the newest ones). */
export const DEMO_LOGS_PER_REPO = 8;

export interface DemoLog {
  run_id: string;
  repo: string;
  /** The failed job's id in the record (build, lint, test, integration). */
  job: string;
  /** The run's end: when the log would have been uploaded. */
  at: string;
}

export interface CorpusLog {
  id: string;
  log: string;
  tool: string;
  category: string;
}

/**
 * Which corpus categories fit which synthetic job, so a lint job shows a lint failure and a test job
 * a test failure; the build job takes everything else.
 */
const JOB_CATEGORIES: Record<string, string[]> = {
  lint: ['lint_error'],
  test: ['test_failure', 'test_timeout', 'crash', 'out_of_memory'],
  integration: ['network', 'infra_unavailable', 'permission_denied', 'disk_full'],
};
const poolOf = (category: string) => {
  const hit = Object.entries(JOB_CATEGORIES).find(([, cats]) => cats.includes(category));
  return hit ? hit[0] : 'build';
};

export function synthAutopsy(ctx: SynthContext): void {
  const out: DemoLog[] = [];
  for (const repo of ctx.repos) {
    const failed = ctx.records.filter((r) => r.repo === repo && r.status === 'failed' && !r.environment && r.jobs.some((j) => j.status === 'failed'));
    for (const r of failed.slice(-DEMO_LOGS_PER_REPO)) out.push({ run_id: r.run_id, repo, job: r.jobs.find((j) => j.status === 'failed')!.id, at: r.ended_at });
  }
  out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.run_id < b.run_id ? -1 : 1));
  ctx.extras.autopsy = out;
}

/** The corpus's answer keys, or null when the corpus is not there. */
export function readCorpus(dir: string | null = sharedCorpusDir()): { dir: string; logs: CorpusLog[] } | null {
  if (!dir) return null;
  try {
    const logs = readFileSync(path.join(dir, 'manifest.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as CorpusLog)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    return { dir, logs };
  } catch {
    return null;
  }
}

/**
 * The corpus log each demo job gets: the jobs in time order take the logs of their job's pool in
 * turn, so the frequent test failures repeat (and group into one signature) like in real history.
 */
export function assignLogs(jobs: DemoLog[], corpus: CorpusLog[]): Array<DemoLog & { log: CorpusLog }> {
  const pools = new Map<string, CorpusLog[]>();
  for (const l of corpus) {
    const p = poolOf(l.category);
    pools.set(p, [...(pools.get(p) ?? []), l]);
  }
  const turn = new Map<string, number>();
  const out: Array<DemoLog & { log: CorpusLog }> = [];
  for (const j of jobs) {
    const key = pools.has(j.job) ? j.job : 'build';
    const pool = pools.get(key);
    if (!pool?.length) continue;
    const n = turn.get(key) ?? 0;
    turn.set(key, n + 1);
    out.push({ ...j, log: pool[n % pool.length]! });
  }
  return out;
}

export async function seedAutopsyDemo(ctx: HubContext, extras: unknown[]): Promise<void> {
  const corpus = readCorpus();
  if (!corpus) {
    ctx.log.debug('autopsy demo: no failure-log corpus (test/corpus/autopsy) beside the package; no logs seeded');
    return;
  }
  for (const j of assignLogs(extras as DemoLog[], corpus.logs)) {
    await storeJobLog(ctx, j, j.job, createReadStream(path.join(corpus.dir, j.log.log)), 'true', new Date(j.at));
  }
}
