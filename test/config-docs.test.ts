import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envVariables } from '../src/core/config.js';
import { renderConfigDocs } from '../src/core/config-docs.js';
import { pillars } from '../src/pillars/index.js';

const sections = pillars.flatMap((p) => (p.config ? [p.config] : []));
const page = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');

describe('docs/configuration.md', () => {
  it('is what the schemas say (regenerate: npm run build && node scripts/config-docs.mjs)', () => {
    expect(page).toBe(renderConfigDocs(sections));
  });

  it('lists every setting with an environment variable, and every variable the sections read', () => {
    const vars = sections.flatMap((s) => envVariables(s.schema, s.key));
    expect(vars.length).toBeGreaterThan(15);
    for (const v of vars) {
      expect(page).toContain(`\`${v.path}\``);
      for (const e of v.env) expect(page).toContain(`\`${e}\``);
    }
  });
});
