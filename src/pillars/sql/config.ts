// The `sql:` section of ci-intel.yml: the limits of self-service SQL.
import { Type, type Static } from 'typebox';
import { configSection, sectionOf, setting, type Config } from '../../core/config.js';

const sqlSchema = Type.Object(
  {
    timeoutMs: Type.Integer(
      setting({
        minimum: 100,
        maximum: 600_000,
        default: 10_000,
        description: 'Statement timeout of a query, milliseconds (PostgreSQL cancels it; see maxCost for PGlite).',
      }),
    ),
    maxRows: Type.Integer(
      setting({ minimum: 1, maximum: 1_000_000, default: 10_000, description: 'Rows a query returns at most; the answer says when there were more.' }),
    ),
    maxCost: Type.Number(
      setting({
        minimum: 1,
        default: 10_000_000,
        description:
          "Planner cost a query may have at most (EXPLAIN's total cost), checked before it runs: the embedded store cannot interrupt a running query, so this is its time limit.",
      }),
    ),
  },
  { additionalProperties: false },
);

export const sqlConfigSection = configSection('sql', sqlSchema);
export type SqlConfig = Static<typeof sqlSchema>;
export const sqlConfig = (config: Pick<Config, 'pillars'>): SqlConfig => sectionOf(config, sqlConfigSection);
