// `ci-intel scheduler ...`: replay a history file, evaluate the hub's own predictions, plan runners
// and shards. `ci-intel tests split` is in cli-split.ts.
import type { Command } from 'commander';
import { examples, numberOption, openInput, storeOptions } from '../../core/cli.js';
import { parseDuration, sinceInstant } from '../../core/duration.js';
import { CiError } from '../../core/errors.js';
import { splitLines } from '../../core/lines.js';
import type { CliContext } from '../../core/registry.js';
import { splitCommand, type ReadCases } from './cli-split.js';
import { predict, type SeriesState } from './model.js';
import { planRunners } from './plan.js';
import { readHistoryLine, replay, type BadLine, type HistoryRun, type ReplayReport } from './replay.js';

export const REPLAY_JSON_SHAPE =
  '{runs, series: [{series, runs, model: {scored, mape_pct, within_10_pct}, mean_of_last_3: {scored, mape_pct, within_10_pct}, improvement_pct, fallback_runs, p90_coverage_pct}], overall: {same fields but series}, bad_lines: [{line, reason}]}';

/** Reads a history file (JSON lines); bad lines are kept aside with their line numbers. */
export async function readHistory(file: string): Promise<{ runs: HistoryRun[]; bad: BadLine[] }> {
  const runs: HistoryRun[] = [];
  const bad: BadLine[] = [];
  for await (const l of splitLines(openInput(file), { maxLineBytes: 16 * 1024 * 1024 })) {
    if (l.tooLong) {
      bad.push({ line: l.no, reason: `the line is ${l.bytes} bytes, over the 16 MiB cap` });
      continue;
    }
    const text = l.text!.trim();
    if (!text) continue;
    let o: unknown;
    try {
      o = JSON.parse(text);
    } catch (e) {
      bad.push({ line: l.no, reason: `not valid JSON (${(e as Error).message})` });
      continue;
    }
    const r = readHistoryLine(o, l.no);
    if ('reason' in r) bad.push(r);
    else runs.push(r);
  }
  return { runs, bad };
}

const pct = (x: number | null) => (x === null ? '—' : `${x.toFixed(1)} %`);

export function renderReplay(r: ReplayReport): string {
  const rows = [...r.series.map((s) => ({ name: s.series, ...s })), { name: 'overall', ...r.overall }];
  const w = Math.max(7, ...rows.map((x) => x.name.length));
  const out = [`${'series'.padEnd(w)}  runs  scored  MAPE model  MAPE mean-of-last-3  within 10 % (model / naive)  lower by  fallback`];
  for (const x of rows)
    out.push(
      `${x.name.padEnd(w)}  ${String(x.runs).padStart(4)}  ${String(x.model.scored).padStart(6)}  ${pct(x.model.mape_pct).padStart(10)}  ${pct(x.mean_of_last_3.mape_pct).padStart(19)}  ${`${pct(x.model.within_10_pct)} / ${pct(x.mean_of_last_3.within_10_pct)}`.padStart(27)}  ${pct(x.improvement_pct).padStart(8)}  ${String(x.fallback_runs).padStart(8)}`,
    );
  return out.join('\n') + '\n';
}

