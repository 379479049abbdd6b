// Where the shared answer-keyed corpus is: CI_INTEL_AUTOPSY_CORPUS, the copy vendored in the
// repository (test/corpus/autopsy, so a clean clone has it), or `shared/corpus/autopsy` beside it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The package root (the folder holding package.json), from src/ or dist/. */
export const PACKAGE_ROOT = path.resolve(HERE, '../../..');

export function sharedCorpusDir(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.CI_INTEL_AUTOPSY_CORPUS) return env.CI_INTEL_AUTOPSY_CORPUS;
  const vendored = path.join(PACKAGE_ROOT, 'test', 'corpus', 'autopsy');
  if (existsSync(path.join(vendored, 'manifest.jsonl'))) return vendored;
  return besideRepository('autopsy');
}

/** `shared/corpus/NAME` (holding a manifest.jsonl) beside the package or one of its parents. */
function besideRepository(name: string): string | null {
  let dir = PACKAGE_ROOT;
  for (let i = 0; i < 4; i++) {
    const c = path.join(path.dirname(dir), 'shared', 'corpus', name);
    if (existsSync(path.join(c, 'manifest.jsonl'))) return c;
    dir = path.dirname(dir);
  }
  return null;
}

/** Our own held-out logs (captured from real tools here, scripts beside them). */
export const HELDOUT_DIR = path.join(PACKAGE_ROOT, 'src', 'pillars', 'autopsy', 'fixtures', 'heldout');

/**
 * The shared LogChunks half (`shared/corpus/autopsy-logchunks` beside the repository, or
 * CI_INTEL_LOGCHUNKS): read in place, never copied into the repository (issue 15).
 */
export function logchunksDir(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.CI_INTEL_LOGCHUNKS) return env.CI_INTEL_LOGCHUNKS;
  return besideRepository('autopsy-logchunks');
}
