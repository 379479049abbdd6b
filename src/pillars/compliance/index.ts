// Compliance as code (seed 000 pillar 7; issue 17): GitHub Actions and GitLab CI security rules,
// dependency licences, and merge gates; in the hub, each commit's check recorded as violations
// opened and fixed, a Compliance page, and open violations in release readiness.
import { payloadSchemas } from '../../core/contract/payload.js';
import { definePillar } from '../../core/registry.js';
import { complianceCommands } from './commands.js';
import { complianceConfigSection } from './config.js';
import { seedComplianceDemo, synthCompliance } from './demo.js';
import { complianceGates } from './gates.js';
import { complianceRoutes, findingContract } from './routes.js';
import { migrations } from './tables.js';

export const compliancePillar = definePillar({
  id: 'compliance',
  config: complianceConfigSection,
  migrations,
  commands: (program, ctx) => complianceCommands(program, ctx),
  gates: complianceGates,
  routes: complianceRoutes,
  synth: synthCompliance,
  seedDemo: seedComplianceDemo,
  pages: [{ id: 'compliance', title: 'Compliance', order: 75 }],
  schemas: payloadSchemas('compliance pillar (src/pillars/compliance)', [
    {
      ...findingContract,
      note: 'one NDJSON line of a commit’s check as policy check --record --hub uploads it (POST /api/v1/repos/:owner/:repo/policy-violations)',
    },
  ]),
});
