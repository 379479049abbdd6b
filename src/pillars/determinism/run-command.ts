// `ci-intel repro [options] -- BUILD COMMAND`: builds twice (or N times) in copies of the work tree
// under varied conditions and reports, per artifact, whether the builds agree and why not.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { collect, examples, numberOption } from '../../core/cli.js';
import { parseDuration } from '../../core/duration.js';
import { CiError } from '../../core/errors.js';
import type { RecordOpts } from '../../core/record.js';
import type { CliContext } from '../../core/registry.js';
import { ecosystemOfTree } from './hints.js';
import { renderMarkdown, renderText, withHints } from './render.js';
import type { ArtifactVerdict } from './model.js';
import { dualRun, type DualRunReport } from './run/dual.js';
import { parseVary, VARIATIONS } from './run/variations.js';

function renderRunText(r: DualRunReport, verdictText: string): string {
  const lines = [`build: ${r.command.join(' ')}`, 'variations:'];
  for (const v of r.variations) lines.push(`  ${v.variation.padEnd(10)} ${v.applied.padEnd(24)} ${v.how}`);
  for (const b of r.runs) lines.push(`build ${b.run}: exit ${b.exitCode ?? 'killed'}, ${b.seconds} s, ${b.artifacts} artifact${b.artifacts === 1 ? '' : 's'}`);
  if (r.stopped) lines.push(`stopped: ${r.stopped}`);
  return `${lines.join('\n')}\n${r.verdicts.length ? verdictText : ''}`;
}

export function reproCommand(
  program: Command,
  ctx: CliContext,
  recordOptions: (cmd: Command) => Command,
  record: (vs: ArtifactVerdict[], opts: RecordOpts, ctx: CliContext) => Promise<void>,
): Command {
  return examples(
    recordOptions(
      program
        .command('repro')
        .description(
          'Reproducible builds: build twice in copies of the work tree under varied conditions and compare every artifact (exit 1 when one differs); compare two builds (diff); normalise archives (normalize)',
        )
        .argument('[build...]', 'the build command, after --')
        .option('--artifacts <glob>', 'artifacts to compare, relative to the work tree (repeatable; default: every file the build created or changed)', collect)
        .option('--vary <list>', `conditions to vary, comma-separated: ${VARIATIONS.join(',')} (default: all)`)
        .option('--runs <n>', 'builds in all: the first is the control, each other is compared with it', '2')
        .option('--budget <duration>', 'time for building and comparing; when it runs out the build is stopped and the report is partial', '10m')
        .option('-C, --dir <folder>', 'the work tree to copy and build', '.')
        .option('--json', 'one JSON object: variations applied, builds, verdicts per artifact with differences and fixes')
        .option('--md', 'Markdown, for a pull-request comment'),
    ).action(async (build: string[], opts: Record<string, unknown>) => {
      if (!build.length) throw new CiError('E_USAGE', 'no build command given', { where: 'repro', hint: 'put it after --, e.g. ci-intel repro -- make dist' });
      const runs = numberOption('--runs', opts.runs, { min: 2, max: 10, integer: true })!;
      const dir = path.resolve(String(opts.dir));
      let files: string[];
      try {
        files = readdirSync(dir);
      } catch (e) {
        throw new CiError('E_INPUT_UNREADABLE', `cannot read the work tree: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
          where: dir,
          hint: 'pass the folder to build with -C',
        });
      }
      const r = await dualRun({
        cwd: dir,
        command: build,
        vary: parseVary(opts.vary as string | undefined),
        runs,
        budgetMs: parseDuration(String(opts.budget), '--budget', { allowNone: true }) ?? undefined,
        artifacts: (opts.artifacts as string[] | undefined) ?? [],
        env: ctx.env,
        log: ctx.err,
      });
      const eco = ecosystemOfTree(files);
      const verdicts = r.verdicts.map((v) => withHints(v, eco));
      if (opts.json) ctx.out(JSON.stringify({ ...r, verdicts }) + '\n');
      else if (opts.md) ctx.out(renderMarkdown(verdicts) + (r.stopped ? `\n> stopped: ${r.stopped}\n` : ''));
      else ctx.out(renderRunText(r, renderText(verdicts)));
      for (const b of r.runs) if (b.tail) ctx.err(`build ${b.run} output (end):\n${b.tail}\n`);
      const failed = r.runs.some((b) => b.exitCode !== 0 && b.exitCode !== null);
      await record(r.verdicts, opts, ctx);
      process.exitCode = failed ? 2 : r.stopped || verdicts.some((v) => v.verdict !== 'reproducible') ? 1 : 0;
    }),
    'ci-intel repro -- make dist',
    'ci-intel repro --artifacts "dist/*.tgz" --vary time,tz,umask,path -- npm pack --pack-destination dist',
    'ci-intel repro --runs 3 --budget 20m --md -- ./build.sh > repro.md',
    'ci-intel repro --record --hub https://ci-intel.example.com --token $CI_INTEL_TOKEN -- make dist',
  );
}
