// The pillar registry: a new pillar is a new folder plus one line here (DESIGN.md "Layout").
// Order matters only for migrations (each pillar's own ids) and the dashboard's default order.
import type { Pillar } from '../core/registry.js';
import { autopsy } from './autopsy/index.js';
import { cachePillar } from './cache/index.js';
import { chaosPillar } from './chaos/index.js';
import { compliancePillar } from './compliance/index.js';
import { deliveryPillar } from './delivery/index.js';
import { datalabPillar } from './datalab/index.js';
import { dataQualityPillar } from './data-quality/index.js';
import { replayPillar } from './replay/index.js';
import { determinismPillar } from './determinism/index.js';
import { metricsPillar } from './metrics/index.js';
import { mutationPillar } from './mutation/index.js';
import { sourcesPillar } from './sources/index.js';
import { sqlPillar } from './sql/index.js';
import { testsPillar } from './test-reports/index.js';
import { schedulerPillar } from './scheduler/index.js';
import { supplyChainPillar } from './supply-chain/index.js';
import { tracesPillar } from './traces/index.js';
import { scoreboardPillar } from './scoreboard/index.js';
import { parseReportCases } from './test-reports/parsers/index.js';

// The scheduler reads test reports with the tests pillar's parsers, handed over here (a pillar never imports another's files).
export const pillars: Pillar[] = [
  sourcesPillar,
  cachePillar,
  autopsy,
  testsPillar,
  metricsPillar,
  mutationPillar,
  compliancePillar,
  schedulerPillar({ readCases: (file) => parseReportCases(file) }),
  deliveryPillar,
  supplyChainPillar,
  datalabPillar,
  replayPillar,
  determinismPillar,
  chaosPillar,
  tracesPillar,
  scoreboardPillar,
  dataQualityPillar,
  // Last: its views read the other pillars' tables.
  sqlPillar,
];
