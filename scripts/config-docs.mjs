// Writes docs/configuration.md from the built schemas: npm run build && node scripts/config-docs.mjs
import { writeFileSync } from 'node:fs';
import { renderConfigDocs } from '../dist/core/config-docs.js';
import { CONFIG_SECTIONS } from '../dist/cli/config-sections.js';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigDocs(CONFIG_SECTIONS));
