// The `mutation:` section of ci-intel.yml (seed 000 "Sample configs"), declared as the pillar's
// config so the file is still validated against one schema.
import { Type, type Static } from 'typebox';
import { configSection, sectionOf, setting, type Config } from '../../core/config.js';
import { CiError } from '../../core/errors.js';
import type { Thresholds } from './score.js';
import { DEFAULT_CONTROL, type ControlParams } from './trend.js';

const mutationSchema = Type.Object(
  {
    lang: Type.String(setting({ default: 'auto', description: 'Language of the code to mutate (auto: from the files).' })),
    include: Type.Array(Type.String(), setting({ default: [], description: "Files to mutate (StrykerJS mutate globs); empty: StrykerJS's defaults." })),
    tests: Type.Array(Type.String(), setting({ default: [], description: 'Test files (never mutated).' })),
    diffOnly: Type.Boolean(setting({ default: false, description: '`mutation run` without --since or --full mutates only what changed against mainBranch.' })),
    thresholds: Type.Object(
      {
        scoreWarn: Type.Number(
          setting({ minimum: 0, maximum: 1, default: 0.7, description: 'Below this resilience a change is labelled weak-tests (a warning).' }),
        ),
        scoreFail: Type.Number(setting({ minimum: 0, maximum: 1, default: 0.6, description: 'Below this resilience the mutation gate fails.' })),
      },
      { additionalProperties: false, default: {}, description: 'Resilience thresholds.' },
    ),
    mainBranch: Type.String(setting({ minLength: 1, default: 'main', description: 'The branch changes are compared against.' })),
    control: Type.Object(
      {
        lambda: Type.Number(
          setting({ exclusiveMinimum: 0, maximum: 1, default: DEFAULT_CONTROL.lambda, description: 'EWMA smoothing of the resilience trend.' }),
        ),
        L: Type.Number(setting({ exclusiveMinimum: 0, default: DEFAULT_CONTROL.L, description: 'Width of the control limits, in standard deviations.' })),
        minHistory: Type.Integer(setting({ minimum: 2, default: DEFAULT_CONTROL.minHistory, description: 'Scores needed before the trend raises alarms.' })),
      },
      { additionalProperties: false, default: {}, description: 'The control chart over resilience scores.' },
    ),
    churnDays: Type.Integer(setting({ minimum: 1, default: 90, description: 'Days of git history hotspots weigh churn over.' })),
    suppressions: Type.String(
      setting({ minLength: 1, default: '.ci-intel/mutation-suppressions.yml', description: 'File of suppressed (equivalent) mutants.' }),
    ),
  },
  { additionalProperties: false },
);

export const mutationSection = configSection('mutation', mutationSchema);

/** The section as loaded, its thresholds in the shape reports carry, checked across fields. */
export type MutationConfig = Omit<Static<typeof mutationSchema>, 'thresholds'> & { thresholds: Thresholds };

export function mutationConfig(config: Pick<Config, 'pillars'>): MutationConfig {
  const s = sectionOf(config, mutationSection);
  const c: MutationConfig = { ...s, thresholds: { score_warn: s.thresholds.scoreWarn, score_fail: s.thresholds.scoreFail } };
  if (c.thresholds.score_fail > c.thresholds.score_warn) {
    throw new CiError('E_CONFIG_INVALID', `mutation.thresholds.scoreFail (${c.thresholds.score_fail}) is above scoreWarn (${c.thresholds.score_warn})`, {
      where: 'ci-intel.yml: /mutation/thresholds',
      hint: 'scoreFail must not exceed scoreWarn (e.g. warn 0.7, fail 0.6)',
    });
  }
  return c;
}

export function controlParams(c: MutationConfig): ControlParams {
  return { lambda: c.control.lambda, L: c.control.L, minHistory: c.control.minHistory, window: DEFAULT_CONTROL.window };
}
