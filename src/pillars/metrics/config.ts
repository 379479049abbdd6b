// The `metrics:` section of ci-intel.yml: which environments are production, the DORA bands, the
// readiness weights and penalties, and the stage time budgets. Every default names its source.
import type { Config, ConfigSection } from '../../core/config.js';

export interface Band {
  /** Upper bound (exclusive) of this band, in the metric's unit; the last band has none. */
  below?: number;
  /** Lower bound (inclusive), for metrics where higher is better (deployment frequency). */
  atLeast?: number;
  band: 'elite' | 'high' | 'medium' | 'low';
}

export interface StageBudget {
  /** Case-insensitive regular expression over job names. */
  match: string;
  /** Seed 001 "Time Budget Allocation": target and maximum, seconds. */
  stage: string;
  target_s: number;
  max_s: number;
}

export interface MetricsConfig {
  /** Environment names that count as production (issue 8: `prod` or `production`, configurable). */
  productionEnvironments: string[];
  /** Branches whose runs decide readiness when no branch is asked for (first found wins). */
  defaultBranches: string[];
  dora: {
    /** Deployments per day, higher is better. */
    deploymentFrequency: Band[];
    /** Median lead time, seconds. */
    leadTime: Band[];
    /** Change failure rate, 0..1 (upper bounds inclusive are expressed as below = x + tiny). */
    changeFailureRate: Band[];
    /** Median time to restore, seconds. */
    timeToRestore: Band[];
    source: string;
  };
  readiness: {
    weights: { ci: number; coverage: number; security: number; quality: number };
    /** Runs the CI pass rate looks at (seed 002: the last 10). */
    lastRuns: number;
    /** Security: points off per deny / warn policy result and per error-level SARIF result. */
    security: { deny: number; warn: number; sarifError: number };
    /** Code quality: points off per lint error / warning. */
    quality: { error: number; warning: number };
  };
  budgets: StageBudget[];
}

const HOUR = 3600;
const DAY = 86_400;

export const DEFAULT_METRICS_CONFIG: MetricsConfig = {
  productionEnvironments: ['prod', 'production'],
  defaultBranches: ['main', 'master', 'trunk'],
  dora: {
    // The commonly cited DORA performance clusters as issue 8 lists them: deployment frequency and
    // lead time follow the 2019 Accelerate State of DevOps report; the yearly reports move them.
    deploymentFrequency: [
      { atLeast: 1, band: 'elite' }, // on demand: at least daily on average, several per day
      { atLeast: 1 / 7, band: 'high' }, // daily to weekly
      { atLeast: 1 / 30, band: 'medium' }, // weekly to monthly
      { band: 'low' }, // monthly to every six months (and rarer)
    ],
    leadTime: [{ below: DAY, band: 'elite' }, { below: 7 * DAY, band: 'high' }, { below: 30 * DAY, band: 'medium' }, { band: 'low' }],
    // elite <= 5 %, high <= 10 %, medium <= 15 %, low above (bounds inclusive).
    changeFailureRate: [{ below: 0.05 + 1e-12, band: 'elite' }, { below: 0.1 + 1e-12, band: 'high' }, { below: 0.15 + 1e-12, band: 'medium' }, { band: 'low' }],
    timeToRestore: [{ below: HOUR, band: 'elite' }, { below: DAY, band: 'high' }, { below: 7 * DAY, band: 'medium' }, { band: 'low' }],
    // The table of the metrics issue (issue 8); shown on the dashboard's DORA page as it is.
    source: 'DORA performance clusters as commonly cited (Accelerate State of DevOps 2019 for frequency and lead time)',
  },
  readiness: {
    weights: { ci: 40, coverage: 30, security: 20, quality: 10 },
    lastRuns: 10,
    security: { deny: 25, warn: 5, sarifError: 10 },
    quality: { error: 10, warning: 1 },
  },
  // Seed 001 "Time Budget Allocation" (target / maximum), matched to job names.
  budgets: [
    { match: '^checkout', stage: 'Checkout', target_s: 30, max_s: 60 },
    { match: 'cache', stage: 'Cache Restore', target_s: 30, max_s: 120 },
    { match: 'lint', stage: 'Lint', target_s: 60, max_s: 120 },
    { match: '^(unit[ -]?tests?|tests?|pytest|go test)$', stage: 'Unit Tests', target_s: 120, max_s: 180 },
    { match: 'envtest', stage: 'Envtest', target_s: 180, max_s: 300 },
    { match: '^build', stage: 'Build Binary', target_s: 180, max_s: 300 },
    { match: 'verify', stage: 'Verify', target_s: 60, max_s: 120 },
    { match: 'smoke', stage: 'Kind Smoke', target_s: 300, max_s: 480 },
    { match: 'multi-?arch', stage: 'Multi-arch Build', target_s: 240, max_s: 360 },
    { match: 'security|scan|sast|trivy', stage: 'Security Scan', target_s: 120, max_s: 180 },
    { match: 'e2e|integration', stage: 'E2E Full', target_s: 480, max_s: 720 },
    { match: 'publish|release$', stage: 'Publish', target_s: 120, max_s: 180 },
    { match: 'release notes', stage: 'Release Notes', target_s: 60, max_s: 120 },
  ],
};

