// The scoreboard (opt-in per team): points per team and person for outcomes read from the store —
// red builds fixed fast, flaky tests fixed, resilience and coverage raised, minutes and CO2e saved —
// under anti-gaming rules (README); weekly leaderboard, static export, achievement badges.
import { payloadSchemas } from '../../core/contract/payload.js';
import { definePillar } from '../../core/registry.js';
import { scoreboardBadges } from './badges.js';
import { scoreboardCommands } from './commands.js';
import { scoreboardConfigSection } from './config.js';
import { seedScoreboardDemo, synthScoreboard } from './demo.js';
import { commitAuthorsBody, scoreboardRoutes } from './routes.js';
import { migrations } from './tables.js';

export const scoreboardPillar = definePillar({
  id: 'scoreboard',
  config: scoreboardConfigSection,
  migrations,
  routes: scoreboardRoutes,
  commands: scoreboardCommands,
  badges: scoreboardBadges,
  pages: [{ id: 'scoreboard', title: 'Scoreboard', order: 90 }],
  synth: synthScoreboard,
  seedDemo: seedScoreboardDemo,
  schemas: payloadSchemas('scoreboard pillar (src/pillars/scoreboard)', [
    {
      subject: 'scoreboard_commits_upload',
      version: '1.0.0',
      schema: commitAuthorsBody,
      note: 'commit authors and reverts (POST /api/v1/scoreboard/commits; the route validates its body with this schema)',
    },
  ]),
});
