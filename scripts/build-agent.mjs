// Bundles the GitHub Action's agent into dist/action/index.js: one ES module with every dependency
// inside (a JavaScript action runs from its repository checkout, with no npm install), plus the
// data files the analyzers read beside their own module (the autopsy's rule packs and model).
// Run after tsc (it copies the pre-parsed rule packs from dist/): npm run build.
import { build } from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';

mkdirSync('dist/action', { recursive: true });
await build({
  entryPoints: ['src/agent/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: 'dist/action/index.js',
  // Bundled CommonJS packages call require() for Node's own modules.
  banner: { js: "import { createRequire as __ciIntelRequire } from 'node:module'; const require = __ciIntelRequire(import.meta.url);" },
  // pg asks for its optional native binding only when told to; it is not shipped.
  external: ['pg-native'],
  legalComments: 'none',
  logLevel: 'warning',
});
// The analyzers find these beside their module: in the bundle, beside index.js.
cpSync('dist/pillars/autopsy/rules', 'dist/action/rules', { recursive: true });
cpSync('src/pillars/autopsy/model/model.json', 'dist/action/model/model.json');
cpSync('src/core/contract/pipeline_run.v1.2.schema.json', 'dist/action/pipeline_run.v1.2.schema.json');
