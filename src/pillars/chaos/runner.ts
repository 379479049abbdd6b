// Runs one chaos trial: the step under the fault and the retry policy. The decisions come from the
// seed before anything runs (decide.ts); this file only does the I/O — spawn the step in its own
// process group, start and stop the fault around each attempt, wait the backoff, judge the outcome.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import type { ContractChaosTrial } from '../../core/contract/index.js';
import { CiError } from '../../core/errors.js';
import { decideTrial, type AttemptDecision, type RetryPolicy } from './decide.js';
import type { FaultSpec } from './faults.js';
import { startGuard, type Guard } from './guard.js';
import { prepareFault } from './inject/index.js';
import type { FaultContext, Injection } from './inject/types.js';

export interface TrialOptions {
  fault: FaultSpec;
  target: string;
  seed: number;
  rate: number;
  policy: RetryPolicy;
  /** A success slower than this is `degraded`. */
  budgetMs?: number;
  command: string[];
  /**
   * Run once, without a fault, when every attempt of the step failed (e.g. fetch a prebuilt
   * artifact instead of building it). A success through it is `degraded`: the pipeline went on,
   * but not the way it should have.
   */
  fallback?: string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** False when the kill switch is set: the step runs under the retry policy, nothing is injected. */
  inject: boolean;
  /** How the log names the switch that turned injection off (default: CI_INTEL_CHAOS=off). */
  switchOff?: string;
  /**
   * The kill switch, asked before each injected attempt and every `pollMs` while a fault is on:
   * false lifts the fault at once and stops injecting from then on.
   */
  stillOn?: () => Promise<boolean>;
  pollMs?: number;
  /** Where the step's stdout and stderr go. */
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  now: () => Date;
  /** What the faults need from the command line (e.g. `--upstream`). */
  faultContext?: FaultContext;
}

export interface AttemptResult {
  attempt: number;
  injected: boolean;
  /** What was injected, in words. */
  detail?: string;
  exit_code: number;
  signal: string | null;
  ms: number;
  /** The wait before the next attempt, when there was one. */
  backoff_ms?: number;
  /** The kill switch lifted the fault while this attempt ran. */
  lifted?: boolean;
}

/** The fallback's run, when the step's attempts were all spent. */
export interface FallbackResult {
  exit_code: number;
  signal: string | null;
  ms: number;
}

export interface TrialResult {
  /** The contract's `chaos[]` item; null when no fault was injected in any attempt. */
  trial: ContractChaosTrial | null;
  attempts: AttemptResult[];
  /** Present when the step failed every attempt and a fallback was given. */
  fallback?: FallbackResult;
  /** The step's last exit code (128 + signal number when killed), or the fallback's when it ran. */
  exit_code: number;
  /** Wall time of the whole trial, backoffs included. */
  ms: number;
  /** What the fault cost: the trial's wall time but the last attempt (failed attempts and backoffs). */
  added_ms: number;
  /** The kill switch stopped injection during this trial. */
  switched_off: boolean;
}

/** The marker the autopsy's `chaos` rules read: one line in the step's log per injection. */
export const markerLine = (fault: string, target: string, seed: number, attempt: number, of: number) =>
  `ci-intel chaos: injected ${fault} into ${JSON.stringify(target)} (seed ${seed}, attempt ${attempt} of ${of})`;

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export async function runTrial(o: TrialOptions): Promise<TrialResult> {
  const prepared = prepareFault(o.fault, o.faultContext);
  const plan = decideTrial({ seed: o.seed, rate: o.rate, times: o.fault.times, paramRange: prepared.paramRange, policy: o.policy });
  const say = (s: string) => o.stderr(`ci-intel chaos: ${s}\n`);
  if (!o.inject) say(`fault injection is off (${o.switchOff ?? 'CI_INTEL_CHAOS=off'}): the step runs without faults`);
  const guard = startGuard();
  const shared = await prepared.setup?.();
  const opts = shared ? { ...o, env: { ...o.env, ...shared.env } } : o;
  const started = o.now();
  const t0 = performance.now();
  const attempts: AttemptResult[] = [];
  let injecting = o.inject;
  let fallback: FallbackResult | undefined;
  try {
    for (const d of plan) {
      if (injecting && d.inject && o.stillOn && !(await o.stillOn())) {
        injecting = false;
        say('fault injection was switched off: no more faults in this trial');
      }
      const a = await runAttempt(opts, d, injecting && d.inject ? prepared.start.bind(prepared) : null, plan.length, guard, say);
      attempts.push(a);
      if (a.lifted) injecting = false;
      const tail = a.exit_code === 0 ? 'succeeded' : `failed (${a.signal ? `killed by ${a.signal}` : `exit ${a.exit_code}`})`;
      if (a.exit_code === 0 || d.backoff_ms === undefined) {
        say(`attempt ${d.attempt} of ${plan.length} ${tail} after ${secs(a.ms)}`);
        break;
      }
      a.backoff_ms = d.backoff_ms;
      say(`attempt ${d.attempt} of ${plan.length} ${tail} after ${secs(a.ms)}; retrying in ${secs(d.backoff_ms)}`);
      await new Promise((r) => setTimeout(r, d.backoff_ms));
    }
    const failed = attempts[attempts.length - 1]!.exit_code !== 0;
    if (failed && o.fallback) {
      say(`every attempt failed: running the fallback ${JSON.stringify(o.fallback.join(' '))}`);
      const f = await runAttempt({ ...opts, command: o.fallback }, { attempt: plan.length + 1, inject: false }, null, plan.length, guard, say);
      fallback = { exit_code: f.exit_code, signal: f.signal, ms: f.ms };
      say(`the fallback ${f.exit_code === 0 ? 'succeeded' : `failed (${f.signal ? `killed by ${f.signal}` : `exit ${f.exit_code}`})`} after ${secs(f.ms)}`);
    }
  } finally {
    await shared?.close();
    guard.done();
  }
  const ms = Math.round(performance.now() - t0);
  const last = attempts[attempts.length - 1]!;
  // The exit code the pipeline sees: the fallback's when it ran, else the step's last attempt's.
  const exitCode = fallback?.exit_code ?? last.exit_code;
  const outcome = exitCode !== 0 ? 'failed' : fallback || (o.budgetMs !== undefined && ms > o.budgetMs) ? 'degraded' : 'recovered';
  const trial: ContractChaosTrial | null = attempts.some((a) => a.injected)
    ? {
        fault: o.fault.name,
        target: o.target,
        seed: o.seed,
        rate: o.rate,
        started_at: started.toISOString(),
        ended_at: o.now().toISOString(),
        outcome,
        retries: attempts.length - 1,
      }
    : null;
  const switched_off = o.inject && !injecting && plan.some((d) => d.inject);
  // What the fault cost: everything but the run that counted (the fallback's, else the last attempt's).
  const added_ms = Math.max(0, ms - (fallback?.ms ?? last.ms));
  return { trial, attempts, ...(fallback ? { fallback } : {}), exit_code: exitCode, ms, added_ms, switched_off };
}