export function schedulerCommands(program: Command, ctx: CliContext, readCases: ReadCases): void {
  const tests = program.commands.find((c) => c.name() === 'tests');
  if (tests) splitCommand(tests, ctx, readCases);

  const scheduler = examples(
    program.command('scheduler').description('Predict job durations from history, publish the prediction error, plan runners and shards, pre-warm runners'),
    'ci-intel scheduler replay --history runs.jsonl',
    'ci-intel scheduler eval --repo acme/api --since 30d',
  );

  examples(
    scheduler
      .command('replay')
      .description(
        'Replay a run history in time order, predicting each run from the earlier ones only; prints MAPE and the share within 10 % per series and overall, next to the mean of the last 3 runs',
      )
      .requiredOption(
        '--history <file>',
        'JSON lines, one run each: duration_ms, a time (commit_time or started_at), the series (repo or project; job and workflow optional) and, when known, changed_files, test_count, cache_hit, runner_type, queue_ms (- for stdin)',
      )
      .option('--json', `machine output, one line: ${REPLAY_JSON_SHAPE}; MAPE and shares in percent`),
    'ci-intel scheduler replay --history runs.jsonl',
    'ci-intel scheduler replay --history runs.jsonl --json | jq .overall.model.mape_pct',
  ).action(async (opts: { history: string; json?: boolean }) => {
    const { runs, bad } = await readHistory(opts.history);
    for (const b of bad) ctx.err(`${opts.history}:${b.line}: ${b.reason} (line skipped)\n`);
    if (!runs.length)
      throw new CiError('E_USAGE', `${opts.history} has no usable run`, {
        where: opts.history,
        hint: 'each line needs duration_ms, commit_time or started_at, and repo or project',
      });
    const report = replay(runs, bad);
    ctx.out(opts.json ? JSON.stringify(report) + '\n' : renderReplay(report));
    if (bad.length) process.exitCode = 1;
  });

  examples(
    storeOptions(
      scheduler
        .command('eval')
        .description(
          "The hub's own prediction error over the runs that ended: MAPE and the share within 10 % per job and overall, next to the mean of the last 3 runs",
        )
        .option('--repo <owner/name>', 'only this repository')
        .option('--since <when>', 'only runs predicted since (30d, 2026-01-01)')
        .option(
          '--json',
          'machine output, one line: {since, repo, series: [{repo, workflow, job, scored, mape_pct, within_10_pct, naive_mape_pct, naive_within_10_pct, fallback_runs}], overall}',
        ),
      'the hub store to read',
    ),
    'ci-intel scheduler eval --repo acme/api --since 30d',
    'ci-intel scheduler eval --json | jq .overall.mape_pct',
  ).action(async (opts: { repo?: string; since?: string; json?: boolean } & Record<string, unknown>) => {
    const since = opts.since ? sinceInstant(opts.since, ctx.now()) : undefined;
    const hub = await ctx.openHub(opts);
    try {
      const { evaluate } = await import('./store.js');
      const { sdb } = await import('./tables.js');
      const r = await evaluate(sdb(hub), { repo: opts.repo, since });
      if (opts.json) ctx.out(JSON.stringify(r) + '\n');
      else {
        if (!r.series.length) ctx.out('no finished run with a prediction yet\n');
        for (const x of [...r.series.map((s) => ({ name: `${s.repo} ${s.workflow} / ${s.job}`, ...s })), { name: 'overall', ...r.overall }])
          ctx.out(
            `${x.name}: ${x.scored} runs, MAPE ${pct(x.mape_pct)} (mean of last 3: ${pct(x.naive_mape_pct)}), within 10 %: ${pct(x.within_10_pct)} (${pct(x.naive_within_10_pct)}), fallback ${x.fallback_runs}\n`,
          );
      }
    } finally {
      await hub.close();
    }
  });

  examples(
    storeOptions(
      scheduler
        .command('plan')
        .description(
          'Recommend a runner class and shard count for a job from its predicted duration: the cheapest within --target, or the fastest within --budget',
        )
        .requiredOption('--repo <owner/name>', 'repository')
        .requiredOption('--job <name>', "job name, or '(whole run)'")
        .option('--target <duration>', 'wall-time target for the p90 (10m, 90s)')
        .option('--budget <usd>', 'budget per run in USD')
        .option(
          '--json',
          'machine output, one line: {repo, job, p50_ms, p90_ms, method, recommended: {runner, shards, wall_p50_ms, wall_p90_ms, usd, meets_target}, why, options: [...]}',
        ),
      'the hub store to read',
    ),
    'ci-intel scheduler plan --repo acme/api --job test --target 10m',
    'ci-intel scheduler plan --repo acme/api --job test --budget 0.20 --json',
  ).action(async (opts: { repo: string; job: string; target?: string; budget?: string; json?: boolean } & Record<string, unknown>) => {
    const target = opts.target === undefined ? undefined : parseDurationMs(opts.target);
    const budget = numberOption('--budget', opts.budget, { min: 0 });
    const hub = await ctx.openHub(opts);
    try {
      const { sdb } = await import('./tables.js');
      const { schedulerConfig } = await import('./config.js');
      const row = await sdb(hub)
        .selectFrom('scheduler_models')
        .select(['state', 'workflow'])
        .where('repo', '=', opts.repo.toLowerCase())
        .where('job', '=', opts.job)
        .orderBy('runs', 'desc')
        .orderBy('workflow')
        .executeTakeFirst();
      if (!row)
        throw new CiError('E_NOT_FOUND', `no finished run of job ${JSON.stringify(opts.job)} in ${opts.repo} yet`, {
          where: '--job',
          hint: 'ingest runs first; `ci-intel scheduler eval --repo R` lists the jobs with history',
        });
      const state = (typeof row.state === 'string' ? JSON.parse(row.state) : row.state) as SeriesState;
      const p = predict(state, {});
      const cfg = schedulerConfig(hub.config);
      const plan = planRunners({
        p50_ms: p.p50_ms,
        p90_ms: p.p90_ms,
        measuredCpus: cfg.measuredCpus,
        classes: cfg.runners,
        overhead_ms: cfg.shardOverheadSec * 1000,
        speedupExponent: cfg.speedupExponent,
        target_ms: target,
        budget_usd: budget,
      });
      const out = { repo: opts.repo.toLowerCase(), job: opts.job, p50_ms: Math.round(p.p50_ms), p90_ms: Math.round(p.p90_ms), method: p.method, ...plan };
      if (opts.json) ctx.out(JSON.stringify(out) + '\n');
      else {
        ctx.out(`${out.repo} / ${out.job}: predicted ${(out.p50_ms / 1000).toFixed(0)} s (p90 ${(out.p90_ms / 1000).toFixed(0)} s, ${p.method})\n`);
        const r = plan.recommended;
        if (r)
          ctx.out(
            `recommended: ${r.runner} × ${r.shards} shards, p90 wall ${(r.wall_p90_ms / 1000).toFixed(0)} s, $${r.usd.toFixed(4)} per run — ${plan.why}\n`,
          );
        for (const o of plan.options)
          ctx.out(
            `  ${o.runner.padEnd(16)} ${String(o.shards).padStart(3)} shards  p90 ${(o.wall_p90_ms / 1000).toFixed(0).padStart(6)} s  $${o.usd.toFixed(4)}${o.meets_target ? '' : '  (over target)'}\n`,
          );
      }
    } finally {
      await hub.close();
    }
  });

  prewarmCommand(scheduler, ctx);
}

