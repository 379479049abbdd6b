// disk_fill: a scratch area of a given size (the quota), filled to N % with real bytes; the step
// gets it as TMPDIR and CI_INTEL_CHAOS_SCRATCH, and runs under a file-size limit (RLIMIT_FSIZE via
// prlimit) of the room left, so a writer that needs more than that fails in the kernel (dd: "File
// size limit exceeded") as it would on a full disk — unprivileged, no mount (DECISIONS: D-chaos-2).
// Released after the attempt; the guard removes it if the runner dies first.
import { mkdtempSync, openSync, rmSync, writeSync, closeSync, fsyncSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CiError } from '../../../core/errors.js';
import { checkParams, parseSize, type FaultSpec } from '../faults.js';
import type { PreparedFault } from './types.js';

const CHUNK = 1 << 20;

export function prepareDiskFill(f: FaultSpec): PreparedFault {
  checkParams(f, ['size', 'percent', 'dir']);
  const size = parseSize(f.params.size ?? '64m', 'disk_fill:size');
  const percent = Number(f.params.percent ?? '95');
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new CiError('E_USAGE', `disk_fill:percent=${f.params.percent} is not 0..100`, { where: '--fault', hint: 'e.g. disk_fill:size=64m,percent=95' });
  }
  const parent = f.params.dir ?? os.tmpdir();
  return {
    start(_param, guard) {
      const dir = mkdtempSync(path.join(parent, 'ci-intel-chaos-'));
      guard.dir(dir);
      const fill = Math.floor((size * percent) / 100);
      const fd = openSync(path.join(dir, 'fill'), 'w');
      try {
        const block = Buffer.alloc(CHUNK, 0xa5);
        for (let left = fill; left > 0; left -= CHUNK) writeSync(fd, block, 0, Math.min(CHUNK, left));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      // prlimit refuses 0; one byte of room left still stops any real writer.
      const room = Math.max(1, size - fill);
      let released = false;
      return Promise.resolve({
        env: { TMPDIR: dir, CI_INTEL_CHAOS_SCRATCH: dir },
        wrap: (argv: string[]) => ['prlimit', `--fsize=${room}`, '--', ...argv],
        detail: `scratch ${dir} of ${size} bytes filled to ${percent} % (${room} bytes left)`,
        stop() {
          if (!released) {
            released = true;
            rmSync(dir, { recursive: true, force: true });
            guard.undir(dir);
          }
          return Promise.resolve();
        },
      });
    },
  };
}