/**
 * The DORA targets over a 30-day baseline, initial and elite, stricter than the bands (seed 004
 * "DORA Metrics Targets"). The labels are shown to users as they are.
 */
export const DORA_TARGETS = {
  deploymentFrequency: { initial: { atLeastPerDay: 1 / 7, label: 'at least weekly' }, elite: { atLeastPerDay: 2, label: 'several deploys a day' } },
  leadTime: { initial: { belowS: 7 * DAY, label: '< 1 week' }, elite: { belowS: HOUR, label: '< 1 hour' } },
  changeFailureRate: { initial: { below: 0.15, label: '< 15%' }, elite: { below: 0.05, label: '< 5%' } },
  timeToRestore: { initial: { belowS: DAY, label: '< 1 day' }, elite: { belowS: HOUR, label: '< 1 hour' } },
} as const;

const bandSchema = {
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['band'],
    properties: { below: { type: 'number' }, atLeast: { type: 'number' }, band: { enum: ['elite', 'high', 'medium', 'low'] } },
  },
};

export const metricsConfigSection: ConfigSection = {
  key: 'metrics',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      productionEnvironments: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
      defaultBranches: { type: 'array', items: { type: 'string', minLength: 1 } },
      dora: {
        type: 'object',
        additionalProperties: false,
        properties: {
          deploymentFrequency: bandSchema,
          leadTime: bandSchema,
          changeFailureRate: bandSchema,
          timeToRestore: bandSchema,
          source: { type: 'string' },
        },
      },
      readiness: {
        type: 'object',
        additionalProperties: false,
        properties: {
          weights: {
            type: 'object',
            additionalProperties: false,
            properties: {
              ci: { type: 'number', minimum: 0 },
              coverage: { type: 'number', minimum: 0 },
              security: { type: 'number', minimum: 0 },
              quality: { type: 'number', minimum: 0 },
            },
          },
          lastRuns: { type: 'integer', minimum: 1, maximum: 1000 },
          security: {
            type: 'object',
            additionalProperties: false,
            properties: { deny: { type: 'number', minimum: 0 }, warn: { type: 'number', minimum: 0 }, sarifError: { type: 'number', minimum: 0 } },
          },
          quality: {
            type: 'object',
            additionalProperties: false,
            properties: { error: { type: 'number', minimum: 0 }, warning: { type: 'number', minimum: 0 } },
          },
        },
      },
      budgets: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['match', 'stage', 'target_s', 'max_s'],
          properties: { match: { type: 'string' }, stage: { type: 'string' }, target_s: { type: 'number' }, max_s: { type: 'number' } },
        },
      },
    },
  },
};

/** The effective settings: defaults overlaid with the `metrics:` section (tests pass none). */
export function metricsConfig(config: Pick<Config, 'pillars'>): MetricsConfig {
  const s = (config.pillars?.metrics ?? {}) as Partial<MetricsConfig> & {
    dora?: Partial<MetricsConfig['dora']>;
    readiness?: Partial<MetricsConfig['readiness']>;
  };
  const d = DEFAULT_METRICS_CONFIG;
  return {
    productionEnvironments: (s.productionEnvironments ?? d.productionEnvironments).map((e) => e.toLowerCase()),
    defaultBranches: s.defaultBranches ?? d.defaultBranches,
    dora: { ...d.dora, ...(s.dora ?? {}) },
    readiness: {
      weights: { ...d.readiness.weights, ...(s.readiness?.weights ?? {}) },
      lastRuns: s.readiness?.lastRuns ?? d.readiness.lastRuns,
      security: { ...d.readiness.security, ...(s.readiness?.security ?? {}) },
      quality: { ...d.readiness.quality, ...(s.readiness?.quality ?? {}) },
    },
    budgets: s.budgets ?? d.budgets,
  };
}
