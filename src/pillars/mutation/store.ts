// The mutation pillar's writes and reads, shared by the hub and the agent (the tables are in
// tables.ts).
import { gzipSync, gunzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { sql, unnestInsert } from '../../core/db/index.js';
import type { HubContext } from '../../core/registry.js';
import type { MutationReport } from './model.js';
import { deltaOf, labelFor, resilienceScore, type Thresholds } from './score.js';
import type { Summary } from './summary.js';
import { controlChart, judgeCandidate, type ControlParams, type ControlPoint, type SeriesPoint } from './trend.js';
import type { MutationDb } from './tables.js';

const iso = (d: Date | string) => new Date(d).toISOString();

export interface RunInfo {
  run_id: string;
  repo: string;
  branch: string | null;
  commit_sha: string | null;
  at: string;
}

export async function runInfo(db: MutationDb, runId: string): Promise<RunInfo | null> {
  const r = await db.selectFrom('runs').select(['run_id', 'repo', 'branch', 'commit_sha', 'started_at']).where('run_id', '=', runId).executeTakeFirst();
  return r ? { run_id: r.run_id, repo: r.repo, branch: r.branch, commit_sha: r.commit_sha, at: iso(r.started_at) } : null;
}

/** The main-branch series of a repo (scored runs only), oldest first, optionally before a run. */
export async function mainSeries(db: MutationDb, repo: string, before?: { at: string; run_id: string }): Promise<SeriesPoint[]> {
  let q = db
    .selectFrom('mutation_runs')
    .select(['run_id', 'at', 'score', 'mutants_total'])
    .where('repo', '=', repo)
    .where('is_main', '=', true)
    .where('score', 'is not', null);
  if (before) {
    q = q.where((eb) => eb.or([eb('at', '<', new Date(before.at)), eb.and([eb('at', '=', new Date(before.at)), eb('run_id', '<', before.run_id)])]));
  }
  const rows = await q.orderBy('at').orderBy('run_id').execute();
  return rows.map((r) => ({ run_id: r.run_id, at: iso(r.at), score: r.score!, mutants_total: r.mutants_total }));
}

/** The latest scored main-branch run strictly before `before` (same repo): the delta's baseline. */
export async function latestMain(
  db: MutationDb,
  repo: string,
  before?: { at: string; run_id: string },
): Promise<{ run_id: string; score: number; at: string } | null> {
  let q = db.selectFrom('mutation_runs').select(['run_id', 'score', 'at']).where('repo', '=', repo).where('is_main', '=', true).where('score', 'is not', null);
  if (before) {
    q = q
      .where('run_id', '!=', before.run_id)
      .where((eb) => eb.or([eb('at', '<', new Date(before.at)), eb.and([eb('at', '=', new Date(before.at)), eb('run_id', '<', before.run_id)])]));
  }
  const r = await q.orderBy('at', 'desc').orderBy('run_id', 'desc').limit(1).executeTakeFirst();
  return r ? { run_id: r.run_id, score: r.score!, at: iso(r.at) } : null;
}

export async function fileScoresOf(db: MutationDb, runId: string): Promise<Map<string, number | null>> {
  const rows = await db.selectFrom('mutation_files').select(['file', 'score']).where('run_id', '=', runId).execute();
  return new Map(rows.map((r) => [r.file, r.score]));
}

/** Rewrites the repo's EWMA chart from its main-branch series (cheap: hundreds of points). */
export async function recomputeTrends(db: MutationDb, repo: string, p: ControlParams): Promise<ControlPoint[]> {
  const series = await mainSeries(db, repo);
  const chart = controlChart(series, p);
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('mutation_trends').where('repo', '=', repo).execute();
    if (chart.length) {
      await unnestInsert(
        'mutation_trends',
        [
          { name: 'repo', type: 'text' },
          { name: 'run_id', type: 'uuid' },
          { name: 'at', type: 'timestamptz' },
          { name: 'score', type: 'float8' },
          { name: 'ewma', type: 'float8' },
          { name: 'center', type: 'float8' },
          { name: 'sigma', type: 'float8' },
          { name: 'lcl', type: 'float8' },
          { name: 'ucl', type: 'float8' },
          { name: 'out_of_control', type: 'bool' },
          { name: 'lambda', type: 'float8' },
          { name: 'l', type: 'float8' },
        ],
        chart.map((c) => ({ ...c, repo, lambda: p.lambda, l: p.L })),
      ).execute(trx);
    }
  });
  return chart;
}

export interface SaveInput {
  run: RunInfo;
  isMain: boolean;
  source: 'upload' | 'record';
  summary: Pick<
    Summary,
    'mutants_total' | 'killed' | 'equiv' | 'timeout' | 'score' | 'delta_vs_main' | 'equivalent_mutants_dropped' | 'label' | 'level' | 'format' | 'tool'
  > & {
    counts: Summary['counts'] | null;
    files: Summary['files'];
    hotspots: Summary['hotspots'];
  };
  declaredScore: number | null;
  baselineRunId: string | null;
  reportKey: string | null;
  now: Date;
}

