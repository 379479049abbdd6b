// Every pillar's configuration section, importable without the pillars themselves (the light CLI,
// the bundled Action): ci-intel.yml is validated whole wherever it is read. A test checks this list
// against the full registry.
import { autopsyConfigSection } from '../pillars/autopsy/config.js';
import { cacheConfigSection } from '../pillars/cache/config.js';
import { complianceConfigSection } from '../pillars/compliance/config.js';
import { deliveryConfigSection } from '../pillars/delivery/config.js';
import { datalabConfigSection } from '../pillars/datalab/config.js';
import { dataQualityConfigSection } from '../pillars/data-quality/config.js';
import { metricsConfigSection } from '../pillars/metrics/config.js';
import { mutationSection } from '../pillars/mutation/config.js';
import { chatopsConfigSection } from '../pillars/sources/config.js';
import { schedulerConfigSection } from '../pillars/scheduler/config.js';
import { testsConfigSection } from '../pillars/test-reports/config.js';
import { tracesConfigSection } from '../pillars/traces/config.js';
import { scoreboardConfigSection } from '../pillars/scoreboard/config.js';
import { sqlConfigSection } from '../pillars/sql/config.js';

export const CONFIG_SECTIONS = [
  autopsyConfigSection,
  cacheConfigSection,
  metricsConfigSection,
  mutationSection,
  chatopsConfigSection,
  testsConfigSection,
  complianceConfigSection,
  schedulerConfigSection,
  deliveryConfigSection,
  datalabConfigSection,
  tracesConfigSection,
  scoreboardConfigSection,
  dataQualityConfigSection,
  sqlConfigSection,
];
