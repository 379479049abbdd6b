// The resilience badge: the latest scored main-branch run's resilience, coloured by the same
// thresholds that label changes (scoreWarn) and fail the gate (scoreFail).
import { percentText, thresholdColour, type BadgeDef } from '../../core/badge.js';
import { mutationConfig } from './config.js';
import { latestMain } from './store.js';
import { mdb } from './tables.js';

export const resilienceBadge: BadgeDef = {
  metric: 'resilience',
  label: 'resilience',
  read: async (ctx, repo) => {
    const latest = await latestMain(mdb(ctx), repo);
    if (!latest) return null;
    const t = mutationConfig(ctx.config).thresholds;
    return { text: percentText(latest.score), colour: thresholdColour(latest.score, { green: t.score_warn, yellow: t.score_fail, higherIsBetter: true }) };
  },
};
