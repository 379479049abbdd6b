// The `dataQuality:` section of ci-intel.yml: the severity of each contract test the hub runs
// after a load, and the data-quality gates declared per table or view.
import { Type, type Static } from 'typebox';
import { configSection, sectionOf, setting, type Config } from '../../core/config.js';

const severity = (def: 'warn' | 'fail', description: string) =>
  Type.Union([Type.Literal('warn'), Type.Literal('fail')], setting({ default: def, description }));

const gateSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.-]+$', description: 'Name of the check (shown in the ingest answer, a label on /metrics).' }),
    target: Type.String({
      minLength: 1,
      pattern: '^[a-z_][a-z0-9_]*$',
      description: 'The table or view checked: pipeline_runs_all, runs, jobs, test_summaries, costs, deployments, policy_results, chaos_trials.',
    }),
    kind: Type.Union([Type.Literal('freshness'), Type.Literal('row_count_delta'), Type.Literal('null_rate')], {
      description:
        'freshness: age of the newest row (seconds) at most `max`; row_count_delta: rows of the last `window` vs the same window a week before, relative change at most `max` (0.5 = ±50%); null_rate: share of rows of the last `window` whose `column` is null, at most `max` (0-1).',
    }),
    column: Type.Optional(
      Type.String({
        pattern: '^[a-z_][a-z0-9_]*$',
        description:
          'null_rate: the column checked. freshness and row_count_delta: the time column (default ingested_at, or the first of ingested_at, started_at, finished_at the target has).',
      }),
    ),
    timeColumn: Type.Optional(
      Type.String({ pattern: '^[a-z_][a-z0-9_]*$', description: 'null_rate: the time column choosing the window (default as above).' }),
    ),
    max: Type.Number({ minimum: 0, description: 'The threshold: seconds (freshness), a relative change (row_count_delta), a share 0-1 (null_rate).' }),
    window: Type.String({ default: '1d', description: 'row_count_delta and null_rate: the window of rows measured, e.g. 1h, 1d.' }),
    severity: Type.Union([Type.Literal('warn'), Type.Literal('fail')], {
      default: 'fail',
      description: 'fail: a breach makes the ingest answer fail and raises the ci_intel_data_quality_breach alert; warn: reported only.',
    }),
  },
  { additionalProperties: false },
);

const dataQualitySchema = Type.Object(
  {
    contractTests: Type.Object(
      {
        uniqueRunId: severity('fail', 'pipeline_runs_all has one row per run_id.'),
        acceptedStatus: severity('fail', 'Every run status is one of success, failed, canceled, skipped, queued, in_progress.'),
        releaseEvidence: severity(
          'warn',
          'A successful staging or prod run has a release_evidence_uri (the contract makes it optional, so warn unless your releases require it).',
        ),
      },
      { additionalProperties: false, default: {}, description: 'Severity of each contract test run on the loaded runs after every ingest.' },
    ),
    gates: Type.Array(gateSchema, setting({ default: [], description: 'Data-quality gates per table or view, checked after every ingest.' })),
    freshnessGoalSeconds: Type.Integer(
      setting({
        minimum: 1,
        default: 300,
        description: 'Ingest freshness goal: the P95 of workflow completion → stored, per source over the last day, in seconds (the seed: 5 minutes).',
      }),
    ),
  },
  { additionalProperties: false },
);

export type DataQualityConfig = Static<typeof dataQualitySchema>;
export type GateConfig = Static<typeof gateSchema>;
export const dataQualityConfigSection = configSection('dataQuality', dataQualitySchema);
export const dataQualityConfig = (config: Pick<Config, 'pillars'>): DataQualityConfig => sectionOf(config, dataQualityConfigSection);
