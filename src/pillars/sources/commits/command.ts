// `ci-intel commits upload [--since REF]`: sends the local commit graph to the hub, so lead time
// (metrics pillar) can follow exact ancestry from a deployed commit back to each change.
import type { Command } from 'commander';
import { examples } from '../../../core/cli.js';
import { CiError } from '../../../core/errors.js';
import { detectRunIdentity } from '../../../core/identity.js';
import type { CliContext } from '../../../core/registry.js';
import { hubTarget, repoApiPath, uploadToHub } from '../../../core/upload.js';
import { gitLog, repoFromRemote, shallowBoundary } from './git.js';

const CHUNK = 20_000;

export const commitsPath = (repo: string): string => repoApiPath(repo, 'commits');

export function commitsCommand(program: Command, ctx: CliContext): void {
  const commits = examples(program.command('commits').description('The commit graph the hub uses for lead time'), 'ci-intel commits upload --help');
  examples(
    commits
      .command('upload')
      .description('Upload commits with their parents from `git log` to the hub')
      .option('--since <ref>', 'only commits after this reference (REF..HEAD), e.g. the last deployed tag')
      .option('--repo <path>', 'repository path on the hub (default: from the CI environment, else the origin remote)')
      .option('--dir <dir>', 'the git clone to read', '.')
      .option('--hub <url>', 'the hub (env CI_INTEL_HUB)')
      .option('--token <token>', 'hub token with the ingest scope (env CI_INTEL_TOKEN)')
      .option('--dry-run', 'read and count, upload nothing')
      .option('--json', 'print one JSON object'),
    'ci-intel commits upload --hub http://ci-intel:8080 --token "$CI_INTEL_TOKEN"',
    'ci-intel commits upload --since v1.4.0',
    'ci-intel commits upload --repo group/sub/project --dir ../project --dry-run',
  ).action(async (opts: { since?: string; repo?: string; dir: string; hub?: string; token?: string; dryRun?: boolean; json?: boolean }) => {
    const repo = (opts.repo ?? detectRunIdentity(ctx.env)?.repo ?? repoFromRemote(opts.dir))?.toLowerCase();
    if (!repo || !repo.includes('/')) {
      throw new CiError('E_USAGE', 'cannot tell which repository these commits belong to', {
        where: '--repo',
        hint: 'pass --repo owner/name (or run inside GitHub Actions / GitLab CI, or in a clone with an origin remote)',
      });
    }
    const target = opts.dryRun ? null : hubTarget(opts, ctx);
    if (!target && !opts.dryRun) {
      throw new CiError('E_USAGE', 'no hub to upload to', {
        where: '--hub',
        hint: 'pass --hub URL --token T (or set CI_INTEL_HUB / CI_INTEL_TOKEN), or --dry-run',
      });
    }
    const boundary = shallowBoundary(opts.dir);
    let read = 0;
    let skipped = 0;
    let accepted = 0;
    let chunk: string[] = [];
    const flush = async () => {
      if (!chunk.length) return;
      if (!target) {
        chunk = [];
        return;
      }
      const res = await uploadToHub(target, { path: commitsPath(repo), body: chunk.join('\n') + '\n', contentType: 'application/x-ndjson' });
      accepted += Number((res.body as { accepted?: number } | null)?.accepted ?? 0);
      chunk = [];
    };
    for await (const c of gitLog(opts.dir, opts.since ? `${opts.since}..HEAD` : 'HEAD')) {
      read++;
      if (boundary.has(c.sha)) {
        skipped++;
        continue;
      }
      chunk.push(JSON.stringify(c));
      if (chunk.length >= CHUNK) await flush();
    }
    if (opts.dryRun) accepted = 0;
    else await flush();
    if (skipped)
      ctx.err(
        `warning: ${skipped} commit(s) at the edge of a shallow clone were left out (git does not have their parents); fetch more history (fetch-depth: 0) to send them\n`,
      );
    const out = { repo, read, uploaded: opts.dryRun ? 0 : accepted, skipped_shallow: skipped, hub: target?.url ?? null, dry_run: Boolean(opts.dryRun) };
    if (opts.json) ctx.out(JSON.stringify(out) + '\n');
    else
      ctx.out(
        opts.dryRun
          ? `commits: ${read - skipped} of ${read} would be uploaded for ${repo}\n`
          : `commits: uploaded ${accepted} of ${read} for ${repo} to ${target!.url}\n`,
      );
  });
}
