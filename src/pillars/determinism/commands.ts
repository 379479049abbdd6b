// CLI: `ci-intel repro diff A B`, `ci-intel repro normalize ARCHIVE --out F` and the dual run
// `ci-intel repro [options] -- BUILD COMMAND` (run.ts).
import type { Command } from 'commander';
import { collect, examples } from '../../core/cli.js';
import { parseDuration } from '../../core/duration.js';
import { CiError } from '../../core/errors.js';
import { recordFor, recordOptions, type RecordOpts } from '../../core/record.js';
import type { CliContext } from '../../core/registry.js';
import { diffArtifacts } from './compare/artifact.js';
import { DEFAULT_LIMITS } from './compare/context.js';
import { normalizeArchive } from './normalize.js';
import { renderJsonLines, renderMarkdown, renderText, withHints, type ReportVerdict } from './render.js';
import type { ArtifactVerdict } from './model.js';
import { reproCommand } from './run-command.js';
import { recordResults } from './store.js';
import type { DeterminismTables } from './tables.js';

/** `4G`, `512M`, `100k`, `1048576` → bytes. */
export function parseSize(v: string, where: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(v.trim());
  if (!m) throw new CiError('E_USAGE', `${JSON.stringify(v)} is not a size`, { where, hint: 'use e.g. 512M, 4G or a number of bytes' });
  return Math.round(Number(m[1]) * 1024 ** 'bkmgt'.indexOf((m[2] || 'b').toLowerCase()));
}

export function printReport(vs: ReportVerdict[], opts: Record<string, unknown>, ctx: CliContext): void {
  ctx.out(opts.json ? renderJsonLines(vs) : opts.md ? renderMarkdown(vs) : renderText(vs));
  if (vs.some((v) => v.verdict !== 'reproducible')) process.exitCode = 1;
}

/** Storing verdicts: on `repro` and `repro diff` alike (core's --record plumbing: the hub or a store). */
export const reproRecordOptions = (cmd: Command) => recordOptions(cmd, 'the verdicts per artifact (rate over time, first drift commit, gate, dashboard)');

export async function recordVerdicts(verdicts: ArtifactVerdict[], opts: RecordOpts, ctx: CliContext): Promise<void> {
  if (!opts.record) return;
  const r = await recordFor<{ recorded: number }>(
    opts,
    ctx,
    { tail: 'repro-results', body: JSON.stringify({ verdicts }), contentType: 'application/json' },
    async (hub, repo, commit) => ({ recorded: await recordResults(hub.db.withTables<DeterminismTables>(), { repo, commit, at: ctx.now(), verdicts }) }),
  );
  const n = r.result.recorded;
  ctx.err(`recorded ${n} artifact verdict${n === 1 ? '' : 's'} for ${r.repo}@${r.commit.slice(0, 12)}${r.where}\n`);
}

export const sizeOptions = (cmd: Command) =>
  cmd
    .option('--max-size <size>', 'bytes decoded per side of one artifact at most (decompression bombs stop here)', '16G')
    .option('--inspect-size <size>', 'archive entries up to this size are looked into; bigger ones are compared by checksum', '256M');

export const limitsFrom = (opts: Record<string, unknown>) => ({
  maxBytes: parseSize(String(opts.maxSize ?? '16G'), '--max-size'),
  entryBytes: parseSize(String(opts.inspectSize ?? '256M'), '--inspect-size'),
  textBytes: Math.min(DEFAULT_LIMITS.textBytes, parseSize(String(opts.inspectSize ?? '256M'), '--inspect-size')),
});

export function determinismCommands(program: Command, ctx: CliContext): void {
  const repro = reproCommand(program, ctx, reproRecordOptions, recordVerdicts);
  examples(
    reproRecordOptions(
      sizeOptions(
        repro
          .command('diff')
          .description(
            'Compare two builds of an artifact (or two folders of artifacts), looking inside archives, and classify every difference; exit 1 when they differ',
          )
          .argument('<first>', 'the artifact (or folder) of one build')
          .argument('<second>', 'the same artifact (or folder) of another build'),
      ),
    )
      .option('--json', 'one JSON object per artifact: verdict, checksums, differences per class, hints')
      .option('--md', 'Markdown, for a pull-request comment')
      .option('--budget <duration>', 'stop comparing after this long and report what was found (e.g. 2m)')
      .option('--build-path <dir>', 'a folder the builds ran in (repeatable): its appearances are build-path differences', collect)
      .action(async (a: string, b: string, opts: Record<string, unknown>, cmd: Command) => {
        // `repro` itself takes --json and --md too, and commander gives them to it wherever they stand.
        const globals = cmd.optsWithGlobals();
        for (const k of ['json', 'md', 'record', 'repo', 'commit', 'db', 'hub', 'token', 'config']) opts[k] ??= globals[k];
        const budget = opts.budget ? parseDuration(String(opts.budget), '--budget') : null;
        const vs = await diffArtifacts(a, b, {
          known: { paths: (opts.buildPath as string[] | undefined) ?? [] },
          limits: limitsFrom(opts),
          deadline: budget ? Date.now() + budget : undefined,
        });
        printReport(
          vs.map((v) => withHints(v)),
          opts,
          ctx,
        );
        await recordVerdicts(vs, opts, ctx);
      }),
    'ci-intel repro diff build1/app.tar.gz build2/app.tar.gz',
    'ci-intel repro diff out-a/ out-b/ --md > repro.md',
    'ci-intel repro diff a/hello b/hello --build-path /builds/a --build-path /builds/b --json',
    'ci-intel repro diff build1/app.jar build2/app.jar --record --repo acme/app --commit $GITHUB_SHA',
    'ci-intel repro diff a/ b/ --record --hub https://ci-intel.example.com --token $CI_INTEL_TOKEN',
  );
  examples(
    repro
      .command('normalize')
      .description('Write the deterministic form of an archive: entries sorted, times set to SOURCE_DATE_EPOCH, owner 0:0, modes 0644/0755')
      .argument('<archive>', 'tar, tar.gz/.tgz, tar.xz, tar.zst, zip, jar or wheel')
      .requiredOption('--out <file>', 'where to write the normalised archive')
      .option('--mtime <seconds>', 'time for every entry, seconds since 1970 (default: SOURCE_DATE_EPOCH, else 0)')
      .option('--max-size <size>', 'bytes read from the archive at most (decompression bombs stop here)', '16G')
      .action(async (archive: string, opts: Record<string, unknown>) => {
        const raw = (opts.mtime as string | undefined) ?? ctx.env.SOURCE_DATE_EPOCH ?? '0';
        const mtime = Number(raw);
        if (!Number.isInteger(mtime) || mtime < 0)
          throw new CiError('E_USAGE', `${JSON.stringify(raw)} is not a time in seconds since 1970`, {
            where: opts.mtime !== undefined ? '--mtime' : 'SOURCE_DATE_EPOCH',
            hint: 'e.g. --mtime $(git log -1 --format=%ct)',
          });
        const r = await normalizeArchive(archive, String(opts.out), { mtime, maxBytes: parseSize(String(opts.maxSize), '--max-size') });
        for (const n of r.notes) ctx.err(`note: ${n}\n`);
        ctx.err(`wrote ${String(opts.out)}: ${r.format}, ${r.entries} entries, time ${new Date(mtime * 1000).toISOString()}\n`);
      }),
    'ci-intel repro normalize dist/app.tar.gz --out dist/app.normalized.tar.gz',
    'SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) ci-intel repro normalize app.jar --out app.jar',
  );
}
