// The `autopsy:` section of ci-intel.yml. Its own module, free of the hub's imports, so the CLI can
// validate configuration without loading the store (src/cli/light.ts).
export interface AutopsyConfig {
  /** Folders of user rule packs (RE2 dialect). */
  rules: string[];
  /** Open (or comment on) a GitHub issue per failure signature of a failed job. */
  github?: { repo: string; apiUrl?: string };
}

export const configSection = {
  key: 'autopsy',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      rules: { type: 'array', items: { type: 'string' }, default: [] },
      github: {
        type: 'object',
        additionalProperties: false,
        required: ['repo'],
        properties: { repo: { type: 'string', pattern: '^[\\w.-]+/[\\w.-]+$' }, apiUrl: { type: 'string' } },
      },
    },
  },
};
