// The readiness badge: the release readiness score of the repository's default branch (the same
// computation as `ci-intel metrics readiness` and the gate), coloured by its bands: excellent and
// good green, fair yellow, poor red.
import type { BadgeDef } from '../../core/badge.js';
import { metricsConfig } from './config.js';
import { readinessFor } from './readiness.js';
import { metricsDb } from './refresh.js';

export const readinessBadge: BadgeDef = {
  metric: 'readiness',
  label: 'readiness',
  read: async (ctx, repo) => {
    const r = await readinessFor(metricsDb(ctx), repo, null, metricsConfig(ctx.config));
    if (r.score === null || r.band === null) return null;
    const colour = r.band === 'poor' ? 'red' : r.band === 'fair' ? 'yellow' : 'green';
    // Renormalized over the components with data; "partial" says some were missing.
    return { text: `${Math.round(r.score)}/100${r.complete ? '' : ' partial'}`, colour };
  },
};