/** `scheduler prewarm`: runners to keep warm for a coming window (prewarm.ts). */
function prewarmCommand(scheduler: Command, ctx: CliContext): void {
  examples(
    storeOptions(
      scheduler
        .command('prewarm')
        .description(
          "How many runners of each class the coming window will keep busy: the jobs that started in the same slot of the previous weeks, each at its predicted duration (the window's mean load at p90 durations, not bursts inside it)",
        )
        .option('--repo <owner/name>', 'only this repository')
        .option('--at <time>', 'start of the window (ISO 8601; default now)')
        .option('--window <duration>', 'length of the window (30m, 1h)', '1h')
        .option('--weeks <n>', 'previous weeks to average the same slot over (1..26)', '4')
        .option('--json', `machine output, one line: ${PREWARM_JSON_SHAPE}`),
      'the hub store to read',
    ),
    'ci-intel scheduler prewarm --window 1h',
    'ci-intel scheduler prewarm --at 2026-12-07T09:00:00Z --window 30m --weeks 6 --json',
  ).action(async (opts: { repo?: string; at?: string; window: string; weeks: string; json?: boolean } & Record<string, unknown>) => {
    const at = opts.at === undefined ? ctx.now() : new Date(opts.at);
    if (!Number.isFinite(at.getTime()))
      throw new CiError('E_USAGE', `--at ${JSON.stringify(opts.at)} is not a time`, { where: '--at', hint: 'write it like 2026-12-07T09:00:00Z' });
    const windowMs = parseDuration(opts.window, '--window')!;
    if (windowMs <= 0) throw new CiError('E_USAGE', '--window must be longer than 0', { where: '--window', hint: 'write it like 30m or 1h' });
    const weeks = numberOption('--weeks', opts.weeks, { min: 1, max: 26, integer: true })!;
    const hub = await ctx.openHub(opts);
    try {
      const { prewarmPlan } = await import('./prewarm.js');
      const { sdb } = await import('./tables.js');
      const plan = await prewarmPlan(sdb(hub), { at, windowMs, weeks, repo: opts.repo, repoRegexes: null });
      if (opts.json) ctx.out(JSON.stringify(plan) + '\n');
      else {
        ctx.out(`${plan.at} + ${opts.window}, from the same slot of the last ${weeks} weeks:\n`);
        if (!plan.runners.length) ctx.out('no job started in that slot of the previous weeks: nothing to pre-warm\n');
        for (const r of plan.runners)
          ctx.out(
            `  ${r.runner.padEnd(16)} warm ${String(r.warm).padStart(3)}  (${r.jobs_expected} jobs expected, ${r.mean_busy} busy on average, ${r.busy_minutes_p90} runner-minutes at p90)\n`,
          );
      }
    } finally {
      await hub.close();
    }
  });
}

export const PREWARM_JSON_SHAPE =
  '{at, window_ms, weeks, runners: [{runner, jobs_expected, busy_minutes_p50, busy_minutes_p90, mean_busy, warm, jobs: [{series, expected, p50_ms, p90_ms, predicted}]}]}';

/** 10m, 90s, 1h30m, or plain seconds → ms. */
export function parseDurationMs(v: string): number {
  const m = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?$/.exec(v.trim());
  if (!v.trim() || !m || (m[1] === undefined && m[2] === undefined && m[3] === undefined))
    throw new CiError('E_USAGE', `--target ${JSON.stringify(v)} is not a duration`, { where: '--target', hint: 'write it like 10m, 90s or 1h30m' });
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}
