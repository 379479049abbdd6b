// A folder as a container: its files in name order, symbolic links reported as links and never
// followed (so a link loop cannot trap the walk), entries compared in place on disk.
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { ArchiveEntry } from './entry.js';

export async function* folderEntries(root: string, rel = ''): AsyncGenerator<ArchiveEntry> {
  const names = (await readdir(path.join(root, rel))).sort();
  for (const n of names) {
    const relPath = rel ? `${rel}/${n}` : n;
    const full = path.join(root, relPath);
    const st = await lstat(full);
    const base = { name: relPath, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) };
    if (st.isSymbolicLink()) {
      yield { ...base, type: 'symlink', size: 0, linkname: await readlink(full), read: async () => {} };
    } else if (st.isDirectory()) {
      yield { ...base, type: 'dir', size: 0, read: async () => {} };
      yield* folderEntries(root, relPath);
    } else if (st.isFile()) {
      yield {
        ...base,
        type: 'file',
        size: st.size,
        diskPath: full,
        read: async (onChunk) => {
          for await (const c of createReadStream(full)) await onChunk(c as Buffer);
        },
      };
    } else yield { ...base, type: 'other', size: 0, read: async () => {} };
  }
}
