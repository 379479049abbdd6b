// The `metrics:` section of ci-intel.yml: which environments are production, the DORA bands, the
// readiness weights and penalties, and the stage time budgets. Every default names its source.
import { Type } from 'typebox';
import { configSection, sectionOf, setting, type Config } from '../../core/config.js';

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
    security: { deny: number; warn: number; sarifError: number; violationError: number; violationWarning: number };
    /** Code quality: points off per lint error / warning. */
    quality: { error: number; warning: number };
  };
  budgets: StageBudget[];
  digestWebhook?: string;
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
    security: { deny: 25, warn: 5, sarifError: 10, violationError: 10, violationWarning: 2 },
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

const bands = (description: string, def: Band[]) =>
  Type.Array(
    Type.Object(
      {
        below: Type.Optional(Type.Number()),
        atLeast: Type.Optional(Type.Number()),
        band: Type.Union([Type.Literal('elite'), Type.Literal('high'), Type.Literal('medium'), Type.Literal('low')]),
      },
      { additionalProperties: false },
    ),
    setting({ minItems: 1, default: def, description }),
  );

const weight = (description: string, def: number) => Type.Number(setting({ minimum: 0, default: def, description }));
const d = DEFAULT_METRICS_CONFIG;

export const metricsConfigSection = configSection(
  'metrics',
  Type.Object(
    {
      productionEnvironments: Type.Array(
        Type.String({ minLength: 1 }),
        setting({ minItems: 1, default: d.productionEnvironments, description: 'Environment names that count as production (any case).' }),
      ),
      defaultBranches: Type.Array(
        Type.String({ minLength: 1 }),
        setting({ default: d.defaultBranches, description: 'Branches whose runs decide readiness when no branch is asked for (first found wins).' }),
      ),
      dora: Type.Object(
        {
          deploymentFrequency: bands('Deployments per day, higher is better: atLeast bounds.', d.dora.deploymentFrequency),
          leadTime: bands('Median lead time, seconds: below bounds.', d.dora.leadTime),
          changeFailureRate: bands('Change failure rate 0..1: below bounds.', d.dora.changeFailureRate),
          timeToRestore: bands('Median time to restore, seconds: below bounds.', d.dora.timeToRestore),
          source: Type.String(setting({ default: d.dora.source, description: 'Where the bands come from, shown on the DORA page.' })),
        },
        { additionalProperties: false, default: {}, description: 'The DORA performance bands.' },
      ),
      readiness: Type.Object(
        {
          weights: Type.Object(
            {
              ci: weight('Weight of the CI pass rate.', d.readiness.weights.ci),
              coverage: weight('Weight of coverage.', d.readiness.weights.coverage),
              security: weight('Weight of security findings.', d.readiness.weights.security),
              quality: weight('Weight of code quality findings.', d.readiness.weights.quality),
            },
            { additionalProperties: false, default: {}, description: 'How much each part counts in the readiness score.' },
          ),
          lastRuns: Type.Integer(setting({ minimum: 1, maximum: 1000, default: d.readiness.lastRuns, description: 'Runs the CI pass rate looks at.' })),
          security: Type.Object(
            {
              deny: weight('Points off per deny policy result.', d.readiness.security.deny),
              warn: weight('Points off per warn policy result.', d.readiness.security.warn),
              sarifError: weight('Points off per error-level SARIF result.', d.readiness.security.sarifError),
              violationError: weight(
                'Points off per open compliance violation of error severity (policy check --record).',
                d.readiness.security.violationError,
              ),
              violationWarning: weight('Points off per open compliance violation of warning severity.', d.readiness.security.violationWarning),
            },
            { additionalProperties: false, default: {}, description: 'Security points off.' },
          ),
          quality: Type.Object(
            {
              error: weight('Points off per lint error.', d.readiness.quality.error),
              warning: weight('Points off per lint warning.', d.readiness.quality.warning),
            },
            { additionalProperties: false, default: {}, description: 'Code quality points off.' },
          ),
        },
        { additionalProperties: false, default: {}, description: 'The release readiness score.' },
      ),
      digestWebhook: Type.Optional(
        Type.String(setting({ description: 'Slack-compatible webhook `ci-intel digest` posts to.', env: 'CI_INTEL_DIGEST_WEBHOOK' })),
      ),
      budgets: Type.Array(
        Type.Object(
          {
            match: Type.String({ description: 'Case-insensitive regular expression over job names.' }),
            stage: Type.String(),
            targetSeconds: Type.Number({ minimum: 0 }),
            maxSeconds: Type.Number({ minimum: 0 }),
          },
          { additionalProperties: false },
        ),
        setting({
          default: d.budgets.map((b) => ({ match: b.match, stage: b.stage, targetSeconds: b.target_s, maxSeconds: b.max_s })),
          description: 'Stage time budgets: jobs matching `match` should take targetSeconds and at most maxSeconds.',
        }),
      ),
    },
    { additionalProperties: false },
  ),
);

/** The effective settings: the `metrics:` section with its defaults, budgets in the shape the API answers with. */
export function metricsConfig(config: Pick<Config, 'pillars'>): MetricsConfig {
  const s = sectionOf(config, metricsConfigSection);
  return {
    ...s,
    productionEnvironments: s.productionEnvironments.map((e) => e.toLowerCase()),
    budgets: s.budgets.map((b) => ({ match: b.match, stage: b.stage, target_s: b.targetSeconds, max_s: b.maxSeconds })),
  };
}
