// Compliance as code (seed 000 pillar 7; issue 17): GitHub Actions and GitLab CI security rules,
// dependency licences, and merge gates.
import { definePillar } from '../../core/registry.js';
import { complianceCommands } from './commands.js';
import { complianceConfigSection } from './config.js';
import { complianceGates } from './gates.js';
import { migrations } from './tables.js';

export const compliancePillar = definePillar({
  id: 'compliance',
  config: complianceConfigSection,
  migrations,
  commands: (program, ctx) => complianceCommands(program, ctx),
  gates: complianceGates,
});
