// Bounded memory: a pair of 200 MB tars whose big entry differs compares within a peak RSS far
// below the artifact's size (the bench runs the 1 GB pair). Runs the built CLI as its own process
// so the peak (maxRSS) is the comparison's alone.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-repro-mem-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const MAIN = path.resolve('dist/cli/main.js');
// Prints the process's peak resident memory at exit (KiB on Linux).
const PEAK = "data:text/javascript,process.on('exit',()=>process.stderr.write('peak-rss-kib='+process.resourceUsage().maxRSS+'\\n'))";

it('a 200 MB tar pair with a differing 192 MB entry compares in under 160 MB of memory', () => {
  execFileSync(
    'bash',
    [
      '-euo',
      'pipefail',
      '-c',
      `for s in a b; do mkdir -p $s; head -c 192M /dev/zero | tr '\\0' 'x' > $s/big.bin; echo "built $(date -u +%FT%T.%N)" > $s/stamp.txt; done
       printf y | dd of=b/big.bin bs=1 seek=100000000 conv=notrunc status=none
       touch -d @1700000000 a/*; touch -d @1700003600 b/*
       tar -C a -cf a.tar big.bin stamp.txt; tar -C b -cf b.tar big.bin stamp.txt`,
    ],
    { cwd: tmp },
  );
  const r = spawnSync(process.execPath, ['--import', PEAK, MAIN, 'repro', 'diff', path.join(tmp, 'a.tar'), path.join(tmp, 'b.tar'), '--json'], {
    encoding: 'utf8',
  });
  expect(r.status).toBe(1);
  const v = JSON.parse(r.stdout) as { classes: Record<string, number>; differences: { where: string; detail: string }[] };
  expect(v.classes).toEqual({ timestamp: 3, content: 1 });
  expect(
    v.differences.find((d) => d.where === 'a.tar vs b.tar!big.bin' && d.detail.startsWith('differs (201326592 vs 201326592 bytes; over the')),
  ).toBeTruthy();
  const peak = Number(/peak-rss-kib=(\d+)/.exec(r.stderr)?.[1]);
  expect(peak).toBeGreaterThan(0);
  expect(peak / 1024).toBeLessThan(160);
}, 120_000);
