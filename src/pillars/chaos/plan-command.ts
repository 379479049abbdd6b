// `ci-intel chaos plan F.yml`: the trials of a plan one after another, the kill switch (the hub's
// flag, CI_INTEL_CHAOS=off) asked before each trial and while a fault is on.
import type { Command } from 'commander';
import { examples, jsonLine, numberOption } from '../../core/cli.js';
import { readTarget } from '../../core/hub-api.js';
import { recordOptions, type RecordOpts } from '../../core/record.js';
import type { CliContext } from '../../core/registry.js';
import { allowList, assertAllowed, recordResult, renderTrial } from './commands.js';
import { freshSeed } from './decide.js';
import { readPlan } from './plan.js';
import { runTrial, type TrialResult } from './runner.js';
import { switchProbe } from './switch.js';

export interface PlanTrialResult {
  index: number;
  where: string;
  fault: string;
  target: string;
  seed: number;
  /** off: the switch was off before the trial (nothing injected); lifted: it went off during it. */
  kill_switch: 'on' | 'off' | 'lifted';
  result: TrialResult;
}

export function planCommand(chaos: Command, ctx: CliContext): void {
  examples(
    recordOptions(
      chaos
        .command('plan')
        .description(
          'Run the trials of a YAML plan one after another. Pull-request runs (the default) take light faults only, at the plan’s pr_rate (default 1 %); --nightly runs heavy faults at each trial’s rate. The kill switch — the hub’s (PUT /api/v1/chaos/switch) or CI_INTEL_CHAOS=off — is asked before each trial and while a fault is on: switched off, the fault is lifted and the remaining trials run without faults.',
        )
        .argument('<plan>', 'the plan: trials: [{fault, run, target, rate, seed, retries, backoff, jitter, budget, fallback}], optional pr_rate')
        .option('--nightly', 'the nightly heavy suite: every fault, at each trial’s own rate (default 1)')
        .option('--seed <n>', 'seed of the plan; a trial without its own seed gets this + its index (default: a fresh one, printed)')
        .option('--poll <duration-ms>', 'how often the kill switch is asked while a fault is on, in ms', '1000')
        .option('--allow <faults>', 'faults allowed here (as for chaos run; env CI_INTEL_CHAOS_ALLOW)')
        .option('--json', 'one JSON object: the plan seed and every trial with its kill-switch state and result'),
      'each trial, as it ends (the same trial id as chaos run --record, so a trial also in its run’s record is one row)',
      {
        hub: 'the hub whose kill switch is asked (read scope), and with --record where the trials go (ingest scope) (env CI_INTEL_HUB)',
        token: 'hub token: read scope for the kill switch, ingest for --record (env CI_INTEL_TOKEN)',
      },
    ),
    'ci-intel chaos plan chaos/pr.yml --hub https://ci-intel.internal   # light faults at 1 %',
    'ci-intel chaos plan chaos/nightly.yml --nightly --seed 42 --json > nightly.json',
    'ci-intel chaos plan chaos/nightly.yml --nightly --record --hub https://ci-intel.internal   # repo and commit from the CI environment',
  ).action(async (file: string, opts: Record<string, unknown>) => {
    const plan = readPlan(file, { nightly: !!opts.nightly });
    const allow = allowList(opts, ctx.env);
    for (const t of plan.trials) assertAllowed(t.fault.name, { ...allow, from: `${allow.from} (trial at ${t.where})` });
    const planSeed = numberOption('--seed', opts.seed ?? freshSeed(), { min: 0, max: 2 ** 53 - 1, integer: true })!;
    const pollMs = numberOption('--poll', opts.poll, { min: 10, max: 600_000, integer: true })!;
    const say = (s: string) => ctx.err(`ci-intel chaos: ${s}\n`);
    const stillOn = switchProbe(ctx.env, readTarget(opts, ctx), say);
    const results: PlanTrialResult[] = [];
    ctx.err(
      `chaos plan ${file}: ${plan.trials.length} trials, ${opts.nightly ? 'nightly (all faults)' : `pull request (light faults at rate ${plan.prRate})`}, seed ${planSeed}\n`,
    );
    for (const [i, t] of plan.trials.entries()) {
      const seed = t.seed ?? planSeed + i;
      const on = await stillOn();
      if (!on) say(`the kill switch is off: trial ${i + 1} of ${plan.trials.length} runs without faults`);
      const r = await runTrial({
        fault: t.fault,
        target: t.target,
        seed,
        rate: t.rate,
        policy: t.policy,
        budgetMs: t.budgetMs,
        command: t.command,
        fallback: t.fallback,
        env: ctx.env,
        inject: on,
        stillOn,
        pollMs,
        stdout: ctx.err,
        stderr: ctx.err,
        now: ctx.now,
        switchOff: 'the kill switch',
      });
      results.push({
        index: i + 1,
        where: t.where,
        fault: t.fault.name,
        target: t.target,
        seed,
        kill_switch: !on ? 'off' : r.switched_off ? 'lifted' : 'on',
        result: r,
      });
      // Recorded as each trial ends: a plan cut short keeps the trials it ran.
      if (opts.record) await recordResult(opts as RecordOpts, ctx, r);
    }
    ctx.out(opts.json ? `${jsonLine({ plan: file, seed: planSeed, nightly: !!opts.nightly, trials: results })}\n` : renderPlan(results));
    if (results.some((x) => x.result.exit_code !== 0)) process.exitCode = 1;
  });
}

function renderPlan(results: PlanTrialResult[]): string {
  const n = results.length;
  return results
    .map((x) => {
      const head = `trial ${x.index} of ${n} (${x.where}): `;
      const step = x.result.exit_code === 0 ? 'the step succeeded' : `the step failed with exit ${x.result.exit_code}`;
      if (x.kill_switch === 'off') return `${head}kill switch off, ${x.fault} not injected; ${step}\n`;
      if (x.kill_switch === 'lifted') return `${head}${x.fault} into ${JSON.stringify(x.target)} lifted by the kill switch mid-trial; ${step}\n`;
      return head + renderTrial(x.result, x.fault, x.target, x.seed);
    })
    .join('');
}
