// `ci-intel chaos run` through the assembled CLI with real steps: a shell killed by kill_job, dd
// writing under disk_fill, a CPU-sensitive node step under cpu_stress — transient faults recover
// with retries, persistent ones fail; the seed replays; the kill switch and the allowlist hold.
// Backoffs are short (flags) so the file stays fast.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pillars, runCli } from '../../../test/support/assembled.js';
import type { TrialResult } from './runner.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-chaos-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const NOW = new Date('2026-12-06T08:00:00Z');
const FAST = ['--backoff', '20ms', '--jitter', '0.2'];

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const code = await runCli(
    args,
    { out: (s) => (out += s), err: (s) => (err += s), env: { PATH: process.env.PATH, TMPDIR: tmp, ...env }, isTTY: false, now: () => NOW, cwd: tmp },
    pillars,
  );
  return { code, out, err };
}
const json = (s: string) => JSON.parse(s) as TrialResult;
/** `chaos run` at rate 1 with short backoffs; `flags` add to or override those. */
const run = (fault: string, flags: string[], step: string[], env: NodeJS.ProcessEnv = {}) =>
  cli(['chaos', 'run', '--fault', fault, '--rate', '1', ...FAST, ...flags, '--', ...step], env);

describe('chaos run: kill_job', () => {
  it('a persistent kill (rate 1) fails after every retry, each attempt killed by SIGKILL', async () => {
    const r = await run('kill_job:after=50ms..150ms', ['--seed', '7', '--retries', '2', '--json'], ['sh', '-c', 'sleep 5']);
    expect(r.code).toBe(1);
    const t = json(r.out);
    expect(t.trial).toMatchObject({ fault: 'kill_job', target: 'sh', seed: 7, rate: 1, outcome: 'failed', retries: 2 });
    expect(t.attempts.map((a) => [a.injected, a.signal])).toEqual([
      [true, 'SIGKILL'],
      [true, 'SIGKILL'],
      [true, 'SIGKILL'],
    ]);
    expect(r.err).toContain('ci-intel chaos: injected kill_job into "sh" (seed 7, attempt 1 of 3)');
  });

  it('a transient kill (times=1) is recovered on the retry; the step’s output comes through', async () => {
    const r = await run('kill_job:after=50ms..150ms,times=1', ['--seed', '7', '--target', 'build'], ['sh', '-c', 'sleep 1; echo built']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('built\n');
    expect(r.out).toMatch(/kill_job into "build": recovered after 1 retry, [\d.]+ s in all \(seed 7, replay with --seed 7\)\n$/);
  });

  it('succeeding slower than --budget is degraded', async () => {
    const r = await run('kill_job:after=10ms,times=1', ['--seed', '1', '--budget', '1ms', '--json'], ['sh', '-c', 'sleep 1']);
    expect(json(r.out).trial).toMatchObject({ outcome: 'degraded', retries: 1 });
    expect(r.code).toBe(0);
  });

  it('--fallback runs once, without the fault, after the last failed attempt: its success is degraded, its failure failed', async () => {
    const artifact = path.join(tmp, 'artifact.tgz');
    const r = await run(
      'kill_job:after=50ms..100ms',
      ['--seed', '3', '--retries', '1', '--fallback', `echo fetched > ${artifact}`, '--json'],
      ['sh', '-c', 'sleep 5'],
    );
    expect(r.code, r.err).toBe(0);
    const t = json(r.out);
    expect(t.trial).toMatchObject({ fault: 'kill_job', outcome: 'degraded', retries: 1 });
    expect(t.attempts.map((a) => a.signal)).toEqual(['SIGKILL', 'SIGKILL']);
    expect(t.fallback).toMatchObject({ exit_code: 0, signal: null });
    expect(readFileSync(artifact, 'utf8')).toBe('fetched\n');
    expect(r.err).toContain('every attempt failed: running the fallback');
    // The fallback is not run when the step itself recovers.
    const ok = await run('kill_job:after=10ms,times=1', ['--seed', '3', '--fallback', 'exit 9', '--json'], ['sh', '-c', 'sleep 0.3']);
    expect(json(ok.out)).toMatchObject({ trial: { outcome: 'recovered' }, exit_code: 0 });
    expect(json(ok.out).fallback).toBeUndefined();
    const bad = await run('kill_job:after=50ms..100ms', ['--seed', '3', '--retries', '0', '--fallback', 'exit 9'], ['sh', '-c', 'sleep 5']);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/kill_job into "sh": failed after 0 retries, then the fallback, /);
    expect(bad.err).toContain('the fallback failed (exit 9)');
  });

  it('the same seed replays the same decisions (which attempts are hit, the waits)', async () => {
    const args = ['chaos', 'run', '--fault', 'kill_job:after=20ms..60ms', '--rate', '0.5', '--retries', '5', '--backoff', '10ms,20ms', '--json'];
    const step = ['--', 'sh', '-c', 'sleep 0.5'];
    const shape = (t: TrialResult) => t.attempts.map((a) => ({ attempt: a.attempt, injected: a.injected, backoff_ms: a.backoff_ms, detail: a.detail }));
    const hits: boolean[] = [];
    for (const seed of ['3', '11']) {
      const a = json((await cli([...args, '--seed', seed, ...step])).out);
      const b = json((await cli([...args, '--seed', seed, ...step])).out);
      expect(shape(a)).toEqual(shape(b));
      expect(a.trial?.outcome).toBe(b.trial?.outcome);
      hits.push(...a.attempts.map((x) => x.injected));
    }
    // Both kinds of decision were exercised, so the comparison could have failed.
    expect(new Set(hits)).toEqual(new Set([true, false]));
  });
});

