// The `scheduler:` section of ci-intel.yml.
import { Type, type Static } from 'typebox';
import { configSection, sectionOf, setting, type Config } from '../../core/config.js';

const schedulerSchema = Type.Object(
  {
    fallbackAbovePct: Type.Number(
      setting({
        exclusiveMinimum: 0,
        default: 15,
        description: "Recent prediction error (MAPE, percent) above which a job's duration is predicted by the median of its last runs instead of the model.",
      }),
    ),
    mapeWindowDays: Type.Integer(setting({ minimum: 1, default: 30, description: 'Days of finished runs the rolling MAPE on /metrics covers.' })),
    splitHistoryRuns: Type.Integer(
      setting({ minimum: 1, maximum: 500, default: 30, description: "Test reports (newest first) the hub's split endpoint averages the timings over." }),
    ),
    runners: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, description: 'Runner class name (runs-on label).' }),
          cpus: Type.Number({ exclusiveMinimum: 0, description: 'CPUs of the class.' }),
          usdPerMinute: Type.Number({ minimum: 0, description: 'Price per started minute.' }),
          concurrency: Type.Integer({ minimum: 1, description: 'Runners of the class that can run at once (the most shards).' }),
        },
        { additionalProperties: false },
      ),
      setting({
        default: [
          { name: 'linux-2-core', cpus: 2, usdPerMinute: 0.008, concurrency: 20 },
          { name: 'linux-4-core', cpus: 4, usdPerMinute: 0.016, concurrency: 20 },
          { name: 'linux-8-core', cpus: 8, usdPerMinute: 0.032, concurrency: 10 },
          { name: 'linux-16-core', cpus: 16, usdPerMinute: 0.064, concurrency: 5 },
        ],
        description: "Runner classes `scheduler plan` chooses from (default: GitHub's hosted Linux runners' list prices).",
      }),
    ),
    measuredCpus: Type.Number(
      setting({ exclusiveMinimum: 0, default: 2, description: 'CPUs of the runner the history was measured on (when a run does not say).' }),
    ),
    shardOverheadSec: Type.Number(setting({ minimum: 0, default: 30, description: 'Fixed time each shard pays (checkout, install, start), in seconds.' })),
    speedupExponent: Type.Number(
      setting({
        minimum: 0,
        maximum: 1,
        default: 0.7,
        description: 'A class with k times the CPUs runs the work k^this times faster (1 = perfectly parallel).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const schedulerConfigSection = configSection('scheduler', schedulerSchema);
export type SchedulerConfig = Static<typeof schedulerSchema>;
export const schedulerConfig = (config: Pick<Config, 'pillars'>): SchedulerConfig => sectionOf(config, schedulerConfigSection);
