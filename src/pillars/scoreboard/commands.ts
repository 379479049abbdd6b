// `ci-intel scoreboard [--week 2026-W49] [--json|--md]` (from the store, or through a hub with
// --hub) and `ci-intel scoreboard export --out DIR` (a static site for GitHub Pages).
import type { Command } from 'commander';
import { examples, storeOptions } from '../../core/cli.js';
import { CiError } from '../../core/errors.js';
import { hubCall, queryOf, readHubOptions, readTarget } from '../../core/hub-api.js';
import type { CliContext } from '../../core/registry.js';
import { scoreboardConfig } from './config.js';
import { writeSite } from './export.js';
import { legend, renderMarkdown, renderText } from './render.js';
import type { Board } from './score.js';
import { scoreboard } from './store.js';
import { parseWeek, weekOf } from './week.js';

type Answer = Board & { legend: string[] };

async function readBoard(opts: Record<string, unknown>, ctx: CliContext): Promise<Answer> {
  const week = typeof opts.week === 'string' ? parseWeek(opts.week) : weekOf(ctx.now());
  const target = readTarget(opts, ctx);
  if (target) return hubCall<Answer>(target, `/api/v1/scoreboard${queryOf({ week: week.id })}`);
  const hub = await ctx.openHub({ db: opts.db, dataDir: opts.dataDir, config: opts.config });
  try {
    return { ...(await scoreboard(hub, week)), legend: legend(scoreboardConfig(hub.config)) };
  } finally {
    await hub.close();
  }
}

const withOptions = (cmd: Command) =>
  readHubOptions(storeOptions(cmd.option('--week <YYYY-Wnn>', 'the ISO week to score (default: this week), e.g. 2026-W49')));

export function scoreboardCommands(program: Command, ctx: CliContext): void {
  const help = legend(scoreboardConfig({ pillars: {} }))
    .map((l) => `  - ${l}`)
    .join('\n');
  const board = examples(
    withOptions(
      program
        .command('scoreboard')
        .description("The week's scoreboard of the teams that opted in (scoreboard.teams): points for outcomes, ranked")
        .option('--json', 'print the board as one JSON object (every award with its reason)')
        .option('--md', 'print Markdown (for a PR comment or a wiki page)'),
    ),
    'ci-intel scoreboard --week 2026-W49',
    'ci-intel scoreboard --md --hub https://ci-intel.internal --token $CI_INTEL_TOKEN',
  )
    .addHelpText('after', `\nHow points are earned (default settings):\n${help}\n`)
    .action(async (opts: Record<string, unknown>) => {
      if (opts.json && opts.md) throw new CiError('E_USAGE', '--json and --md cannot be combined: choose one output', { where: '--md' });
      const b = await readBoard(opts, ctx);
      ctx.out(opts.json ? `${JSON.stringify(b)}\n` : opts.md ? renderMarkdown(b, b.legend) : renderText(b, b.legend));
    });
  examples(
    withOptions(
      board
        .command('export')
        .description('Write the week as a static site for GitHub Pages: index.html, scoreboard.json, badges/<team>.svg')
        .requiredOption('--out <dir>', 'folder to write (created if missing; files of the same name are replaced)'),
    ),
    'ci-intel scoreboard export --out site',
    'ci-intel scoreboard export --week 2026-W49 --out public --hub https://ci-intel.internal --token $CI_INTEL_TOKEN',
  ).action(async (_opts: Record<string, unknown>, cmd: Command) => {
    // --week, --hub, --db ... written after `export` may be taken by `scoreboard` itself, which has them too.
    const opts = cmd.optsWithGlobals();
    const b = await readBoard(opts, ctx);
    const files = writeSite(String(opts.out), b);
    ctx.out(`week ${b.week}: ${files.length} files written to ${String(opts.out)} (${files.join(', ')})\n`);
  });
}
