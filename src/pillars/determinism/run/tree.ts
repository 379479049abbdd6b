// Copies of the work tree for each build, and what a build produced: the files new or changed
// since the copy (or those matching --artifacts).
import { copyFile, lstat, mkdir, readdir, readlink, symlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { globToRegExp } from '../../../core/glob.js';

/** Copies a tree keeping modes, times and links (never followed); `reverse` creates entries in reverse name order. */
export async function copyTree(src: string, dst: string, reverse: boolean, skip: (rel: string) => boolean, rel = ''): Promise<void> {
  await mkdir(path.join(dst, rel), { recursive: true });
  const names = (await readdir(path.join(src, rel))).sort();
  if (reverse) names.reverse();
  for (const n of names) {
    const r = rel ? `${rel}/${n}` : n;
    if (skip(r)) continue;
    const from = path.join(src, r);
    const to = path.join(dst, r);
    const st = await lstat(from);
    if (st.isSymbolicLink()) await symlink(await readlink(from), to);
    else if (st.isDirectory()) await copyTree(src, dst, reverse, skip, r);
    else if (st.isFile()) {
      await copyFile(from, to);
      await utimes(to, st.atime, st.mtime);
    }
  }
}

export type Snapshot = Map<string, string>;

/** Regular files under root with size and time, symbolic links not followed. */
export async function snapshot(root: string, skip: (rel: string) => boolean, rel = '', out: Snapshot = new Map()): Promise<Snapshot> {
  for (const n of (await readdir(path.join(root, rel))).sort()) {
    const r = rel ? `${rel}/${n}` : n;
    if (skip(r)) continue;
    const st = await lstat(path.join(root, r));
    if (st.isDirectory()) await snapshot(root, skip, r, out);
    else if (st.isFile()) out.set(r, `${st.size}:${st.mtimeMs}`);
  }
  return out;
}

/** The artifacts of a build: files matching the globs, else files new or changed since `before`. */
export function artifactsOf(after: Snapshot, before: Snapshot, globs: string[]): string[] {
  const res = globs.map(globToRegExp);
  return [...after.keys()].filter((f) => (res.length ? res.some((re) => re.test(f)) : before.get(f) !== after.get(f))).sort();
}

/** Version-control and dependency folders are neither copied nor artifacts. */
export const skipVcs = (rel: string) => rel === '.git' || rel.endsWith('/.git');
