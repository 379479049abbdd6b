// `ci-intel chaos report`: the resilience report from the store (--db) or the hub (--hub).
import type { Command } from 'commander';
import { examples, jsonLine, storeOptions } from '../../core/cli.js';
import { sinceInstant } from '../../core/duration.js';
import type { CliContext } from '../../core/registry.js';
import { hubCall, queryOf, readHubOptions, readTarget } from '../../core/hub-api.js';
import { renderMarkdown, renderText, type ResilienceReport } from './report.js';
import { loadReport } from './store.js';
import type { ChaosTables } from './tables.js';

export function reportCommand(chaos: Command, ctx: CliContext): void {
  examples(
    readHubOptions(
      storeOptions(
        chaos
          .command('report')
          .description(
            'Resilience under chaos: per repository, target and fault — trials, recovery rate, mean retries, added time, a resilience score (0–100) and its trend against the window before',
          )
          .option('--repo <owner/name>', 'only this repository')
          .option('--since <when>', 'window start (30d, 2w or a date); the trend compares with the window of the same length before', '30d')
          .option('--json', 'one JSON object: windows, weights, repos and groups')
          .option('--md', 'Markdown, for a pull request comment or a job summary'),
      ),
    ),
    'ci-intel chaos report --since 30d --md >> "$GITHUB_STEP_SUMMARY"',
    'ci-intel chaos report --hub https://ci-intel.internal --repo acme/app --json',
  ).action(async (o: Record<string, unknown> & { repo?: string; since: string; json?: boolean; md?: boolean }) => {
    const until = ctx.now();
    const since = sinceInstant(o.since, until);
    const target = readTarget(o, ctx);
    let r: ResilienceReport;
    if (target) r = await hubCall<ResilienceReport>(target, `/api/v1/chaos/report${queryOf({ since: since.toISOString(), repo: o.repo })}`);
    else {
      const hub = await ctx.openHub(o);
      try {
        r = await loadReport(hub.db.withTables<ChaosTables>(), { since, until, repo: o.repo });
      } finally {
        await hub.close();
      }
    }
    ctx.out(o.json ? `${jsonLine(r)}\n` : o.md ? renderMarkdown(r) : renderText(r));
  });
}
