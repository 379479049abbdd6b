// `ci-intel backfill github --repo R [--since DATE]`.
import type { Command } from 'commander';
import { examples, numberOption } from '../../../cli/util.js';
import { CiError } from '../../../core/errors.js';
import type { CliContext } from '../../../core/registry.js';
import { backfillGithub } from './github.js';

export function backfillCommand(program: Command, ctx: CliContext): void {
  const backfill = examples(program.command('backfill').description('Fill what webhook deliveries missed from the provider\'s REST API'), 'ci-intel backfill github --help');
  examples(
    backfill
      .command('github')
      .description('Fetch workflow runs and their jobs of a repository (token: GITHUB_TOKEN or GH_TOKEN) into the store; idempotent')
      .requiredOption('--repo <owner/name>', 'the repository')
      .option('--since <date>', 'only runs created on or after this date (YYYY-MM-DD)')
      .option('--limit <n>', 'at most this many runs, newest first')
      .option('--api <url>', 'API root (env GITHUB_API_URL; GitHub Enterprise: https://HOST/api/v3)')
      .option('--json', 'print one JSON object')
      .option('--db <path|url>', 'store: PGlite folder or postgres:// URL (env CI_INTEL_DB / DATABASE_URL)')
      .option('--data-dir <dir>', 'data folder for the embedded store and blobs (default ./.ci-intel)')
      .option('--config <file>', 'ci-intel.yml to read'),
    'GITHUB_TOKEN=ghp_... ci-intel backfill github --repo org/app --since 2026-01-01',
    'ci-intel backfill github --repo org/app --limit 200 --json',
  ).action(async (opts: { repo: string; since?: string; limit?: string; api?: string; json?: boolean } & Record<string, unknown>) => {
    const token = ctx.env.GITHUB_TOKEN || ctx.env.GH_TOKEN;
    if (!token) throw new CiError('E_USAGE', 'no GitHub token', { where: 'GITHUB_TOKEN', hint: 'set GITHUB_TOKEN (or GH_TOKEN) to a token that can read Actions of the repository' });
    const limit = numberOption('--limit', opts.limit, { min: 1, max: 1_000_000, integer: true });
    // The bus runs so the pillars analyze the backfilled runs before the command returns.
    const hub = await ctx.openHub(opts, { start: true });
    try {
      const res = await backfillGithub(hub, {
        repo: opts.repo,
        since: opts.since,
        limit,
        token,
        api: opts.api ?? ctx.env.GITHUB_API_URL ?? 'https://api.github.com',
        onProgress: ctx.isTTY ? (n) => ctx.err(`\rbackfill: ${n} runs`) : undefined,
      });
      if (ctx.isTTY) ctx.err('\n');
      await hub.bus.drain(600_000);
      ctx.out(opts.json ? JSON.stringify(res) + '\n' : `backfill github: ${res.runs} runs, ${res.jobs} jobs for ${res.repo} (${res.requests} API requests)\n`);
    } finally {
      await hub.close();
    }
  });
}
