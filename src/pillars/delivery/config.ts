// The `delivery:` section of ci-intel.yml: the SLOs that `gate slo` and `slo rules` read, the DR
// drill targets, and the cost/CO2e budgets `gate budget` holds pull requests to.
import { Type, type Static } from 'typebox';
import { configSection, sectionOf, setting, type Config } from '../../core/config.js';

const sloSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.-]+$', description: 'Name (a label value in the rules).' }),
    environment: Type.String({ minLength: 1, description: 'Environment the SLO guards (`gate slo --env`).' }),
    kind: Type.Union([Type.Literal('availability'), Type.Literal('latency')], {
      description: 'availability: samples are error ratios; latency: samples are p95 in ms.',
    }),
    objective: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 100, description: 'Target in percent, e.g. 99.9.' }),
    window: Type.String({ default: '30d', description: 'SLO window (the error budget period).' }),
    latencyMs: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'latency: a sample above this p95 is a bad minute.' })),
    metric: Type.Optional(Type.String({ description: 'Metric name in a samples file (default error_rate / latency_p95_ms).' })),
    query: Type.Optional(Type.String({ description: 'PromQL of the SLI for `gate slo --prometheus` (error ratio, or p95 in ms).' })),
    errorRatioQuery: Type.Optional(
      Type.String({
        description: 'PromQL of the error ratio with [{{window}}] for `slo rules`, e.g. sum(rate(x{code=~"5.."}[{{window}}])) / sum(rate(x[{{window}}])).',
      }),
    ),
  },
  { additionalProperties: false },
);

const budgetSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, description: 'Name shown in the gate output (default: the repository pattern and pipeline).' })),
    repo: Type.String({
      minLength: 1,
      default: '**',
      description: 'Repositories it covers: owner/name, or a pattern (`*` one path segment, `**` any number).',
    }),
    workflow: Type.Optional(
      Type.String({ minLength: 1, description: "One pipeline (workflow name) only; without it, all the pull request's pipelines together." }),
    ),
    pr: Type.Optional(Type.Integer({ minimum: 1, description: 'One pull request only: replaces the repository budget of the same pipeline for it.' })),
    usd: Type.Optional(Type.Number({ minimum: 0, description: "Cost limit per pull request, USD (the sum of its runs' cost.usd)." })),
    cpuSeconds: Type.Optional(Type.Number({ minimum: 0, description: 'CPU-seconds limit per pull request.' })),
    gpuSeconds: Type.Optional(Type.Number({ minimum: 0, description: 'GPU-seconds limit per pull request.' })),
    co2eGrams: Type.Optional(Type.Number({ minimum: 0, description: 'Carbon limit per pull request, grams CO2e.' })),
  },
  { additionalProperties: false },
);

const concurrencySchema = Type.Object(
  {
    repo: Type.String({ minLength: 1, description: 'Repositories it covers: owner/name, or a pattern (`*` one path segment, `**` any number).' }),
    maxRuns: Type.Integer({
      minimum: 1,
      description: 'At most this many pipeline runs of one repository at once (the cap your CI enforces, reported against what ran).',
    }),
  },
  { additionalProperties: false },
);

const deliverySchema = Type.Object(
  {
    slos: Type.Array(sloSchema, setting({ default: [], description: 'Service level objectives gating promotion (`gate slo`).' })),
    drills: Type.Object(
      {
        rpoTargetS: Type.Number(setting({ minimum: 0, default: 60, description: 'Recovery point objective of a DR drill, seconds (seed 000: 60).' })),
        rtoTargetS: Type.Number(setting({ minimum: 0, default: 300, description: 'Recovery time objective of a DR drill, seconds (seed 000: 300).' })),
      },
      { additionalProperties: false, default: {}, description: 'DR drill targets (`gate drill`, the DR card).' },
    ),
    concurrency: Type.Array(
      concurrencySchema,
      setting({
        default: [],
        description:
          'Per-repository concurrency caps, reported beside the most runs seen at once (Cost page, `gate budget`); the most specific pattern applies.',
      }),
    ),
    budgets: Type.Array(
      budgetSchema,
      setting({
        default: [],
        description:
          'Cost and CO2e budgets per pull request (`gate budget`): per repository, pipeline or one pull request; the most specific budget of a pipeline applies.',
      }),
    ),
  },
  { additionalProperties: false },
);

export type SloConfig = Static<typeof sloSchema>;
export type BudgetConfig = Static<typeof budgetSchema>;
export type ConcurrencyCap = Static<typeof concurrencySchema>;
export const deliveryConfigSection = configSection('delivery', deliverySchema);
export type DeliveryConfig = Static<typeof deliverySchema>;
export const deliveryConfig = (config: Pick<Config, 'pillars'>): DeliveryConfig => sectionOf(config, deliveryConfigSection);
