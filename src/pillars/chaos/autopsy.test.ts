// A failed trial's log through `ci-intel autopsy`: the injected fault is the top cause, with the
// seed to replay it — for a killed step (whose log ends in a bare SIGKILL) and for dd under
// disk_fill (whose log has the tool's own error, which the marker must outrank).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pillars, runCli } from '../../../test/support/assembled.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-chaos-autopsy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(args: string[]) {
  let log = '';
  let out = '';
  const code = await runCli(
    args,
    {
      out: (s) => ((out += s), (log += s)),
      err: (s) => (log += s),
      env: { PATH: process.env.PATH, TMPDIR: tmp },
      isTTY: false,
      now: () => new Date(),
      cwd: tmp,
    },
    pillars,
  );
  return { code, out, log };
}

interface Cause {
  category: string;
  tool: string;
  message?: string;
  rule?: string;
  evidence?: { text: string };
}

async function topCause(fault: string, step: string[]) {
  const trial = await cli([
    'chaos',
    'run',
    '--fault',
    fault,
    '--rate',
    '1',
    '--seed',
    '42',
    '--target',
    'build',
    '--retries',
    '1',
    '--backoff',
    '10ms',
    '--',
    ...step,
  ]);
  expect(trial.code).toBe(1);
  const file = path.join(tmp, `${fault.split(':')[0]}.log`);
  writeFileSync(file, trial.log);
  const a = await cli(['autopsy', file, '--json', '--no-model']);
  expect(a.code).toBe(1);
  return (JSON.parse(a.out) as { root_causes: Cause[] }).root_causes[0]!;
}

describe('the autopsy names the injected fault', () => {
  it('kill_job: the top cause is the injected kill, with its seed', async () => {
    const c = await topCause('kill_job:after=20ms..50ms', ['sh', '-c', 'echo compiling; sleep 5']);
    expect(c).toMatchObject({ category: 'chaos_injected', tool: 'ci-intel' });
    expect(JSON.stringify(c)).toContain('ci-intel chaos: injected kill_job into \\"build\\" (seed 42, attempt 1 of 2)');
  });

  it("disk_fill: the marker outranks dd's own error", async () => {
    const c = await topCause(`disk_fill:size=4m,percent=99,dir=${tmp}`, ['sh', '-c', 'dd if=/dev/zero of="$TMPDIR/out" bs=1M count=8 status=none']);
    expect(c).toMatchObject({ category: 'chaos_injected' });
    expect(JSON.stringify(c)).toContain('injected disk_fill into');
  });
});