describe('chaos run: disk_fill', () => {
  const dd = `echo "$CI_INTEL_CHAOS_SCRATCH" >> ${tmp}/scratch.txt; dd if=/dev/zero of="$TMPDIR/dd-$$" bs=1M count=8 status=none; rc=$?; rm -f "$TMPDIR/dd-$$"; exit $rc`;

  it('a real dd fails while the scratch area is full and succeeds once it is released; the scratch is freed', async () => {
    const r = await run(`disk_fill:size=16m,percent=90,dir=${tmp},times=1`, ['--seed', '5', '--json'], ['sh', '-c', dd]);
    const t = json(r.out);
    expect(t.trial).toMatchObject({ fault: 'disk_fill', outcome: 'recovered', retries: 1 });
    expect(t.attempts[0]!.exit_code).not.toBe(0);
    expect(t.attempts[0]!.detail).toMatch(/filled to 90 % \(1677722 bytes left\)/);
    const scratch = readFileSync(path.join(tmp, 'scratch.txt'), 'utf8').trim().split('\n')[0]!;
    expect(scratch).toContain(path.join(tmp, 'ci-intel-chaos-'));
    expect(existsSync(scratch)).toBe(false);
  });

  it('persistent: every attempt fails, the trial fails', async () => {
    const r = await run(`disk_fill:size=4m,percent=99,dir=${tmp}`, ['--seed', '5', '--retries', '1', '--json'], ['sh', '-c', dd]);
    expect(r.code).toBe(1);
    expect(json(r.out).trial).toMatchObject({ outcome: 'failed', retries: 1 });
  });
});

