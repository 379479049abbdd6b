// A one-package turbo monorepo for tests that run the real turbo against a remote cache (the cache
// pillar's clients test, the chaos pillar's corrupt_cache test).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Creates the repo in a temp folder; `packages/app`'s build writes dist/out.txt, after `buildMs`
 * (default 0: a build that takes time makes "a miss costs a rebuild" certain). Returns its path.
 */
export function makeTurboRepo(o: { buildMs?: number } = {}): string {
  const repo = mkdtempSync(path.join(os.tmpdir(), 'turbo-repo-'));
  mkdirSync(path.join(repo, 'packages/app'), { recursive: true });
  writeFileSync(path.join(repo, 'package.json'), JSON.stringify({ name: 'mono', private: true, packageManager: 'npm@10.8.2', workspaces: ['packages/*'] }));
  writeFileSync(path.join(repo, 'turbo.json'), JSON.stringify({ $schema: 'https://turbo.build/schema.json', tasks: { build: { outputs: ['dist/**'] } } }));
  // outside git turbo needs a .gitignore for stable hashes (MEASURED.md)
  writeFileSync(path.join(repo, '.gitignore'), 'node_modules\n.turbo\ndist\n');
  writeFileSync(
    path.join(repo, 'packages/app/package.json'),
    JSON.stringify({
      name: 'app',
      version: '1.0.0',
      scripts: {
        build: o.buildMs
          ? `node -e "setTimeout(()=>{require('fs').mkdirSync('dist',{recursive:true});require('fs').writeFileSync('dist/out.txt','built '+Date.now())},${o.buildMs})"`
          : `node -e "require('fs').mkdirSync('dist',{recursive:true});require('fs').writeFileSync('dist/out.txt','built '+Date.now())"`,
      },
    }),
  );
  writeFileSync(path.join(repo, 'packages/app/index.js'), 'module.exports = 42;\n');
  return repo;
}
