// `ci-intel data backfill` and `ci-intel data check`: the compat view's defaults for historical
// runs, and the contract tests and gates over the whole store.
import type { Command } from 'commander';
import { examples, jsonLine, storeOptions } from '../../core/cli.js';
import { sinceInstant } from '../../core/duration.js';
import type { CliContext } from '../../core/registry.js';
import { backfillDefaults } from './backfill.js';
import { dataQualityConfig } from './config.js';
import { contractTests } from './contract-tests.js';
import { runGates } from './gates.js';
import { dqdb } from './tables.js';

export function dataQualityCommands(program: Command, ctx: CliContext): void {
  const data = examples(
    program.command('data').description('Data you can trust: defaults for historical runs, contract tests and data-quality gates'),
    'ci-intel data backfill',
    'ci-intel data check --json',
  );
  examples(
    storeOptions(
      data
        .command('backfill')
        .description(
          'Give runs recorded without policies or security evidence their defaults (policies: one "not_evaluated" warn; security: not attested), once per run — running it again changes nothing',
        )
        .option('--before <when>', 'only runs that ended before this (a duration ago like 30d, or a date)', '0s')
        .option('--repo <owner/name>', 'only this repository')
        .option('--json', 'print one JSON object with the counts'),
    ),
    'ci-intel data backfill',
    'ci-intel data backfill --before 2026-11-01 --repo octo/app --db postgres://ci:ci@db/ci',
  ).action(async (opts: Record<string, string | boolean | undefined>) => {
    const before = sinceInstant(String(opts.before), ctx.now(), '--before');
    const hub = await ctx.openHub({ db: opts.db, dataDir: opts.dataDir, config: opts.config });
    try {
      const r = await backfillDefaults(dqdb(hub), before, ctx.now(), opts.repo as string | undefined);
      ctx.out(opts.json ? jsonLine(r) + '\n' : `historical runs ${r.candidates} filled ${r.filled} already filled ${r.candidates - r.filled}\n`);
    } finally {
      await hub.close();
    }
  });
  examples(
    storeOptions(
      data
        .command('check')
        .description('Run the contract tests on every stored run and the data-quality gates; exit 1 when a `fail` check breaks')
        .option('--json', 'print one JSON object per check'),
    ),
    'ci-intel data check',
    'ci-intel data check --json --config ci-intel.yml',
  ).action(async (opts: Record<string, string | boolean | undefined>) => {
    const hub = await ctx.openHub({ db: opts.db, dataDir: opts.dataDir, config: opts.config });
    try {
      const db = dqdb(hub);
      const cfg = dataQualityConfig(hub.config);
      const checks = [...(await contractTests(db, cfg.contractTests, null)), ...(await runGates(db, cfg.gates, ctx.now()))];
      for (const c of checks) {
        ctx.out(opts.json ? jsonLine(c) + '\n' : `${c.passed ? 'PASS' : c.severity.toUpperCase()} ${c.check} ${c.target}: ${c.message}\n`);
      }
      if (checks.some((c) => !c.passed && c.severity === 'fail')) process.exitCode = 1;
    } finally {
      await hub.close();
    }
  });
}
