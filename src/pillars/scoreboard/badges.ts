// Achievement badges through the hub's badge endpoint: /badge/OWNER/REPO/scoreboard.svg (the
// repository's team: rank and points this week) and one per category,
// /badge/OWNER/REPO/scoreboard-<category>.svg ("3 this week": how many awards the repository earned
// in it). Grey when the repository is in no team taking part.
import type { BadgeDef } from '../../core/badge.js';
import type { HubContext } from '../../core/registry.js';
import { CATEGORIES, CATEGORY_TITLES } from './formula.js';
import type { Board } from './score.js';
import { scoreboard, takesPart } from './store.js';
import { weekOf } from './week.js';

const pts = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

async function boardOf(ctx: HubContext, repo: string): Promise<Board | null> {
  // Only the repository's own outcomes and teams: the badge is public where the repository is.
  if (!(await takesPart(ctx, repo))) return null;
  return scoreboard(ctx, weekOf(ctx.now()), [`^${repo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`]);
}

export const scoreboardBadges: BadgeDef[] = [
  {
    metric: 'scoreboard',
    label: 'scoreboard',
    read: async (ctx, repo) => {
      const b = await boardOf(ctx, repo);
      const points = b?.awards.filter((a) => a.repo === repo).reduce((s, a) => s + a.points, 0) ?? null;
      if (points === null) return null;
      return { text: `${pts(Math.round(points * 10) / 10)} pts this week`, colour: points > 0 ? 'green' : 'grey' };
    },
  },
  ...CATEGORIES.map((c): BadgeDef => ({
    metric: `scoreboard-${c.replace('_', '-')}`,
    label: CATEGORY_TITLES[c],
    read: async (ctx, repo) => {
      const b = await boardOf(ctx, repo);
      if (!b) return null;
      const n = b.awards.filter((a) => a.repo === repo && a.category === c && a.points > 0).length;
      return { text: `${n} this week`, colour: n > 0 ? 'green' : 'grey' };
    },
  })),
];
