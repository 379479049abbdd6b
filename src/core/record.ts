// `--record`: where an agent command stores what it found for a repository's commit — the hub
// (`--hub` or CI_INTEL_HUB) over HTTP, or a store (`--db` or the configured one) directly. Used by
// every pillar whose agent command records per commit (policy check, sarif report, sbom diff).
import { CiError } from './errors.js';
import type { CliContext, HubContext } from './registry.js';
import { hubTarget, repoApiPath, uploadToHub } from './upload.js';

export interface RecordOpts {
  record?: boolean;
  repo?: string;
  commit?: string;
  db?: string;
  hub?: string;
  token?: string;
  config?: string;
}

/**
 * Adds the options of `--record` to a command. A command that also reads from the hub (e.g. the
 * chaos kill switch) says so in `hub`/`token`, since --hub and --token can be declared only once.
 */
export function recordOptions<C extends { option(flags: string, description: string): C }>(
  cmd: C,
  what: string,
  also: { hub?: string; token?: string } = {},
): C {
  return cmd
    .option('--record', `store ${what} for --repo at --commit (on the hub with --hub, else in the store)`)
    .option('--repo <owner/name>', 'repository, for --record (default: from the CI environment)')
    .option('--commit <sha>', 'commit analysed, for --record (default: from the CI environment)')
    .option('--db <path|url>', 'store for --record: PGlite folder or postgres:// URL (env CI_INTEL_DB / DATABASE_URL)')
    .option('--hub <url>', also.hub ?? 'with --record: send to this hub instead of a store (env CI_INTEL_HUB)')
    .option('--token <token>', also.token ?? 'hub token with the ingest scope (env CI_INTEL_TOKEN)')
    .option('--config <file>', 'ci-intel.yml to read');
}

/**
 * Sends `body` to the repository's `tail` route with ?commit=, or runs `local` on an opened store;
 * returns the answer and where it went (for the caller's one-line summary).
 */
export async function recordFor<T>(
  o: RecordOpts,
  ctx: CliContext,
  req: { tail: string; body: string; contentType: string },
  local: (hub: HubContext, repo: string, commit: string) => Promise<T>,
): Promise<{ result: T; repo: string; commit: string; where: string }> {
  const repo = o.repo ?? ctx.env.GITHUB_REPOSITORY ?? ctx.env.CI_PROJECT_PATH;
  const commit = o.commit ?? ctx.env.GITHUB_SHA ?? ctx.env.CI_COMMIT_SHA;
  if (!repo || !commit) throw new CiError('E_USAGE', '--record needs --repo and --commit (or a CI environment naming them)', { where: '--record' });
  const target = o.db ? null : hubTarget(o, { config: () => ctx.config({ config: o.config }) });
  if (target) {
    const res = await uploadToHub(target, {
      path: `${repoApiPath(repo, req.tail)}?commit=${encodeURIComponent(commit)}`,
      body: req.body,
      contentType: req.contentType,
    });
    return { result: res.body as T, repo, commit, where: ` on ${target.url}` };
  }
  const hub = await ctx.openHub({ db: o.db, config: o.config });
  try {
    return { result: await local(hub, repo, commit), repo, commit, where: '' };
  } finally {
    await hub.close();
  }
}