/**
 * The step starts behind a gate: a shell that waits for "go" on fd 3, then execs the step (same
 * pid, same process group). The runner says "go" only once the guard's pipe holds the step's group.
 * Without it, a runner starved of CPU (its own cpu_stress threads, a loaded machine) could be
 * killed after the step started but before it told the guard — and the step outlived it. If the
 * runner dies before "go", the read sees the pipe close and the step never runs.
 */
const GATE = ['sh', '-c', 'read -r go <&3 || exit 125; exec 3<&-; exec "$@"', 'ci-intel-chaos-step'];

async function runAttempt(
  o: TrialOptions,
  d: AttemptDecision,
  start: ((param: number | undefined, guard: Guard, seed: number) => Promise<Injection>) | null,
  of: number,
  guard: Guard,
  say: (s: string) => void,
): Promise<AttemptResult> {
  // Each attempt's toxics draw from their own stream, derived from the trial's seed.
  const inj = start ? await start(d.param, guard, (o.seed + d.attempt * 0x9e3779b1) >>> 0) : null;
  if (inj) o.stderr(`${markerLine(o.fault.name, o.target, o.seed, d.attempt, of)}: ${inj.detail}\n`);
  const t0 = performance.now();
  const watch = inj && o.stillOn ? watchSwitch(o.stillOn, o.pollMs ?? 1000, inj, say) : null;
  try {
    const argv = [...GATE, ...(inj?.wrap ? inj.wrap(o.command) : o.command)];
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      const child = spawn(argv[0]!, argv.slice(1), {
        cwd: o.cwd,
        env: { ...o.env, ...inj?.env },
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        detached: true,
      });
      child.on('error', (e: NodeJS.ErrnoException) =>
        reject(
          new CiError('E_USAGE', `cannot run ${JSON.stringify(argv[0])}: ${e.code ?? e.message}`, {
            where: 'the step command',
            hint: 'check the command after --',
          }),
        ),
      );
      const pgid = child.pid;
      if (pgid === undefined) return;
      const gate = child.stdio[3] as Writable;
      gate.on('error', () => {});
      // The step may start only once the guard is sure to know its group (see GATE).
      void guard.group(pgid).then(() => gate.end('go\n'));
      inj?.started?.(pgid);
      child.stdout!.on('data', (b: Buffer) => o.stdout(b.toString()));
      child.stderr!.on('data', (b: Buffer) => o.stderr(b.toString()));
      let exit: { code: number | null; signal: NodeJS.Signals | null } = { code: null, signal: null };
      child.on('exit', (code, signal) => {
        exit = { code, signal };
        // The step is over: what it left running in its group goes too, as a CI step's would.
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          // Nothing left in the group.
        }
        guard.ungroup(pgid);
      });
      child.on('close', () => resolve(exit));
    });
    const exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
    const lifted = (await watch?.end()) ?? false;
    return {
      attempt: d.attempt,
      injected: !!inj,
      ...(inj ? { detail: inj.detail } : {}),
      exit_code: exitCode,
      signal,
      ms: Math.round(performance.now() - t0),
      ...(lifted ? { lifted } : {}),
    };
  } finally {
    await watch?.end();
    await inj?.stop();
  }
}

/** Asks the kill switch every `pollMs` while a fault is on; when it says off, lifts the fault. */
function watchSwitch(stillOn: () => Promise<boolean>, pollMs: number, inj: Injection, say: (s: string) => void) {
  let lifted = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pending: Promise<void> = Promise.resolve();
  const tick = () => {
    pending = (async () => {
      if (stopped) return;
      if (!(await stillOn())) {
        lifted = true;
        await inj.stop();
        say('fault injection was switched off: the fault is lifted, no more faults in this trial');
        return;
      }
      if (!stopped) timer = setTimeout(tick, pollMs);
    })();
  };
  timer = setTimeout(tick, pollMs);
  return {
    async end(): Promise<boolean> {
      stopped = true;
      clearTimeout(timer);
      await pending;
      return lifted;
    },
  };
}