/** Replaces the run's mutation rows (idempotent: re-upload and event redelivery rewrite them). */
export async function saveRun(db: MutationDb, s: SaveInput): Promise<void> {
  const sm = s.summary;
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('mutation_runs').where('run_id', '=', s.run.run_id).execute();
    await trx
      .insertInto('mutation_runs')
      .values({
        run_id: s.run.run_id,
        repo: s.run.repo,
        branch: s.run.branch,
        commit_sha: s.run.commit_sha,
        is_main: s.isMain,
        source: s.source,
        format: sm.format,
        tool: sm.tool,
        at: new Date(s.run.at),
        received_at: s.now,
        mutants_total: sm.mutants_total,
        killed: sm.killed,
        equiv: sm.equiv,
        timeout: sm.timeout,
        survived: sm.counts?.survived ?? null,
        no_coverage: sm.counts?.no_coverage ?? null,
        runtime_errors: sm.counts?.runtime_error ?? null,
        compile_errors: sm.counts?.compile_error ?? null,
        ignored: sm.counts?.ignored ?? null,
        score: sm.score,
        declared_score: s.declaredScore,
        delta_vs_main: sm.delta_vs_main,
        baseline_run_id: s.baselineRunId,
        label: sm.label,
        level: sm.level,
        equivalent_mutants_dropped: sm.equivalent_mutants_dropped,
        ewma: null,
        lcl: null,
        ucl: null,
        out_of_control: null,
        report_key: s.reportKey,
        hotspots: sm.hotspots.length ? JSON.stringify(sm.hotspots) : null,
      })
      .execute();
    if (sm.files.length) {
      await unnestInsert(
        'mutation_files',
        [
          { name: 'run_id', type: 'uuid' },
          { name: 'file', type: 'text' },
          { name: 'mutants_total', type: 'int4' },
          { name: 'killed', type: 'int4' },
          { name: 'equiv', type: 'int4' },
          { name: 'timeout', type: 'int4' },
          { name: 'survived', type: 'int4' },
          { name: 'no_coverage', type: 'int4' },
          { name: 'score', type: 'float8' },
          { name: 'delta_vs_main', type: 'float8' },
          { name: 'coverage', type: 'float8' },
          { name: 'mutation_coverage', type: 'float8' },
          { name: 'churn', type: 'int4' },
        ],
        sm.files.map((f) => ({ ...f, run_id: s.run.run_id })),
      ).execute(trx);
    }
  });
}

/** Where the run sits on the chart: its own trend row for a main run, else the candidate judgment. */
export async function controlFor(
  db: MutationDb,
  run: RunInfo,
  isMain: boolean,
  score: number | null,
  total: number,
  p: ControlParams,
  recompute: boolean,
): Promise<ControlPoint | null> {
  if (score === null) return null;
  if (isMain) {
    const chart = recompute ? await recomputeTrends(db, run.repo, p) : controlChart(await mainSeries(db, run.repo), p);
    return chart.find((c) => c.run_id === run.run_id) ?? null;
  }
  return judgeCandidate(await mainSeries(db, run.repo, run), { run_id: run.run_id, at: run.at, score, mutants_total: total }, p);
}

/**
 * After a run's row is written: its place on the control chart (recomputing the repo's chart for a
 * main run), and — for a main run that arrived after runs newer than it — those runs' deltas.
 */
export async function afterSave(
  db: MutationDb,
  run: RunInfo,
  isMain: boolean,
  score: number | null,
  total: number,
  p: ControlParams,
): Promise<ControlPoint | null> {
  const control = await controlFor(db, run, isMain, score, total, p, isMain);
  if (control) {
    await db
      .updateTable('mutation_runs')
      .set({ ewma: control.ewma, lcl: control.lcl, ucl: control.ucl, out_of_control: control.out_of_control })
      .where('run_id', '=', run.run_id)
      .execute();
  }
  if (isMain && score !== null) await refreshLaterDeltas(db, run);
  return control;
}

/** Runs after `main` (same repo) whose latest earlier main run is now `main`: rebase their delta. */
async function refreshLaterDeltas(db: MutationDb, main: RunInfo): Promise<void> {
  const later = await db
    .selectFrom('mutation_runs')
    .select(['run_id', 'at', 'score', 'baseline_run_id'])
    .where('repo', '=', main.repo)
    .where('at', '>', new Date(main.at))
    .orderBy('at')
    .orderBy('run_id')
    .execute();
  for (const r of later) {
    const base = await latestMain(db, main.repo, { at: iso(r.at), run_id: r.run_id });
    if ((base?.run_id ?? null) === r.baseline_run_id) continue;
    await db
      .updateTable('mutation_runs')
      .set({ baseline_run_id: base?.run_id ?? null, delta_vs_main: deltaOf(r.score, base?.score) })
      .where('run_id', '=', r.run_id)
      .execute();
  }
}

