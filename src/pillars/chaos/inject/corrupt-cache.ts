// corrupt_cache: flip bytes in files of a cache folder (a restored cache directory, or a cache
// server's blob store) — which files and which bytes drawn from the attempt's seed. The build's
// cache must notice and treat the entry as a miss (the cache pillar's server verifies BLAKE3
// before it answers). The original bytes are put back when the attempt ends, where the file is
// still there (a verifying cache will have quarantined it).
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { createRng } from '../../../core/synth/generate.js';
import { CiError } from '../../../core/errors.js';
import { checkParams, type FaultSpec } from '../faults.js';
import type { PreparedFault } from './types.js';

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile() && statSync(p).size > 0) out.push(p);
  }
  return out;
}

const count = (f: FaultSpec, key: string, dflt: number) => {
  const v = Number(f.params[key] ?? dflt);
  if (!Number.isInteger(v) || v < 1)
    throw new CiError('E_USAGE', `corrupt_cache:${key}=${f.params[key]} is not a whole number ≥ 1`, {
      where: '--fault',
      hint: 'e.g. corrupt_cache:dir=.cache,files=3,bytes=1',
    });
  return v;
};

export function prepareCorruptCache(f: FaultSpec): PreparedFault {
  checkParams(f, ['dir', 'files', 'bytes']);
  if (!f.params.dir)
    throw new CiError('E_USAGE', 'corrupt_cache needs dir=FOLDER', {
      where: '--fault',
      hint: 'the cache folder to corrupt, e.g. corrupt_cache:dir=/var/cache/ci/blobs',
    });
  const dir = path.resolve(f.params.dir);
  const files = count(f, 'files', 1);
  const bytes = count(f, 'bytes', 1);
  return {
    start(_param, _guard, seed) {
      if (!existsSync(dir))
        throw new CiError('E_INPUT_UNREADABLE', `the cache folder ${dir} does not exist`, {
          where: 'corrupt_cache:dir',
          hint: 'point dir= at the restored cache or the cache server storage',
        });
      const rng = createRng(seed);
      const all = filesUnder(dir);
      const picked = new Set<string>();
      while (picked.size < Math.min(files, all.length)) picked.add(all[Math.floor(rng.next() * all.length)]!);
      const undo: { file: string; at: number; was: number }[] = [];
      for (const file of [...picked].sort()) {
        const fd = openSync(file, 'r+');
        try {
          const size = statSync(file).size;
          for (let i = 0; i < bytes; i++) {
            const at = Math.floor(rng.next() * size);
            const b = Buffer.alloc(1);
            readSync(fd, b, 0, 1, at);
            undo.push({ file, at, was: b[0]! });
            b[0] = b[0]! ^ 0xff;
            writeSync(fd, b, 0, 1, at);
          }
        } finally {
          closeSync(fd);
        }
      }
      return Promise.resolve({
        detail: `${undo.length} byte${undo.length === 1 ? '' : 's'} flipped in ${picked.size} of ${all.length} files under ${dir}`,
        stop() {
          for (const u of undo.reverse()) {
            if (!existsSync(u.file)) continue;
            const fd = openSync(u.file, 'r+');
            try {
              writeSync(fd, Buffer.from([u.was]), 0, 1, u.at);
            } finally {
              closeSync(fd);
            }
          }
          return Promise.resolve();
        },
      });
    },
  };
}
