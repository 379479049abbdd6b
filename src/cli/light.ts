// A CLI run loads only what its command needs. The agent commands run in every pipeline
// (`ci-intel autopsy LOG` when CI goes red, `ci-intel tests parse|flaky|coverage`), and loading every
// pillar (store, server, Prometheus, ...) cost ~0.8 s before any work. For those commands the
// program is built from their pillar's commands plus every pillar's configuration section
// (ci-intel.yml is still validated whole); a subcommand that opens a store gets the full registry
// (`hubPillars`), so the store always runs every pillar's migrations. Other commands load the full
// registry up front. A light program has no core commands (runCli's `core: false`).
//
// Two runs load less still, as they run in every pipeline and read no configuration: `--version`
// (no commands at all) and `tests split` (the split command alone under `tests`, without the tests
// pillar's other commands or any configuration section: 50k-test splits must start in well under a
// second, docs/notes/issue-19.md). The configuration sections load only for the other light runs.
import type { Command } from 'commander';
import type { CliContext, Pillar } from '../core/registry.js';

type Commands = (program: Command, ctx: CliContext) => void;

/** Every pillar's configuration section (module loaded on demand: its schemas cost ~0.5 s to load). */
const configSections = async () => (await import('./config-sections.js')).CONFIG_SECTIONS;

/** `tests split` alone: the scheduler's split under a bare `tests` command (only `split` is reachable through it). */
async function splitOnly(): Promise<Pillar[]> {
  const [{ splitCommand }, { parseReportCases }] = await Promise.all([
    import('../pillars/scheduler/cli-split.js'),
    import('../pillars/test-reports/parsers/index.js'),
  ]);
  return [{ id: 'tests', commands: (program, ctx) => splitCommand(program.command('tests'), ctx, (file) => parseReportCases(file)) }];
}

/** Top-level commands served light: their commands module, free of the store's and server's imports. */
const LIGHT: Record<string, () => Promise<Commands>> = {
  autopsy: async () => (await import('../pillars/autopsy/commands.js')).autopsyCommands,
  tests: async () => {
    const [{ testsCommands }, { splitCommand }, { parseReportCases }] = await Promise.all([
      import('../pillars/test-reports/commands.js'),
      import('../pillars/scheduler/cli-split.js'),
      import('../pillars/test-reports/parsers/index.js'),
    ]);
    // `tests split` is the scheduler's, under the tests command (src/pillars/scheduler/cli-split.ts).
    return (program, ctx) => {
      testsCommands(program, ctx);
      const tests = program.commands.find((c) => c.name() === 'tests');
      if (tests) splitCommand(tests, ctx, (file) => parseReportCases(file));
    };
  },
  policy: async () => (await import('../pillars/compliance/commands.js')).complianceCommands,
  canary: async () => (await import('../pillars/delivery/commands.js')).deliveryCommands,
  sbom: async () => (await import('../pillars/supply-chain/commands.js')).supplyChainCommands,
  verify: async () => (await import('../pillars/supply-chain/commands.js')).supplyChainCommands,
  datalab: async () => (await import('../pillars/datalab/commands.js')).datalabCommands,
  repro: async () => (await import('../pillars/determinism/commands.js')).determinismCommands,
};

/** The pillars to build the program from for these arguments, or null for the full registry. */
export async function lightPillars(argv: readonly string[]): Promise<Pillar[] | null> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) return [];
  if (argv[0] === 'tests' && argv[1] === 'split') return splitOnly();
  const load = Object.hasOwn(LIGHT, argv[0] ?? '') ? LIGHT[argv[0]!] : undefined;
  if (!load) return null;
  const id = argv[0]!;
  const [commands, sections] = await Promise.all([load(), configSections()]);
  return [{ id, commands, config: sections.find((s) => s.key === id) }, ...sections.filter((s) => s.key !== id).map((config) => ({ id: config.key, config }))];
}

/** The full registry (what a store is opened with). */
export const fullPillars = async (): Promise<Pillar[]> => (await import('../pillars/index.js')).pillars;
