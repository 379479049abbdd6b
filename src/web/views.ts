// The designed views of the bundled pillars' pages (each pillar's `web/` folder), by page id. A page
// a pillar declares without a view here shows its panels, rendered generically. A pillar that
// designs a page exports its views from its web/index.ts and adds one line here (like
// src/pillars/index.ts for the pillars themselves).
import type { PageView } from '../core/web/index.js';
import { metricsViews } from '../pillars/metrics/web/index.js';
import { testsViews } from '../pillars/test-reports/web/index.js';
import { mutationViews } from '../pillars/mutation/web/index.js';
import { cacheViews } from '../pillars/cache/web/index.js';
import { schedulerViews } from '../pillars/scheduler/web/index.js';
import { complianceViews } from '../pillars/compliance/web/index.js';
import { replayViews } from '../pillars/replay/web/index.js';
import { scoreboardViews } from '../pillars/scoreboard/web/index.js';
import { chaosViews } from '../pillars/chaos/web/index.js';
import { sqlViews } from '../pillars/sql/web/index.js';
import { tracesViews } from '../pillars/traces/web/index.js';
import { determinismViews } from '../pillars/determinism/web/index.js';

function assemble(...sets: Array<Record<string, PageView>>): Record<string, PageView> {
  const out: Record<string, PageView> = {};
  for (const set of sets) {
    for (const [id, view] of Object.entries(set)) {
      if (out[id]) throw new Error(`two views for the dashboard page ${id}`);
      out[id] = view;
    }
  }
  return out;
}

export const views = assemble(
  metricsViews,
  testsViews,
  mutationViews,
  cacheViews,
  schedulerViews,
  complianceViews,
  replayViews,
  chaosViews,
  scoreboardViews,
  sqlViews,
  tracesViews,
  determinismViews,
);
