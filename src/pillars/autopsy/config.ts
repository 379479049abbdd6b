// The `autopsy:` section of ci-intel.yml. Its own module, free of the hub's imports, so the CLI can
// validate configuration without loading the store (src/cli/light.ts).
import { Type, type Static } from 'typebox';
import { configSection, setting } from '../../core/config.js';

export const autopsyConfigSection = configSection(
  'autopsy',
  Type.Object(
    {
      rules: Type.Array(Type.String(), setting({ default: [], description: 'Folders of your own rule packs (YAML, RE2 regular expressions).' })),
      checkRuns: Type.Boolean(
        setting({
          default: false,
          description:
            'The hub posts a check run "ci-intel autopsy" with the root causes on the commit of each GitHub run whose logs it analysed (GitHub App or github.token; checks: write).',
          env: 'CI_INTEL_CHECK_RUNS',
        }),
      ),
      github: Type.Optional(
        Type.Object(
          {
            repo: Type.String({ pattern: '^[\\w.-]+/[\\w.-]+$', description: 'owner/name of the repository issues are opened in.' }),
            apiUrl: Type.Optional(Type.String({ description: 'GitHub API URL (default: github.apiUrl).' })),
          },
          { additionalProperties: false, description: 'Open (or comment on) a GitHub issue per failure signature of a failed job; the token is github.token.' },
        ),
      ),
    },
    { additionalProperties: false },
  ),
);

export type AutopsyConfig = Static<typeof autopsyConfigSection.schema>;
