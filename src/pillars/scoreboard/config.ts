// The `scoreboard:` section of ci-intel.yml. The scoreboard is opt-in per team: only the teams
// named here (teams of `auth.teams` or of the admin API) are scored, and only their repositories.
import { Type, type Static } from 'typebox';
import { configSection, sectionOf, setting, type Config } from '../../core/config.js';

const scoreboardSchema = Type.Object(
  {
    teams: Type.Array(
      Type.String({ minLength: 1 }),
      setting({
        default: [],
        description: 'Teams that take part (names from auth.teams or the teams API; "*" for every team). Empty: no scoreboard.',
        env: 'CI_INTEL_SCOREBOARD_TEAMS',
      }),
    ),
    defaultBranches: Type.Array(
      Type.String({ minLength: 1 }),
      setting({ default: ['main', 'master', 'trunk'], description: 'Branches whose runs are scored (red builds, flaky tests, coverage, savings).' }),
    ),
    dailyCap: Type.Number(
      setting({ minimum: 1, default: 25, description: "Most points one person earns on one day (UTC); a repository's savings are capped at this per week." }),
    ),
    fixWindowHours: Type.Number(setting({ minimum: 1, default: 24, description: 'A red default branch turned green after this many hours earns nothing.' })),
    stableRuns: Type.Integer(
      setting({ minimum: 1, default: 10, description: 'Clean runs in a row after its last flaky result before a flaky test counts as fixed.' }),
    ),
    trailingWeeks: Type.Integer(
      setting({ minimum: 1, maximum: 26, default: 4, description: 'Weeks before the scored one whose median run is the baseline for minutes and CO2e saved.' }),
    ),
  },
  { additionalProperties: false },
);

export const scoreboardConfigSection = configSection('scoreboard', scoreboardSchema);
export type ScoreboardConfig = Static<typeof scoreboardSchema>;
export const scoreboardConfig = (config: Pick<Config, 'pillars'>): ScoreboardConfig => sectionOf(config, scoreboardConfigSection);
