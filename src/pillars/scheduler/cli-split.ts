// `ci-intel tests split`: the agent side of test sharding (issue 19 item 2). It sits under the
// tests command (where users look for it) but belongs to the scheduler; report parsing is passed
// in by the assembly (src/pillars/index.ts, src/cli/light.ts), as a pillar never imports another
// pillar's files (docs/DECISIONS.md D-scheduler-2).
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { examples, numberOption, withoutConfig } from '../../core/cli.js';
import { CiError } from '../../core/errors.js';
import { expandGlob } from '../../core/glob.js';
import type { TestCase } from '../../core/model/index.js';
import type { CliContext } from '../../core/registry.js';
import { SPLIT_UNITS, snapshotOf, splitTests, unitsOf, type SplitPlan, type SplitUnit, type TimingRun } from './split.js';

/** Reads one test report (any format the tests pillar reads) into its cases. */
export type ReadCases = (file: string) => Promise<{ cases: TestCase[] }>;

export const SPLIT_JSON_SHAPE =
  '{plan_hash, shards_count, by, tests, with_history, predicted, timing_runs, shards: [{index, estimate_ms, tests: [id...]}]}; with --index: {plan_hash, index, shards_count, estimate_ms, tests: [id...]}';

function readList(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new CiError('E_INPUT_UNREADABLE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      where: file,
      hint: 'pass a file with one test id per line, or - for stdin',
    });
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

function readPlan(file: string): SplitPlan {
  try {
    const p = JSON.parse(readFileSync(file, 'utf8')) as SplitPlan;
    if (!p || !Array.isArray(p.shards) || typeof p.plan_hash !== 'string') throw new Error('not a plan written by --save-plan');
    return p;
  } catch (e) {
    throw new CiError('E_INPUT_UNREADABLE', `cannot use the plan ${file}: ${(e as Error).message}`, {
      where: file,
      hint: 'pass a file written by `ci-intel tests split --save-plan FILE`',
    });
  }
}

export function splitCommand(tests: Command, ctx: CliContext, readCases: ReadCases): void {
  // Reads no configuration: it runs in every pipeline, and its start is part of the split's time.
  examples(
    withoutConfig(tests.command('split'))
      .description('Split tests into N shards by past timings (longest first); tests without timings get a predicted time; every shard computes the same plan')
      .requiredOption('--shards <n>', 'number of shards (1..1000)')
      .option('--index <i>', "print only shard I's tests (0-based), one per line, ready for the test runner")
      .option('--by <unit>', `what a test is when no --tests list is given: ${SPLIT_UNITS.join(', ')}`, 'file')
      .option(
        '--timings <report...>',
        "earlier runs' test reports (JUnit XML or any format `tests parse` reads; globs ok): each file is one run, times are averaged over all of them",
      )
      .option(
        '--tests <file>',
        'the tests to split, one id per line (- for stdin): file paths, class names, class.name, pytest node ids, go test names; default: the last --timings report',
      )
      .option('--save-plan <file>', 'also write the whole plan (JSON) to FILE')
      .option('--plan <file>', 'use a plan saved with --save-plan instead of computing one (a retried job keeps its shard)')
      .option('--json', `machine output, one line: ${SPLIT_JSON_SHAPE}`),
    'ci-intel tests split --shards 4 --index $CI_NODE_INDEX --timings "reports/*.xml" --tests <(npx vitest list --filesOnly) | xargs npx vitest run',
    'pytest --collect-only -q | grep :: > tests.txt; ci-intel tests split --shards 8 --by case --timings junit-*.xml --tests tests.txt --json',
    'ci-intel tests split --shards 3 --timings "runs/*.xml" --save-plan plan.json   # then every job: ci-intel tests split --shards 3 --plan plan.json --index I',
  ).action(
    async (opts: { shards: string; index?: string; by: string; timings?: string[]; tests?: string; savePlan?: string; plan?: string; json?: boolean }) => {
      const n = numberOption('--shards', opts.shards, { min: 1, max: 1000, integer: true })!;
      const index = numberOption('--index', opts.index, { min: 0, max: n - 1, integer: true });
      if (!SPLIT_UNITS.includes(opts.by as SplitUnit))
        throw new CiError('E_USAGE', `--by ${opts.by} is not a unit`, { where: '--by', hint: `use one of ${SPLIT_UNITS.join(', ')}` });
      const by = opts.by as SplitUnit;
      let plan: SplitPlan;
      if (opts.plan) {
        plan = readPlan(opts.plan);
        if (plan.shards_count !== n)
          throw new CiError('E_USAGE', `the plan ${opts.plan} has ${plan.shards_count} shards, not ${n}`, {
            where: '--shards',
            hint: `pass --shards ${plan.shards_count}, or compute a new plan without --plan`,
          });
      } else {
        const files: string[] = [];
        for (const g of opts.timings ?? []) {
          const hits = expandGlob(g);
          if (!hits.length) throw new CiError('E_INPUT_UNREADABLE', `no file matches ${g}`, { where: '--timings', hint: 'check the path or glob' });
          files.push(...hits);
        }
        const runs: TimingRun[] = [];
        for (const f of files) {
          try {
            runs.push((await readCases(f)).cases);
          } catch (e) {
            // One unreadable report does not lose the others' timings.
            if (e instanceof CiError) ctx.err(`warning: ${e.oneLine()} (its timings are not used)\n`);
            else throw e;
          }
        }
        let ids: string[];
        if (opts.tests) ids = readList(opts.tests);
        else if (runs.length) ids = unitsOf(runs[runs.length - 1]!, by);
        else
          throw new CiError('E_USAGE', 'nothing to split: no --tests list and no readable --timings report', {
            where: '--tests',
            hint: 'pass --tests FILE (one test id per line) or --timings REPORT...',
          });
        if (!runs.length) ctx.err('warning: no timings: every test gets the same predicted time (the split balances counts)\n');
        plan = splitTests(ids, snapshotOf(runs), n, by);
        if (plan.predicted && runs.length) ctx.err(`${plan.predicted} of ${plan.tests} tests have no timings: their time is predicted from their siblings\n`);
        if (opts.savePlan) writeFileSync(opts.savePlan, JSON.stringify(plan) + '\n');
      }
      if (index !== undefined) {
        const s = plan.shards[index]!;
        if (opts.json)
          ctx.out(JSON.stringify({ plan_hash: plan.plan_hash, index, shards_count: n, estimate_ms: Math.round(s.estimate_ms), tests: s.tests }) + '\n');
        else for (const t of s.tests) ctx.out(`${t}\n`);
        ctx.err(`plan ${plan.plan_hash}: shard ${index} of ${n}, ${s.tests.length} tests, ~${Math.round(s.estimate_ms)} ms\n`);
        return;
      }
      if (opts.json) {
        ctx.out(JSON.stringify({ ...plan, shards: plan.shards.map((s) => ({ ...s, estimate_ms: Math.round(s.estimate_ms) })) }) + '\n');
        return;
      }
      ctx.out(
        `plan ${plan.plan_hash}: ${plan.tests} tests in ${n} shards (${plan.with_history} with timings from ${plan.timing_runs} runs, ${plan.predicted} predicted)\n`,
      );
      for (const s of plan.shards) ctx.out(`shard ${s.index}: ${s.tests.length} tests, ~${(s.estimate_ms / 1000).toFixed(1)} s\n`);
    },
  );
}
