// Data you can trust: the compat view pipeline_runs_all over v1.1 and v1.2 runs, the seed's
// contract tests and the configured data-quality gates after every load, the backfill of
// historical runs, and ingest freshness per source.
import { definePillar } from '../../core/registry.js';
import { checkAfterLoad } from './checks.js';
import { dataQualityCommands } from './commands.js';
import { dataQualityConfigSection } from './config.js';
import { migrations } from './tables.js';

export const dataQualityPillar = definePillar({
  id: 'data-quality',
  config: dataQualityConfigSection,
  migrations,
  commands: dataQualityCommands,
  afterLoad: checkAfterLoad,
});
