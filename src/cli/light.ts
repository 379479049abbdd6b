// A CLI run loads only what its command needs. `ci-intel autopsy LOG` is the command a developer
// runs when CI goes red, and loading every pillar (store, server, Prometheus, ...) cost ~0.8 s of a
// ~1.2 s run on a small log. For the offline autopsy commands the program is built from the autopsy
// pillar's commands plus every pillar's configuration section (ci-intel.yml is still validated
// whole); any other command, or `autopsy reclassify` (it opens the store with every pillar's
// migrations), loads the full registry.
import type { Pillar } from '../core/registry.js';
import { configSection as autopsyConfig } from '../pillars/autopsy/config.js';
import { cacheConfigSection } from '../pillars/cache/settings.js';
import { metricsConfigSection } from '../pillars/metrics/config.js';
import { mutationSection } from '../pillars/mutation/config.js';
import { testsConfigSection } from '../pillars/tests/config.js';

/** Every pillar's configuration section (a test checks it against the full registry). */
export const CONFIG_SECTIONS = [autopsyConfig, cacheConfigSection, metricsConfigSection, mutationSection, testsConfigSection];

/** Autopsy subcommands that open the hub's store: they need the full registry. */
const NEEDS_STORE = new Set(['reclassify']);

/** The pillars to build the program from for these arguments, or null for the full registry. */
export async function lightPillars(argv: readonly string[]): Promise<Pillar[] | null> {
  if (argv[0] !== 'autopsy' || NEEDS_STORE.has(argv[1] ?? '')) return null;
  const { autopsyCommands } = await import('../pillars/autopsy/commands.js');
  return [
    { id: 'autopsy', config: autopsyConfig, commands: autopsyCommands },
    ...CONFIG_SECTIONS.filter((s) => s !== autopsyConfig).map((config) => ({ id: config.key, config })),
  ];
}
