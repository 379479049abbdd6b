// Finding what to check under PATH: GitHub workflows and actions, the GitLab pipeline and its local
// includes, lockfiles and SBOMs. Never leaves PATH: symlinks pointing outside it are refused, and
// files over the size cap are skipped with a problem reported.
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { globToRegExp } from '../../core/glob.js';
import type { CheckProblem } from './model.js';

export type FileKind = 'github-workflow' | 'github-action' | 'gitlab-ci' | 'lockfile';

export interface FoundFile {
  /** Relative to the root, forward slashes. */
  rel: string;
  kind: FileKind;
  /** A regular file reached without following any symlink (no need to resolve it again). */
  plain?: boolean;
}

/** Folders never searched for actions or lockfiles (vendored and generated trees). */
const SKIP_DIRS = new Set([
  'node_modules',
  '.git',
  'vendor',
  'target',
  '.venv',
  'venv',
  '.tox',
  'dist',
  'build',
  '__pycache__',
  '.ci-intel',
  'bower_components',
]);

const LOCKFILES =
  /^(?:package-lock\.json|npm-shrinkwrap\.json|pnpm-lock\.yaml|yarn\.lock|poetry\.lock|uv\.lock|Pipfile\.lock|requirements(?:[-.\w]*)?\.txt|Cargo\.lock|go\.sum|bom\.json|bom\.xml|[\w.-]+\.cdx\.json|[\w.-]+\.spdx\.json|sbom(?:[-.\w]*)?\.json)$/;

const MAX_DEPTH = 12;

export class Tree {
  readonly realRoot: string;
  constructor(
    readonly root: string,
    readonly maxBytes: number,
    readonly problems: CheckProblem[],
  ) {
    this.realRoot = realpathSync(root);
  }

  /** A path inside the root, following symlinks only when they stay inside it; null otherwise. */
  resolve(rel: string): string | null {
    const abs = path.resolve(this.root, rel);
    const relToRoot = path.relative(this.root, abs);
    if (relToRoot.startsWith('..') || path.isAbsolute(relToRoot)) {
      this.problems.push({ file: rel, message: 'the path leaves the checked folder; not read' });
      return null;
    }
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      return null;
    }
    const r = path.relative(this.realRoot, real);
    if (r.startsWith('..') || path.isAbsolute(r)) {
      this.problems.push({ file: relToRoot.split(path.sep).join('/'), message: 'a symbolic link to a place outside the checked folder; not read' });
      return null;
    }
    return abs;
  }

  /**
   * Reads a file inside the root (size-capped); null with a problem recorded when it cannot.
   * `plain`: the walk reached it through real folders only, so it is inside without resolving.
   */
  read(rel: string, cap = this.maxBytes, plain = false): string | null {
    const abs = plain ? path.join(this.root, rel) : this.resolve(rel);
    if (!abs) return null;
    try {
      const st = statSync(abs);
      if (!st.isFile()) return null;
      if (st.size > cap) {
        this.problems.push({ file: rel, message: `${st.size} bytes is over the ${cap}-byte cap; not checked` });
        return null;
      }
      return readFileSync(abs, 'utf8');
    } catch (e) {
      this.problems.push({ file: rel, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      return null;
    }
  }

  list(relDir: string): { name: string; dir: boolean; link: boolean }[] {
    const abs = this.resolve(relDir || '.');
    if (!abs) return [];
    try {
      return readdirSync(abs, { withFileTypes: true }).map((d) => ({ name: d.name, dir: d.isDirectory(), link: d.isSymbolicLink() }));
    } catch {
      return [];
    }
  }

  isDir(rel: string): boolean {
    try {
      return lstatSync(path.resolve(this.root, rel)).isDirectory();
    } catch {
      return false;
    }
  }
}

const join = (a: string, b: string) => (a ? `${a}/${b}` : b);

/** Everything to check under the root, sorted by path. */
export function discover(tree: Tree, opts: { licenses: boolean }): FoundFile[] {
  const out: FoundFile[] = [];
  const workflowsReal = !tree.list('').some((e) => e.name === '.github' && e.link) && !tree.list('.github').some((e) => e.name === 'workflows' && e.link);
  for (const e of tree.list('.github/workflows')) {
    if (!e.dir && /\.ya?ml$/i.test(e.name)) out.push({ rel: `.github/workflows/${e.name}`, kind: 'github-workflow', plain: !e.link && workflowsReal });
  }
  const walk = (dir: string, depth: number) => {
    if (depth > MAX_DEPTH) return;
    for (const e of tree.list(dir)) {
      const rel = join(dir, e.name);
      if (e.dir && !e.link) {
        if (!SKIP_DIRS.has(e.name) && !(dir === '.github' && e.name === 'workflows')) walk(rel, depth + 1);
        continue;
      }
      if (e.dir) continue; // a symlinked folder is not walked
      if (/^action\.ya?ml$/.test(e.name)) out.push({ rel, kind: 'github-action', plain: !e.link });
      else if (opts.licenses && LOCKFILES.test(e.name)) out.push({ rel, kind: 'lockfile', plain: !e.link });
    }
  };
  walk('', 0);
  if (tree.list('').some((e) => e.name === '.gitlab-ci.yml' && !e.dir)) out.push({ rel: '.gitlab-ci.yml', kind: 'gitlab-ci' });
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/** Expands a GitLab local include (`/ci/*.yml`, `ci/**\/*.yml`, `ci/build.yml`) to files under the root. */
export function expandLocalInclude(tree: Tree, pattern: string): string[] {
  const p = pattern.replace(/^\.?\/+/, '');
  if (!/[*?]/.test(p)) return [p];
  const re = globToRegExp(p);
  const fixed: string[] = [];
  for (const s of p.split('/')) {
    if (/[*?]/.test(s)) break;
    fixed.push(s);
  }
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > MAX_DEPTH) return;
    for (const e of tree.list(dir)) {
      const rel = join(dir, e.name);
      if (e.dir && !e.link) walk(rel, depth + 1);
      else if (!e.dir && re.test(rel)) out.push(rel);
    }
  };
  walk(fixed.join('/'), 0);
  return out.sort();
}
