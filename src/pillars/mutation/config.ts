// The `mutation:` section of ci-intel.yml (seed 000 "Sample configs"), declared as the pillar's
// config so the file is still validated against one schema.
import type { ConfigSection } from '../../core/config.js';
import { CiError } from '../../core/errors.js';
import type { Thresholds } from './score.js';
import { DEFAULT_CONTROL, type ControlParams } from './trend.js';

export interface MutationConfig {
  lang: string;
  /** Files to mutate (StrykerJS `mutate` globs); empty = StrykerJS's defaults. */
  include: string[];
  /** Test files (never mutated). */
  tests: string[];
  /** `mutation run` without --since/--full runs diff-only against main_branch. */
  diff_only: boolean;
  thresholds: Thresholds;
  main_branch: string;
  /** EWMA control chart parameters (trend.ts). */
  control: { lambda: number; L: number; min_history: number };
  /** Churn window for hotspots, in days. */
  churn_days: number;
  suppressions: string;
}

export const mutationSection: ConfigSection = {
  key: 'mutation',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      lang: { type: 'string', default: 'auto' },
      include: { type: 'array', items: { type: 'string' }, default: [] },
      tests: { type: 'array', items: { type: 'string' }, default: [] },
      diff_only: { type: 'boolean', default: false },
      thresholds: {
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          score_warn: { type: 'number', minimum: 0, maximum: 1, default: 0.7 },
          score_fail: { type: 'number', minimum: 0, maximum: 1, default: 0.6 },
        },
      },
      main_branch: { type: 'string', minLength: 1, default: 'main' },
      control: {
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          lambda: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: DEFAULT_CONTROL.lambda },
          L: { type: 'number', exclusiveMinimum: 0, default: DEFAULT_CONTROL.L },
          min_history: { type: 'integer', minimum: 2, default: DEFAULT_CONTROL.minHistory },
        },
      },
      churn_days: { type: 'integer', minimum: 1, default: 90 },
      suppressions: { type: 'string', minLength: 1, default: '.ci-intel/mutation-suppressions.yml' },
    },
  },
};

/** The section as loaded (defaults filled by the config loader), with cross-field checks. */
export function mutationConfig(pillars: Record<string, Record<string, unknown>>): MutationConfig {
  const raw = (pillars.mutation ?? {}) as Partial<MutationConfig>;
  const c: MutationConfig = {
    lang: raw.lang ?? 'auto',
    include: raw.include ?? [],
    tests: raw.tests ?? [],
    diff_only: raw.diff_only ?? false,
    thresholds: { score_warn: raw.thresholds?.score_warn ?? 0.7, score_fail: raw.thresholds?.score_fail ?? 0.6 },
    main_branch: raw.main_branch ?? 'main',
    control: {
      lambda: raw.control?.lambda ?? DEFAULT_CONTROL.lambda,
      L: raw.control?.L ?? DEFAULT_CONTROL.L,
      min_history: raw.control?.min_history ?? DEFAULT_CONTROL.minHistory,
    },
    churn_days: raw.churn_days ?? 90,
    suppressions: raw.suppressions ?? '.ci-intel/mutation-suppressions.yml',
  };
  if (c.thresholds.score_fail > c.thresholds.score_warn) {
    throw new CiError('E_CONFIG_INVALID', `mutation.thresholds.score_fail (${c.thresholds.score_fail}) is above score_warn (${c.thresholds.score_warn})`, {
      where: 'ci-intel.yml: /mutation/thresholds',
      hint: 'score_fail must not exceed score_warn (seed sample: warn 0.7, fail 0.6)',
    });
  }
  return c;
}

export function controlParams(c: MutationConfig): ControlParams {
  return { lambda: c.control.lambda, L: c.control.L, minHistory: c.control.min_history, window: DEFAULT_CONTROL.window };
}
