// The `compliance:` section of ci-intel.yml: the licence allowlist and blocklist, rules switched
// off, the forbidden-patterns gate's patterns, and the size cap on files read.
import { Type, type Static } from 'typebox';
import { configSection, sectionOf, setting, type Config } from '../../core/config.js';

const complianceSchema = Type.Object(
  {
    licenses: Type.Object(
      {
        allow: Type.Array(
          Type.String(),
          setting({ default: [], description: 'SPDX licence ids dependencies may use (`policy check` reports others); empty: no allowlist.' }),
        ),
        block: Type.Array(
          Type.String(),
          setting({ default: ['GPL-*', 'AGPL-*', 'LGPL-*', 'SSPL-*', 'EUPL-*'], description: 'SPDX ids (globs) `gate license` refuses.' }),
        ),
      },
      { additionalProperties: false, default: {}, description: 'Dependency licences.' },
    ),
    disabledRules: Type.Array(Type.String(), setting({ default: [], description: 'Rule ids `policy check` does not report.' })),
    maxFileBytes: Type.Integer(
      setting({ minimum: 1024, default: 2 * 1024 * 1024, description: 'Largest CI file `policy check` reads (bytes); bigger files are reported and skipped.' }),
    ),
    forbiddenPatterns: Type.Array(
      Type.Object(
        {
          pattern: Type.String({ minLength: 1, description: 'A regular expression.' }),
          message: Type.Optional(Type.String()),
          files: Type.Optional(Type.Array(Type.String(), { description: 'Globs the pattern applies to (default: all source files).' })),
        },
        { additionalProperties: false },
      ),
      setting({
        default: [
          { pattern: '\\.unwrap\\(\\)', message: 'unwrap() panics in production code', files: ['**/*.rs'] },
          { pattern: '\\bconsole\\.log\\(', message: 'console.log left in production code', files: ['**/*.{js,jsx,ts,tsx,mjs,cjs}'] },
          { pattern: '\\b(?:TODO|FIXME)\\b', message: 'unfinished work marked in production code' },
        ],
        description: 'Patterns `gate forbidden-patterns` refuses in production code.',
      }),
    ),
    testPaths: Type.Array(
      Type.String(),
      setting({
        default: [
          '**/test/**',
          '**/tests/**',
          '**/__tests__/**',
          '**/*.test.*',
          '**/*.spec.*',
          '**/*_test.go',
          '**/test_*.py',
          '**/*_test.py',
          '**/testdata/**',
          '**/fixtures/**',
          '**/benches/**',
          '**/examples/**',
        ],
        description: 'Globs of test code, exempt from `gate forbidden-patterns`.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const complianceConfigSection = configSection('compliance', complianceSchema);
export type ComplianceConfig = Static<typeof complianceSchema>;

export const complianceConfig = (config: Pick<Config, 'pillars'>): ComplianceConfig => sectionOf(config, complianceConfigSection);
