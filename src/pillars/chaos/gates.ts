// `ci-intel gate chaos FILE... [--min-recovery 0.9]`: the share of chaos trials whose step finally
// succeeded (recovered or degraded), from `chaos run --json` lines or a `chaos report --json`.
import type { Command } from 'commander';
import { examples, numberOption } from '../../core/cli.js';
import { CiError } from '../../core/errors.js';
import { readJsonLines } from '../../core/input.js';
import type { GateDef } from '../../core/registry.js';

interface Tally {
  trials: number;
  recovered: number;
  failedTargets: Set<string>;
}

/** Adds one file's trials to the tally; errors name file:line and what to pass. */
function readTrials(file: string, t: Tally): void {
  const hint = 'pass the output of ci-intel chaos run --json (one object per line) or chaos report --json';
  for (const { value, where } of readJsonLines(file, hint)) {
    const o = value as Record<string, unknown> | null;
    if (o && Array.isArray(o.groups)) {
      for (const g of o.groups as { target: string; fault: string; trials: number; failed: number }[]) {
        t.trials += g.trials;
        t.recovered += g.trials - g.failed;
        if (g.failed) t.failedTargets.add(`${g.target} under ${g.fault}`);
      }
    } else if (o && 'trial' in o) {
      const trial = o.trial as { outcome?: string; target?: string; fault?: string } | null;
      // Nothing injected: not a chaos trial.
      if (!trial) continue;
      if (typeof trial.outcome !== 'string')
        throw new CiError('E_CHAOS_TRIAL_INVALID', 'a trial without an outcome', { where: `${where} /trial/outcome`, hint });
      t.trials++;
      if (trial.outcome === 'failed') t.failedTargets.add(`${trial.target} under ${trial.fault}`);
      else t.recovered++;
    } else throw new CiError('E_CHAOS_TRIAL_INVALID', 'neither a chaos trial nor a resilience report', { where, hint });
  }
}

export const chaosGate: GateDef = {
  name: 'chaos',
  description: 'Resilience under chaos: the share of chaos trials whose step finally succeeded, 0–1 (default minimum 0.9)',
  configure(cmd: Command) {
    examples(
      cmd
        .argument('<files...>', 'output of ci-intel chaos run --json (one object per line) or chaos report --json')
        .option('--min-recovery <0..1>', 'least share of trials that recovered', '0.9'),
      'ci-intel chaos run --fault kill_job --rate 1 --json -- make >> trials.jsonl; ci-intel gate chaos trials.jsonl',
      'ci-intel chaos report --since 7d --json > resilience.json; ci-intel gate chaos resilience.json --min-recovery 0.95',
    );
  },
  async run(args, opts) {
    const min = numberOption('--min-recovery', opts.minRecovery ?? '0.9', { min: 0, max: 1 })!;
    const t: Tally = { trials: 0, recovered: 0, failedTargets: new Set() };
    for (const f of args) readTrials(f, t);
    if (!t.trials) return { pass: false, value: null, min, reason: 'no chaos trials in the files (nothing was injected)' };
    const value = Math.round((1000 * t.recovered) / t.trials) / 1000;
    const failed = [...t.failedTargets].sort();
    const reason = failed.length
      ? `${t.recovered} of ${t.trials} trials recovered; failed: ${failed.slice(0, 5).join(', ')}${failed.length > 5 ? ', …' : ''}`
      : `all ${t.trials} trials recovered`;
    return { pass: value >= min, value, min, reason, fields: { trials: t.trials } };
  },
};
