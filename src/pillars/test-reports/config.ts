// The pillar's ci-intel.yml section (`tests:`). Defaults follow seed 001 "Retry and Flake Handling":
// flake budgets unit 0, integration (envtest) 0.05 %, e2e 0.5 %; quarantine after 2+ flaky failures
// in the last 100 runs. Suite types are assigned by globs over a test's id, file, suite or classname.
import type { ConfigSection } from '../../core/config.js';

export interface TestsConfig {
  suite_types: Record<string, string[]>;
  default_suite_type: string;
  flake_budgets: Record<string, number>;
  /** The rolling window of the flake index (seed 000: 30 days). */
  flake_window_days: number;
  quarantine: {
    min_flaky_failures: number;
    window_runs: number;
    release_after_clean_runs: number;
    expiry_days: number;
  };
}

export const DEFAULT_BUDGETS: Record<string, number> = { unit: 0, integration: 0.0005, e2e: 0.005 };

export const testsConfigSection: ConfigSection = {
  key: 'tests',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      suite_types: {
        type: 'object',
        additionalProperties: { type: 'array', items: { type: 'string', minLength: 1 } },
        default: {},
      },
      default_suite_type: { type: 'string', minLength: 1, default: 'unit' },
      flake_budgets: {
        type: 'object',
        additionalProperties: { type: 'number', minimum: 0, maximum: 1 },
        default: DEFAULT_BUDGETS,
      },
      flake_window_days: { type: 'integer', minimum: 1, maximum: 400, default: 30 },
      quarantine: {
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          min_flaky_failures: { type: 'integer', minimum: 1, default: 2 },
          window_runs: { type: 'integer', minimum: 1, default: 100 },
          release_after_clean_runs: { type: 'integer', minimum: 1, default: 30 },
          expiry_days: { type: 'integer', minimum: 1, default: 30 },
        },
      },
    },
  },
};

export function testsConfig(pillars: Record<string, Record<string, unknown>> | undefined): TestsConfig {
  const c = (pillars?.tests ?? {}) as Partial<TestsConfig>;
  const q = (c.quarantine ?? {}) as Partial<TestsConfig['quarantine']>;
  return {
    suite_types: c.suite_types ?? {},
    default_suite_type: c.default_suite_type ?? 'unit',
    flake_budgets: c.flake_budgets ?? DEFAULT_BUDGETS,
    flake_window_days: c.flake_window_days ?? 30,
    quarantine: {
      min_flaky_failures: q.min_flaky_failures ?? 2,
      window_runs: q.window_runs ?? 100,
      release_after_clean_runs: q.release_after_clean_runs ?? 30,
      expiry_days: q.expiry_days ?? 30,
    },
  };
}
