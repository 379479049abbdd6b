// git facts the agent needs: churn per file (hotspot weights) and the lines changed since a ref
// (diff-only runs). Plain `git` subprocesses; the hub never runs git.
import { execFileSync } from 'node:child_process';
import { CiError } from '../../core/errors.js';

function git(cwd: string, args: string[]): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; code?: string; message: string };
    if (err.code === 'ENOENT') throw new CiError('E_GIT_FAILED', 'git is not installed', { hint: 'install git (apt-get install git)' });
    throw new CiError('E_GIT_FAILED', `git ${args.join(' ')} failed: ${(err.stderr ?? err.message).trim().split('\n')[0]}`, { where: cwd });
  }
}

/** The repository's top folder, or null outside a git work tree. */
export function gitRoot(cwd: string): string | null {
  try {
    return git(cwd, ['rev-parse', '--show-toplevel']).trim() || null;
  } catch {
    return null;
  }
}

/** Commits touching each file (paths relative to the repository root) since `since`. */
export function churnSince(root: string, since: Date): Map<string, number> {
  const out = git(root, ['log', `--since=${since.toISOString()}`, '--format=%x00%H', '--name-only', '--no-renames']);
  const churn = new Map<string, number>();
  for (const commit of out.split('\u0000')) {
    const files = new Set(
      commit
        .split('\n')
        .slice(1)
        .map((l) => l.trim())
        .filter(Boolean),
    );
    for (const f of files) churn.set(f, (churn.get(f) ?? 0) + 1);
  }
  return churn;
}

/** Inclusive line ranges per file, in the working tree's numbering. */
export type ChangedLines = Map<string, Array<[number, number]>>;

/** Parses `git diff --unified=0` output into the added/changed line ranges of the new side. */
export function parseUnifiedZero(diff: string): ChangedLines {
  const out: ChangedLines = new Map();
  let file: string | null = null;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ')) {
      const p = line.slice(4).trim();
      file = p === '/dev/null' ? null : p.replace(/^b\//, '');
      if (file && !out.has(file)) out.set(file, []);
      continue;
    }
    const h = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (h && file) {
      const start = Number(h[1]);
      const count = h[2] === undefined ? 1 : Number(h[2]);
      if (count > 0) out.get(file)!.push([start, start + count - 1]);
    }
  }
  for (const [f, r] of out) if (r.length === 0) out.delete(f);
  return out;
}

/**
 * Lines changed in the working tree since `ref` (committed or not), plus untracked files (whole
 * files, as `[1, Infinity]`). Paths are relative to `cwd`'s repository root.
 */
export function changedLinesSince(root: string, ref: string): ChangedLines {
  git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  const changed = parseUnifiedZero(git(root, ['diff', '--unified=0', '--no-color', '--no-ext-diff', '--diff-filter=AMR', ref, '--']));
  for (const f of git(root, ['ls-files', '--others', '--exclude-standard']).split('\n').filter(Boolean)) changed.set(f, [[1, Number.POSITIVE_INFINITY]]);
  return changed;
}
