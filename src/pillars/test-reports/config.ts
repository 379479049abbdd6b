// The pillar's ci-intel.yml section (`tests:`). Defaults follow seed 001 "Retry and Flake Handling":
// flake budgets unit 0, integration (envtest) 0.05 %, e2e 0.5 %, all together 0.1 % of runs;
// quarantine after 2+ failing runs in the last 100 runs of the default branch. Suite types are assigned by globs over a test's id, file, suite or classname.
import { Type, type Static } from 'typebox';
import { configSection, sectionOf, setting, type Config } from '../../core/config.js';

export const DEFAULT_BUDGETS: Record<string, number> = { unit: 0, integration: 0.0005, e2e: 0.005 };

export const testsConfigSection = configSection(
  'tests',
  Type.Object(
    {
      suiteTypes: Type.Record(
        Type.String(),
        Type.Array(Type.String({ minLength: 1 })),
        setting({ default: {}, description: "Suite types by globs over a test's id, file, suite or class, e.g. e2e: ['tests/e2e/**']." }),
      ),
      defaultSuiteType: Type.String(setting({ minLength: 1, default: 'unit', description: 'The suite type of a test no glob matches.' })),
      flakeBudgets: Type.Record(
        Type.String(),
        Type.Number({ minimum: 0, maximum: 1 }),
        setting({ default: DEFAULT_BUDGETS, description: 'Largest flake rate each suite type may have (0..1) before the flake gate fails.' }),
      ),
      flakeBudgetOverall: Type.Number(
        setting({
          minimum: 0,
          maximum: 1,
          default: 0.001,
          description: 'Largest share of runs (0..1) with a flaky failure, all suite types together, before the flake gate fails.',
        }),
      ),
      flakeWindowDays: Type.Integer(setting({ minimum: 1, maximum: 400, default: 30, description: 'Days the flake index looks back.' })),
      quarantine: Type.Object(
        {
          minFlakyFailures: Type.Integer(
            setting({
              minimum: 1,
              default: 2,
              description: 'Runs with a failure of the test (flaky or broken alike) within the window that quarantine it (the name is historical).',
            }),
          ),
          branches: Type.Array(
            Type.String({ minLength: 1 }),
            setting({ default: ['main', 'master', 'trunk'], description: 'The default branch names: only their runs count towards quarantine.' }),
          ),
          windowRuns: Type.Integer(setting({ minimum: 1, default: 100, description: 'Runs the quarantine rule looks back over.' })),
          releaseAfterCleanRuns: Type.Integer(setting({ minimum: 1, default: 30, description: 'Clean runs in a row that release a quarantined test.' })),
          expiryDays: Type.Integer(setting({ minimum: 1, default: 30, description: 'Days after which a quarantine expires.' })),
        },
        { additionalProperties: false, default: {}, description: 'When a flaky test is quarantined and released.' },
      ),
    },
    { additionalProperties: false },
  ),
);

export type TestsConfig = Static<typeof testsConfigSection.schema>;

export function testsConfig(config: Pick<Config, 'pillars'>): TestsConfig {
  return sectionOf(config, testsConfigSection);
}
