// Bundles the dashboard into dist/web: index.html, assets/app.css and assets/app.js (esbuild,
// echarts included: no CDN, no network at run time). The entry is the shell (src/web/app.ts), which
// imports the kit (src/core/web/) and the pillars' pages (src/pillars/<id>/web/) it lists in
// src/web/views.ts; the Node build (tsc) excludes these folders.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

mkdirSync('dist/web/assets', { recursive: true });
await build({
  entryPoints: ['src/web/app.ts'],
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: true,
  outfile: 'dist/web/assets/app.js',
  legalComments: 'linked',
  logLevel: 'warning',
});
copyFileSync('src/web/index.html', 'dist/web/index.html');
copyFileSync('src/web/app.css', 'dist/web/assets/app.css');
