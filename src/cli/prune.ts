// `ci-intel prune [--dry-run]`: applies the retention policy now (serve also does it daily).
import type { Command } from 'commander';
import { examples, numberOption, storeOptions } from '../core/cli.js';
import type { CliContext } from '../core/registry.js';
import { prune, withPruneLock } from '../core/retention.js';

export function pruneCommand(program: Command, ctx: CliContext): void {
  examples(
    storeOptions(
      program
        .command('prune')
        .description('Delete data past retention: raw logs 30 d, records as sent 180 d, derived rows 400 d (ci-intel.yml retention:)')
        .option('--dry-run', 'count what would be deleted, delete nothing')
        .option('--raw-logs-days <n>', 'override retention.rawLogsDays')
        .option('--records-days <n>', 'override retention.recordsDays')
        .option('--derived-days <n>', 'override retention.derivedDays')
        .option('--json', 'print one JSON object'),
    ),
    'ci-intel prune --dry-run',
    'ci-intel prune --records-days 90 --json',
  ).action(async (opts: Record<string, string | boolean | undefined>) => {
    const hub = await ctx.openHub(opts);
    try {
      const r = hub.config.retention;
      const days = (flag: string, v: unknown, d: number) => numberOption(flag, v, { min: 1, max: 36_500, integer: true }) ?? d;
      r.rawLogsDays = days('--raw-logs-days', opts.rawLogsDays, r.rawLogsDays);
      r.recordsDays = days('--records-days', opts.recordsDays, r.recordsDays);
      r.derivedDays = days('--derived-days', opts.derivedDays, r.derivedDays);
      const res = await withPruneLock(hub, () => prune(hub, { dryRun: Boolean(opts.dryRun), now: ctx.now() }));
      if (!res) {
        ctx.err('another hub is pruning this store right now; nothing done\n');
        return;
      }
      if (opts.json) {
        ctx.out(JSON.stringify(res) + '\n');
        return;
      }
      const verb = res.dry_run ? 'would delete' : 'deleted';
      ctx.out(`retention: raw logs before ${res.cutoffs.raw_logs}, records before ${res.cutoffs.records}, derived rows before ${res.cutoffs.derived}\n`);
      for (const [k, v] of Object.entries(res.counts).sort(([a], [b]) => (a < b ? -1 : 1))) ctx.out(`${verb}\t${k}\t${v}\n`);
    } finally {
      await hub.close();
    }
  });
}