/** Stores the normalized report (our shape, text fields redacted) and returns its blob key. */
export async function storeReport(ctx: Pick<HubContext, 'blob'>, runId: string, report: MutationReport): Promise<string> {
  const key = `mutation/${runId}/${randomUUID()}.json.gz`;
  await ctx.blob.put(key, gzipSync(JSON.stringify(report), { level: 3 }));
  return key;
}

export async function loadReport(ctx: Pick<HubContext, 'blob'>, key: string): Promise<MutationReport> {
  return JSON.parse(gunzipSync(await ctx.blob.getBuffer(key)).toString('utf8')) as MutationReport;
}

/**
 * Derives tests.resilience for a run whose pipeline_run record carried mutation counts but no
 * report was uploaded: the dictionary formula rescored (the seed's own example claims 0.9 where its
 * dictionary gives 0.931), delta and control from the stored series. Returns false when there is
 * nothing to derive (no data, or an uploaded report already owns the run).
 */
/**
 * The runs of an NDJSON batch (by record key) that `deriveFromRecord` has work for: those with
 * mutation counts, and those scored from an earlier record (a re-ingest may have dropped the counts).
 * Oldest first, so each run's delta compares with the main runs before it.
 */
export async function loadedRunsToScore(db: MutationDb, recordKey: string): Promise<string[]> {
  const rows = await db
    .selectFrom('runs as r')
    .leftJoin('test_summaries as ts', 'ts.run_id', 'r.run_id')
    .leftJoin('mutation_runs as m', 'm.run_id', 'r.run_id')
    .select('r.run_id')
    .where('r.record_key', '=', recordKey)
    .where((eb) => eb.or([eb('ts.mutants_total', '>', 0), eb('m.source', '=', 'record')]))
    .orderBy('r.started_at')
    .orderBy('r.run_id')
    .execute();
  return rows.map((r) => r.run_id);
}

export async function deriveFromRecord(
  db: MutationDb,
  runId: string,
  opts: { mainBranch: string; thresholds: Thresholds; control: ControlParams; now: Date },
): Promise<boolean> {
  // One statement for what decides whether there is anything to do: every ingested run comes here,
  // and most carry no mutation counts (on PGlite each statement costs ~1 ms of the ingest thread).
  const row = await db
    .selectFrom('runs as r')
    .leftJoin('test_summaries as ts', 'ts.run_id', 'r.run_id')
    .leftJoin('mutation_runs as m', 'm.run_id', 'r.run_id')
    .select([
      'r.run_id',
      'r.repo',
      'r.branch',
      'r.commit_sha',
      'r.started_at',
      'ts.mutants_total',
      'ts.killed',
      'ts.equiv',
      'ts.timeout',
      'ts.resilience_score',
      'ts.equivalent_mutants_dropped',
      'm.source as existing',
    ])
    .where('r.run_id', '=', runId)
    .executeTakeFirst();
  if (!row) return false;
  if (row.existing === 'upload') return false;
  if (row.mutants_total === null || row.mutants_total <= 0) {
    // No data is not zero: a record with mutants_total 0 says nothing about the tests.
    if (row.existing) await db.deleteFrom('mutation_runs').where('run_id', '=', runId).execute();
    return false;
  }
  const run: RunInfo = { run_id: row.run_id, repo: row.repo, branch: row.branch, commit_sha: row.commit_sha, at: iso(row.started_at) };
  const ts = {
    mutants_total: row.mutants_total,
    killed: row.killed!,
    equiv: row.equiv!,
    timeout: row.timeout!,
    resilience_score: row.resilience_score,
    equivalent_mutants_dropped: row.equivalent_mutants_dropped,
  };
  const isMain = run.branch === opts.mainBranch;
  const score = resilienceScore(ts.killed, ts.mutants_total, ts.equiv);
  const base = await latestMain(db, run.repo, run);
  const label = labelFor(score, opts.thresholds);
  const summary: SaveInput['summary'] = {
    mutants_total: ts.mutants_total,
    killed: ts.killed,
    equiv: ts.equiv,
    timeout: ts.timeout,
    score,
    delta_vs_main: deltaOf(score, base?.score),
    equivalent_mutants_dropped: ts.equivalent_mutants_dropped ?? ts.equiv > 0,
    label: label?.label ?? null,
    level: label?.level ?? null,
    format: 'pipeline_run',
    tool: null,
    counts: null,
    files: [],
    hotspots: [],
  };
  const input: SaveInput = {
    run,
    isMain,
    source: 'record',
    summary,
    declaredScore: ts.resilience_score,
    baselineRunId: base?.run_id ?? null,
    reportKey: null,
    now: opts.now,
  };
  await saveRun(db, input);
  await afterSave(db, run, isMain, score, ts.mutants_total, opts.control);
  return true;
}

export { sql };
