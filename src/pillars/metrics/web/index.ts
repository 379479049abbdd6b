// The metrics pillar's dashboard pages, by the page ids its index.ts declares (`pages`).
import type { PageView } from '../../../core/web/index.js';
import { costPage } from './cost.js';
import { doraPage } from './dora.js';
import { healthPage } from './health.js';
import { overviewPage } from './overview.js';
import { readinessPage } from './readiness.js';
import { scorecardPage } from './scorecard.js';

export const metricsViews: Record<string, PageView> = {
  overview: overviewPage,
  health: healthPage,
  dora: doraPage,
  readiness: readinessPage,
  cost: costPage,
  scorecard: scorecardPage,
};
