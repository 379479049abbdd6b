// Supply chain (seed 000's SLSA path and SBOM diff gate; issue 18): SBOMs read into one component
// model, and the diff gate on the vulnerabilities a change brings in, cleared only by VEX; static
// analysis results of several scanners (SARIF) deduplicated and gated on newly introduced issues.
import { payloadSchemas } from '../../core/contract/payload.js';
import { schemaSet } from '../../core/contract/registry.js';
import { definePillar } from '../../core/registry.js';
import { supplyChainCommands } from './commands.js';
import { evidenceCommands } from './evidence/commands.js';
import { evidenceAnalysis, evidenceMigrations, evidenceRoutes } from './evidence/hub.js';
import { evidenceSchemas } from './evidence/schema.js';
import { sarifCommands, sarifGate } from './sarif/commands.js';
import { sarifFindingContract, sarifRoutes, suppressionBody } from './sarif/routes.js';
import { sarifMigrations } from './sarif/tables.js';
import { releaseGate } from './release/gate.js';
import { registerScanMetrics, scanMigrations, scanRoutes, scanUploadContract } from './scans.js';

export const supplyChainPillar = definePillar({
  id: 'supply-chain',
  commands: (program, ctx) => {
    supplyChainCommands(program, ctx);
    evidenceCommands(program, ctx);
    sarifCommands(program, ctx);
  },
  gates: [releaseGate, sarifGate],
  migrations: [...sarifMigrations, ...scanMigrations, ...evidenceMigrations],
  routes: (app, ctx) => {
    sarifRoutes(app, ctx);
    scanRoutes(app, ctx);
    evidenceRoutes(app, ctx);
  },
  // The run's release evidence bundle, when one was uploaded (the run page shows it).
  analyze: evidenceAnalysis,
  metrics: registerScanMetrics,
  schemas: schemaSet([
    evidenceSchemas,
    payloadSchemas('supply-chain pillar (src/pillars/supply-chain)', [
      { ...scanUploadContract, note: "a change's SBOM scan as sbom diff --record --hub uploads it (POST /api/v1/repos/:owner/:repo/sbom-scans)" },
      {
        ...sarifFindingContract,
        note: 'one NDJSON line of static analysis findings as sarif report --record --hub uploads it (POST /api/v1/repos/:owner/:repo/sarif-findings)',
      },
      {
        subject: 'sarif_suppression_request',
        version: '1.0.0',
        schema: suppressionBody,
        note: 'a suppression with its reason (POST /api/v1/repos/:owner/:repo/sarif-suppressions; the route validates its body with this schema)',
      },
    ]),
  ]),
});
