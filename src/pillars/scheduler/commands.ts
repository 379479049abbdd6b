// `ci-intel scheduler ...`: replay a history file, evaluate the hub's own predictions, plan runners
// and shards. `ci-intel tests split` is in cli-split.ts.
import type { Command } from 'commander';
import { examples, openInput, storeOptions } from '../../core/cli.js';
import { sinceInstant } from '../../core/duration.js';
import { CiError } from '../../core/errors.js';
import { splitLines } from '../../core/lines.js';
import type { CliContext } from '../../core/registry.js';
import { splitCommand, type ReadCases } from './cli-split.js';
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
    program.command('scheduler').description('Predict job durations from history, publish the prediction error, plan runners and shards'),
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

  void sinceInstant;
  void storeOptions;
}
