// Copies the non-TypeScript files the code reads at run time (schemas, rule packs, models) from
// src/ to dist/, keeping their paths. The dashboard's folders are left to scripts/build-web.mjs,
// which bundles them into dist/web.
import { cpSync, readdirSync, statSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const ASSET = /\.(json|ya?ml|txt|html|css|svg|png|woff2?)$/;
const SKIP_DIRS = new Set(['fixtures', 'node_modules']);
// Browser code (src/web, src/core/web, src/pillars/<id>/web): bundled, not copied.
const isWebDir = (p) => path.basename(p) === 'web';

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) {
      if (!SKIP_DIRS.has(name) && !isWebDir(p)) walk(p);
    } else if (ASSET.test(name)) {
      const out = path.join('dist', path.relative('src', p));
      mkdirSync(path.dirname(out), { recursive: true });
      cpSync(p, out);
    }
  }
}
walk('src');

// The autopsy rule packs, pre-parsed: `ci-intel autopsy` then starts without parsing YAML (~0.2 s).
// tsc has just written dist/, so the same reader the CLI falls back to parses them here.
const { packDocuments, PREPARSED_PACKS, BUILTIN_RULES_DIR } = await import('../dist/pillars/autopsy/rules.js');
const { writeFileSync } = await import('node:fs');
writeFileSync(path.join(BUILTIN_RULES_DIR, PREPARSED_PACKS), JSON.stringify(packDocuments(BUILTIN_RULES_DIR)));
