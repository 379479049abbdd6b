// The repository's own source files: the files the forbidden-pattern gate reads and the SARIF
// report counts lines of code in. Dependencies, build output and tool caches are skipped, symbolic
// links are not followed, and files over the size cap (generated or vendored blobs) are left out.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const SOURCE_EXT = /\.(?:rs|go|py|js|jsx|mjs|cjs|ts|tsx|java|kt|kts|scala|rb|php|cs|swift|c|cc|cpp|h|hpp|m|dart|ex|exs|lua|sh)$/;
const SKIP_DIRS = new Set(['node_modules', '.git', 'vendor', 'target', 'dist', 'build', '.venv', 'venv', '__pycache__', '.ci-intel', 'coverage']);

/** Calls `visit` with each source file's path relative to `root` (forward slashes) and its absolute path, in directory order. */
export function forEachSourceFile(root: string, maxBytes: number, visit: (rel: string, abs: string) => void): void {
  const walk = (rel: string, depth: number) => {
    if (depth > 20) return;
    for (const e of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) continue;
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(r, depth + 1);
        continue;
      }
      if (!SOURCE_EXT.test(e.name)) continue;
      const abs = path.join(root, r);
      if (statSync(abs).size <= maxBytes) visit(r, abs);
    }
  };
  walk('', 0);
}
