// The scoreboard (opt-in per team): points per team and person for outcomes read from the store —
// red builds fixed fast, flaky tests fixed, resilience and coverage raised, minutes and CO2e saved —
// under anti-gaming rules (README); weekly leaderboard, static export, achievement badges.
import { definePillar } from '../../core/registry.js';
import { scoreboardConfigSection } from './config.js';
import { seedScoreboardDemo, synthScoreboard } from './demo.js';
import { migrations } from './tables.js';

export const scoreboardPillar = definePillar({
  id: 'scoreboard',
  config: scoreboardConfigSection,
  migrations,
  synth: synthScoreboard,
  seedDemo: seedScoreboardDemo,
});