describe('chaos run: cpu_stress', () => {
  // A CPU-sensitive step: it watches how much CPU its parent (the chaos runner, otherwise idle
  // while it waits) burns in 1.5 s and fails when it is over 0.15 s — the stressors' workers.
  const step = `const fs=require('fs');const t=()=>{const f=fs.readFileSync('/proc/'+process.ppid+'/stat','utf8').split(') ')[1].split(' ');return Number(f[11])+Number(f[12]);};const a=t();setTimeout(()=>{const d=t()-a;console.log('runner cpu ticks',d);process.exit(d>15?1:0)},1500);`;

  it('transient stress fails the sensitive step once, the retry recovers; persistent stress fails it', async () => {
    const transient = await run('cpu_stress:workers=2,times=1', ['--seed', '9', '--json'], [process.execPath, '-e', step]);
    expect(json(transient.out).trial).toMatchObject({ fault: 'cpu_stress', outcome: 'recovered', retries: 1 });
    const persistent = await run('cpu_stress:workers=2', ['--seed', '9', '--retries', '1', '--json'], [process.execPath, '-e', step]);
    expect(json(persistent.out).trial).toMatchObject({ outcome: 'failed', retries: 1 });
  });
});

describe('chaos run: kill switch, allowlist, bad input', () => {
  it('CI_INTEL_CHAOS=off injects nothing: the step runs plainly, no trial', async () => {
    const r = await cli(['chaos', 'run', '--fault', 'kill_job:after=10ms', '--rate', '1', '--seed', '1', '--json', '--', 'sh', '-c', 'sleep 0.3'], {
      CI_INTEL_CHAOS: 'off',
    });
    expect(r.code).toBe(0);
    expect(json(r.out)).toMatchObject({ trial: null, attempts: [{ injected: false, exit_code: 0 }] });
    expect(r.err).toContain('fault injection is off (CI_INTEL_CHAOS=off)');
  });

  it('refuses a fault outside the allowlist (flag or environment) before running anything', async () => {
    const flag = await cli(['chaos', 'run', '--fault', 'kill_job', '--allow', 'light', '--', 'sh', '-c', `touch ${tmp}/ran`]);
    expect(flag.code).toBe(2);
    expect(flag.err).toContain('E_CHAOS_REFUSED: --allow: kill_job is not in the fault allowlist (corrupt_cache, cpu_stress, delay_net, from --allow)');
    const env = await cli(['chaos', 'run', '--fault', 'disk_fill', '--', 'true'], { CI_INTEL_CHAOS_ALLOW: 'kill_job' });
    expect(env.err).toContain('E_CHAOS_REFUSED: CI_INTEL_CHAOS_ALLOW: disk_fill is not in the fault allowlist');
    expect(existsSync(path.join(tmp, 'ran'))).toBe(false);
  });

  it('bad input names the place', async () => {
    const cases: [string[], string][] = [
      [['--fault', 'kill_jobs'], 'E_USAGE: --fault: "kill_jobs" is not a fault'],
      [['--fault', 'kill_job:aftr=1s'], 'E_USAGE: --fault: kill_job has no parameter "aftr"'],
      [['--fault', 'kill_job:after=5s..1s'], 'E_USAGE: kill_job:after: "5s..1s": the range ends before it starts'],
      [['--fault', 'kill_job', '--rate', '2'], 'E_USAGE: --rate: --rate "2" is not valid'],
      [['--fault', 'kill_job', '--backoff', '2 sec'], 'E_USAGE: --backoff: "2 sec" is not a duration'],
      [['--fault', 'disk_fill:percent=120'], 'E_USAGE: --fault: disk_fill:percent=120 is not 0..100'],
      [['--fault', 'kill_job', '--fallback', ' '], 'E_USAGE: --fallback: the fallback command is empty'],
      [['--fault', 'kill_job', '--poll', '5'], 'E_USAGE: --poll'],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(['chaos', 'run', ...args, '--', 'true']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toContain(msg);
    }
    const none = await cli(['chaos', 'run', '--fault', 'kill_job']);
    expect(none.err).toContain('no step command given');
  });

  it('--help has examples', async () => {
    const r = await cli(['chaos', 'run', '--help']);
    expect(r.out).toContain('Examples:');
    expect(r.out).toContain('ci-intel chaos run --fault kill_job:after=5s..30s --rate 1 --seed 42 --target build -- make');
  });
});
