// The dual run end to end through the CLI: planted causes found under the variations and their
// fixed builds reproducible; the budget stops a slow build with a partial report; a failed build.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../test/support/assembled.js';
import { determinismPillar } from '../index.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-repro-dual-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(args: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const code = await runCli(
    args,
    { out: (s) => (out += s), err: (s) => (err += s), env: { PATH: process.env.PATH!, HOME: tmp, ...env }, isTTY: false, now: () => new Date(), cwd: tmp },
    [determinismPillar],
  );
  return { code, out, err };
}

function project(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const HELLO = '#include <stdio.h>\nint main(void) { printf("built %s %s\\n", __DATE__, __TIME__); return 0; }\n';

interface Report {
  variations: { variation: string; applied: string }[];
  runs: { exitCode: number }[];
  verdicts: { artifact: string; verdict: string; classes: Record<string, number> }[];
  stopped?: string;
}

describe('ci-intel repro -- BUILD', () => {
  it('a C build with __DATE__, the build folder and an unsorted tar: every cause classified', async () => {
    const dir = project('c-plain', {
      'hello.c': HELLO,
      Makefile: 'all:\n\tmkdir -p out && gcc -g -O1 -o out/hello hello.c && tar -cf out/app.tar out/hello\n',
    });
    const r = await cli(['repro', '-C', dir, '--json', '--', 'make']);
    expect(r.code).toBe(1);
    const o = JSON.parse(r.out) as Report;
    expect(o.variations.map((v) => v.variation)).toEqual(['time', 'tz', 'locale', 'umask', 'path', 'env-order', 'hostname', 'user', 'cpus', 'file-order']);
    expect(o.verdicts.map((v) => [v.artifact, v.verdict, Object.keys(v.classes).sort()])).toEqual([
      ['out/app.tar', 'not reproducible', ['build-id', 'build-path', 'timestamp', 'umask/permissions']],
      ['out/hello', 'not reproducible', ['build-id', 'build-path', 'timestamp']],
    ]);
  }, 120_000);

  it('the fixed build (SOURCE_DATE_EPOCH, -ffile-prefix-map, a sorted tar with fixed times, owners, modes) reproduces under every variation', async () => {
    const dir = project('c-fixed', {
      'hello.c': HELLO,
      Makefile:
        'all:\n\tmkdir -p out && gcc -g -O1 -ffile-prefix-map=$(CURDIR)=. -o out/hello hello.c && tar --sort=name --mtime=@$(SOURCE_DATE_EPOCH) --owner=0 --group=0 --numeric-owner --mode=go-w -cf out/app.tar out/hello\n',
    });
    const r = await cli(['repro', '-C', dir, '--', 'make'], { SOURCE_DATE_EPOCH: '1700000000' });
    expect(r.out).toMatch(/\n2 of 2 artifacts reproducible\n$/);
    expect(r.code).toBe(0);
  }, 120_000);

  it('what each variation changes shows up under its class: time zone, locale, umask, host, user', async () => {
    const dir = project('env-echo', {
      'build.sh':
        '#!/bin/sh\nmkdir -p out\n{ echo "zone $TZ"; echo "lang $LC_ALL"; echo "mask $(umask)"; echo "host $(hostname)"; echo "user $USER"; } > out/env.txt\n',
    });
    const r = await cli(['repro', '-C', dir, '--vary', 'tz,locale,umask,hostname,user', '--json', '--', 'sh', 'build.sh']);
    const o = JSON.parse(r.out) as Report;
    expect(o.verdicts).toHaveLength(1);
    expect(o.verdicts[0]!.classes).toEqual({ timestamp: 1, locale: 1, 'umask/permissions': 1, 'hostname/user': 2 });
    expect(o.variations.find((v) => v.variation === 'user')!.applied).toBe('through the environment');
  }, 120_000);

  it('the budget stops a slow build: a partial report, not a hang', async () => {
    const dir = project('slow', { 'build.sh': 'sleep 60\n' });
    const t0 = Date.now();
    const r = await cli(['repro', '-C', dir, '--budget', '2s', '--', 'sh', 'build.sh']);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/build 1: exit killed, \d+(\.\d)? s, 0 artifacts\nstopped: the budget ran out during build 1; it was stopped\n/);
  }, 30_000);

  it('a failing build is reported with the end of its output (exit 2); no command is a usage error', async () => {
    const dir = project('failing', { 'build.sh': 'echo "compiler exploded" >&2; exit 3\n' });
    const r = await cli(['repro', '-C', dir, '--', 'sh', 'build.sh']);
    expect(r.code).toBe(2);
    expect(r.out).toContain('stopped: build 1 failed (exit 3); nothing to compare');
    expect(r.err).toContain('compiler exploded');
    const u = await cli(['repro', '-C', dir, '--vary', 'moon-phase', '--', 'true']);
    expect(u.code).toBe(2);
    expect(u.err).toMatch(/E_USAGE: --vary: "moon-phase" is not a variation — choose from time, tz/);
    expect((await cli(['repro', '-C', dir])).err).toMatch(/E_USAGE: repro: no build command given/);
  }, 30_000);
});
