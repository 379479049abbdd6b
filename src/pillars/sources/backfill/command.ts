// `ci-intel backfill github --repo R` and `ci-intel backfill gitlab --project P`.
import type { Command } from 'commander';
import { examples, numberOption, storeOptions } from '../../../core/cli.js';
import { CiError } from '../../../core/errors.js';
import type { CliContext, HubContext } from '../../../core/registry.js';
import type { BackfillResult } from './apply.js';
import { backfillGithub } from './github.js';
import { backfillGitlab } from './gitlab.js';

type Opts = { since?: string; limit?: string; json?: boolean } & Record<string, unknown>;

/** The options both backfills take. */
function common(cmd: Command, help: { since: string; limit: string }): Command {
  return storeOptions(cmd)
    .option('--since <date>', `${help.since} (YYYY-MM-DD or RFC 3339)`)
    .option('--limit <n>', help.limit)
    .option('--json', 'print one JSON object');
}

/** Opens the hub, backfills, waits for the pillars to analyze what arrived, prints the counts. */
async function run(
  ctx: CliContext,
  opts: Opts,
  provider: string,
  what: string,
  fill: (hub: HubContext, limit: number | undefined, progress?: (n: number) => void) => Promise<BackfillResult>,
) {
  const limit = numberOption('--limit', opts.limit, { min: 1, max: 1_000_000, integer: true });
  // The bus runs so the pillars analyze the backfilled runs before the command returns.
  const hub = await ctx.openHub(opts, { start: true });
  try {
    const res = await fill(hub, limit, ctx.isTTY ? (n) => ctx.err(`\rbackfill: ${n} ${what}`) : undefined);
    if (ctx.isTTY) ctx.err('\n');
    await hub.bus.drain(600_000);
    ctx.out(
      opts.json
        ? JSON.stringify(res) + '\n'
        : `backfill ${provider}: ${res.runs} ${what} (${res.runs_inserted} new, ${res.runs_updated} updated), ` +
            `${res.jobs} jobs (${res.jobs_inserted} new, ${res.jobs_updated} updated) for ${res.repo} (${res.requests} API requests)\n`,
    );
  } finally {
    await hub.close();
  }
}

export function backfillCommand(program: Command, ctx: CliContext): void {
  const backfill = examples(
    program.command('backfill').description("Fill what webhook deliveries missed from the provider's REST API"),
    'ci-intel backfill github --help',
    'ci-intel backfill gitlab --help',
  );
  examples(
    common(
      backfill
        .command('github')
        .description('Fetch workflow runs and their jobs of a repository (token: GITHUB_TOKEN or GH_TOKEN) into the store; idempotent')
        .requiredOption('--repo <owner/name>', 'the repository')
        .option('--api <url>', 'API root (env GITHUB_API_URL; GitHub Enterprise: https://HOST/api/v3)'),
      { since: 'only runs created on or after this date', limit: 'at most this many runs, newest first' },
    ),
    'GITHUB_TOKEN=ghp_... ci-intel backfill github --repo org/app --since 2026-01-01',
    'ci-intel backfill github --repo org/app --limit 200 --json',
  ).action(async (opts: Opts & { repo: string; api?: string }) => {
    const github = ctx.config(opts).github;
    const token = github.token;
    if (!token)
      throw new CiError('E_USAGE', 'no GitHub token', {
        where: 'GITHUB_TOKEN',
        hint: 'set GITHUB_TOKEN (or GH_TOKEN) to a token that can read Actions of the repository',
      });
    await run(ctx, opts, 'github', 'runs', (hub, limit, onProgress) =>
      backfillGithub(hub, {
        repo: opts.repo,
        since: opts.since,
        limit,
        token,
        api: opts.api ?? github.apiUrl,
        onProgress,
      }),
    );
  });
  examples(
    common(
      backfill
        .command('gitlab')
        .description('Fetch pipelines and their jobs (retried ones too) of a project (token: GITLAB_TOKEN) into the store; idempotent')
        .requiredOption('--project <group/sub/project>', "the project's full path, as in its URL")
        .option('--url <url>', 'the GitLab instance (env GITLAB_URL, else CI_SERVER_URL; default https://gitlab.com)'),
      { since: 'only pipelines updated after this date', limit: 'at most this many pipelines, least recently updated first' },
    ),
    'GITLAB_TOKEN=glpat-... ci-intel backfill gitlab --project my-group/platform/api --since 2026-01-01',
    'ci-intel backfill gitlab --project ops/deploy --url https://gitlab.example.com --json',
  ).action(async (opts: Opts & { project: string; url?: string }) => {
    const gitlab = ctx.config(opts).gitlab;
    const token = gitlab.token;
    if (!token) throw new CiError('E_USAGE', 'no GitLab token', { where: 'GITLAB_TOKEN', hint: 'set GITLAB_TOKEN to an access token with the read_api scope' });
    await run(ctx, opts, 'gitlab', 'pipelines', (hub, limit, onProgress) =>
      backfillGitlab(hub, {
        project: opts.project,
        since: opts.since,
        limit,
        token,
        url: opts.url ?? gitlab.url,
        onProgress,
      }),
    );
  });
}
