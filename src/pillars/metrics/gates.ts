// The metrics pillar's gate: `ci-intel gate readiness` (release readiness, seed 002).
import { examples, numberOption, storeOptions } from '../../core/cli.js';
import { readHubOptions } from '../../core/hub-api.js';
import type { GateDef, GateResult } from '../../core/registry.js';
import { formatReadiness } from './commands.js';
import { parseWindow } from './filters.js';
import { withReads } from './reads.js';

/** `ci-intel gate readiness --min 90 [--repo R] [--allow-missing]`: every selected repo must pass. */
export const readinessGate: GateDef = {
  name: 'readiness',
  description: 'Release readiness at or above --min; an incomplete score fails unless --allow-missing',
  configure(cmd) {
    readHubOptions(storeOptions(cmd))
      .requiredOption('--min <percent>', 'lowest passing score, 0..100 (recommended: 90)')
      .option('--repo <repo>', 'only this repository (default: every repository; the lowest decides)')
      .option('--branch <branch>', 'branch whose runs count (default: main, master or trunk)')
      .option('--allow-missing', 'pass an incomplete score (components without data) on the components present');
    examples(cmd, 'ci-intel gate readiness --min 90 --repo acme/payments', 'ci-intel gate readiness --min 80 --allow-missing --hub http://hub:8080');
  },
  async run(_args, opts, ctx): Promise<GateResult> {
    const min = numberOption('--min', opts.min, { min: 0, max: 100 })!;
    const items = await withReads(ctx, opts, (reads) =>
      reads.readiness({ repo: opts.repo as string | undefined, branch: opts.branch as string | undefined, window: parseWindow(undefined), repoRegexes: null }),
    );
    for (const r of items) ctx.err(formatReadiness(r));
    if (items.length === 0) return { pass: false, value: null, min, reason: opts.repo ? `no runs for ${String(opts.repo)}` : 'no runs in the store' };
    const unscored = items.find((r) => r.score === null);
    if (unscored) return { pass: false, value: null, min, reason: `${unscored.repo} has no readiness data`, fields: { repo: unscored.repo } };
    const worst = [...items].sort((a, b) => a.score! - b.score! || (a.repo < b.repo ? -1 : 1))[0]!;
    const incomplete = items.filter((r) => !r.complete);
    const fields = { repo: worst.repo, band: worst.band ?? 'none', complete: String(incomplete.length === 0) };
    if (worst.score! < min) return { pass: false, value: worst.score, min, reason: `${worst.repo} scores ${worst.score!.toFixed(1)} (${worst.band})`, fields };
    if (incomplete.length && !opts.allowMissing)
      return {
        pass: false,
        value: worst.score,
        min,
        reason: `incomplete: ${incomplete.map((r) => `${r.repo} lacks ${r.missing.join('+')}`).join('; ')} (pass --allow-missing to gate on the components present)`,
        fields,
      };
    return {
      pass: true,
      value: worst.score,
      min,
      reason: `${items.length} repo(s) at or above ${min}${incomplete.length ? ' (incomplete scores allowed)' : ''}`,
      fields,
    };
  },
};
