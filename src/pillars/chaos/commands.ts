// `ci-intel chaos run`: one step under one fault and the retry policy.
import path from 'node:path';
import type { Command } from 'commander';
import { examples, jsonLine, numberOption } from '../../core/cli.js';
import { parseDuration } from '../../core/duration.js';
import { CiError } from '../../core/errors.js';
import type { CliContext } from '../../core/registry.js';
import { readTarget } from '../../core/hub-api.js';
import { recordFor, recordOptions, type RecordOpts } from '../../core/record.js';
import { freshSeed, type RetryPolicy } from './decide.js';
import { FAULTS, parseFault, parseFaultList, type FaultName } from './faults.js';
import { planCommand } from './plan-command.js';
import { reportCommand } from './report-command.js';
import { chaosSwitchedOff, switchProbe } from './switch.js';
import { recordTrial, type TrialUpload } from './store.js';
import type { ChaosTables } from './tables.js';
import { runTrial, type TrialResult } from './runner.js';

export function parsePolicy(opts: Record<string, unknown>): RetryPolicy {
  const retries = numberOption('--retries', opts.retries ?? '3', { min: 0, max: 20, integer: true })!;
  const backoffMs = String(opts.backoff ?? '2s,4s,8s')
    .split(',')
    .map((s) => parseDuration(s, '--backoff')!);
  const jitter = numberOption('--jitter', opts.jitter ?? '0.2', { min: 0, max: 1 })!;
  return { retries, backoffMs, jitter };
}

/** The allowlist: `--allow`, else CI_INTEL_CHAOS_ALLOW, else every fault. */
export function allowList(opts: Record<string, unknown>, env: NodeJS.ProcessEnv): { list: FaultName[]; from: string } {
  if (opts.allow !== undefined) return { list: parseFaultList(String(opts.allow), '--allow'), from: '--allow' };
  if (env.CI_INTEL_CHAOS_ALLOW) return { list: parseFaultList(env.CI_INTEL_CHAOS_ALLOW, 'CI_INTEL_CHAOS_ALLOW'), from: 'CI_INTEL_CHAOS_ALLOW' };
  return { list: [...FAULTS], from: 'the default' };
}

export function assertAllowed(fault: FaultName, allow: { list: FaultName[]; from: string }): void {
  if (!allow.list.includes(fault)) {
    throw new CiError('E_CHAOS_REFUSED', `${fault} is not in the fault allowlist (${allow.list.join(', ') || 'empty'}, from ${allow.from})`, {
      where: allow.from,
      hint: `add ${fault} to ${allow.from} to allow it, or choose an allowed fault`,
    });
  }
}

export function parseHostPort(v: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(v.trim());
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535)
    throw new CiError('E_USAGE', `${JSON.stringify(v)} is not host:port`, { where: '--upstream', hint: 'e.g. --upstream 127.0.0.1:5432' });
  return { host: m[1]!, port };
}

export function defaultTarget(env: NodeJS.ProcessEnv, command: string[]): string {
  return env.GITHUB_JOB || env.CI_JOB_NAME || path.basename(command[0] ?? 'step');
}

export function renderTrial(r: TrialResult, fault: string, target: string, seed: number): string {
  if (!r.trial)
    return `no fault injected into ${JSON.stringify(target)} (seed ${seed}); the step ${r.exit_code === 0 ? 'succeeded' : `failed with exit ${r.exit_code}`}\n`;
  const n = r.trial.retries ?? 0;
  const through = r.fallback ? `, ${r.fallback.exit_code === 0 ? 'through' : 'then'} the fallback` : '';
  return `${fault} into ${JSON.stringify(target)}: ${r.trial.outcome} after ${n} ${n === 1 ? 'retry' : 'retries'}${through}, ${(r.ms / 1000).toFixed(2)} s in all (seed ${seed}, replay with --seed ${seed})\n`;
}

export function chaosCommands(program: Command, ctx: CliContext): void {
  const chaos = examples(
    program.command('chaos').description('Chaos in the pipeline: run a step under an injected fault and a measured retry policy'),
    'ci-intel chaos run --fault kill_job --rate 1 --seed 42 -- npm test',
  );
  examples(
    recordOptions(
      chaos
        .command('run')
        .description(
          `Run a step under a fault and the retry policy; the outcome is recovered (succeeded, after retries or not), degraded (succeeded slower than --budget, or only through --fallback) or failed. Faults: ${FAULTS.join(', ')}. The same --seed replays the same decisions. CI_INTEL_CHAOS=off turns injection off; with a hub (--hub or CI_INTEL_HUB) its kill switch is asked before the trial and every --poll ms while a fault is on, and switched off it lifts the fault.`,
        )
        .argument('[command...]', 'the step to run, after --')
        .requiredOption(
          '--fault <name[:k=v,...]>',
          'the fault and its parameters, e.g. kill_job:after=1s..5s, cpu_stress:workers=2,for=30s, disk_fill:size=64m,percent=95; times=1 makes it transient (first attempt only)',
        )
        .option('--rate <0..1>', 'chance that the fault triggers on an attempt', '0.01')
        .option('--seed <n>', 'seed of every random decision (default: a fresh one, printed for replay)')
        .option('--target <name>', 'the step’s name in reports (default: the CI job name, else the command)')
        .option('--retries <n>', 'retries after the first attempt', '3')
        .option('--backoff <list>', 'waits before each retry; the last repeats', '2s,4s,8s')
        .option('--jitter <0..1>', '± fraction applied to each wait', '0.2')
        .option('--budget <duration>', 'a success slower than this is degraded')
        .option(
          '--fallback <command>',
          'a shell command run once, without a fault, when every attempt failed (e.g. fetch a prebuilt artifact); its success is degraded',
        )
        .option('--poll <duration-ms>', 'how often the hub’s kill switch is asked while a fault is on, in ms', '1000')
        .option(
          '--upstream <host:port>',
          'delay_net/drop_net: forward to this address; the step dials CI_INTEL_CHAOS_PROXY (default: an HTTP proxy in HTTP_PROXY/HTTPS_PROXY)',
        )
        .option('--allow <faults>', 'faults allowed here, comma-separated (light = delay_net,cpu_stress,corrupt_cache; env CI_INTEL_CHAOS_ALLOW; default all)')
        .option('--json', 'one JSON object: the trial as the run record’s chaos item (null when nothing was injected) and every attempt'),
      'the trial (when a fault was injected)',
      {
        hub: 'the hub whose kill switch is asked (read scope), and with --record where the trial goes (ingest scope) (env CI_INTEL_HUB)',
        token: 'hub token: read scope for the kill switch, ingest for --record (env CI_INTEL_TOKEN)',
      },
    ),
    'ci-intel chaos run --fault kill_job:after=5s..30s --rate 1 --seed 42 --target build -- make',
    'ci-intel chaos run --fault disk_fill:size=64m,percent=99,times=1 --rate 1 --backoff 1s --json -- ./build.sh',
    'ci-intel chaos run --fault delay_net:latency=300ms,jitter=100ms --rate 1 -- curl -fsS https://registry.npmjs.org/',
    'ci-intel chaos run --fault drop_net:loss=0.3,burst=3 --upstream db:5432 --rate 1 -- ./migrate.sh   # dials $CI_INTEL_CHAOS_PROXY',
    'CI_INTEL_CHAOS=off ci-intel chaos run --fault cpu_stress -- npm test   # runs without faults',
    'ci-intel chaos run --fault kill_job:times=1 --rate 1 --record --hub https://ci-intel.internal -- make   # repo and commit from the CI environment',
    "ci-intel chaos run --fault drop_net --rate 1 --retries 2 --fallback 'curl -fsSO https://mirror.internal/app.tgz' -- npm ci",
  ).action(async (command: string[], opts: Record<string, unknown>) => {
    if (!command.length)
      throw new CiError('E_USAGE', 'no step command given', {
        where: 'chaos run',
        hint: 'put it after --, e.g. ci-intel chaos run --fault kill_job -- npm test',
      });
    const fault = parseFault(String(opts.fault));
    assertAllowed(fault.name, allowList(opts, ctx.env));
    const rate = numberOption('--rate', opts.rate, { min: 0, max: 1 })!;
    const seed = numberOption('--seed', opts.seed ?? freshSeed(), { min: 0, max: 2 ** 53 - 1, integer: true })!;
    const target = String(opts.target ?? defaultTarget(ctx.env, command));
    const budgetMs = opts.budget === undefined ? undefined : parseDuration(String(opts.budget), '--budget')!;
    const pollMs = numberOption('--poll', opts.poll, { min: 10, max: 600_000, integer: true })!;
    const fallback = opts.fallback === undefined ? undefined : ['sh', '-c', fallbackLine(opts.fallback)];
    // The hub's kill switch, when there is a hub to ask; --record --db means none.
    const hub = readTarget(opts, ctx);
    const stillOn = hub ? switchProbe(ctx.env, hub, (s) => ctx.err(`ci-intel chaos: ${s}\n`)) : undefined;
    const envOff = chaosSwitchedOff(ctx.env);
    const on = !envOff && (!stillOn || (await stillOn()));
    const r = await runTrial({
      fault,
      target,
      seed,
      rate,
      policy: parsePolicy(opts),
      budgetMs,
      command,
      fallback,
      env: ctx.env,
      inject: on,
      ...(envOff ? {} : { switchOff: 'the hub’s kill switch' }),
      stillOn,
      pollMs,
      // With --json stdout carries one object only: the step's own output goes to stderr.
      stdout: opts.json ? ctx.err : ctx.out,
      stderr: ctx.err,
      now: ctx.now,
      faultContext: { upstream: opts.upstream === undefined ? undefined : parseHostPort(String(opts.upstream)) },
    });
    ctx.out(
      opts.json
        ? `${jsonLine({ trial: r.trial, attempts: r.attempts, ...(r.fallback ? { fallback: r.fallback } : {}), exit_code: r.exit_code, ms: r.ms, added_ms: r.added_ms })}\n`
        : renderTrial(r, fault.name, target, seed),
    );
    if (r.exit_code !== 0) process.exitCode = 1;
    if (opts.record) await recordResult(opts as RecordOpts, ctx, r);
  });

  reportCommand(chaos, ctx);
  planCommand(chaos, ctx);
}

export function fallbackLine(v: unknown): string {
  const line = String(v).trim();
  if (!line)
    throw new CiError('E_USAGE', 'the fallback command is empty', { where: '--fallback', hint: "e.g. --fallback 'curl -fsSO https://mirror/app.tgz'" });
  return line;
}

/** `--record`: the trial goes to the hub or the store; a trial with nothing injected is not one. */
export async function recordResult(o: RecordOpts, ctx: CliContext, r: TrialResult): Promise<void> {
  if (!r.trial) {
    ctx.err('nothing recorded: no fault was injected, so this was not a chaos trial\n');
    return;
  }
  const upload = { trial: r.trial as TrialUpload['trial'], added_ms: r.added_ms };
  const rec = await recordFor<{ trial_id: string }>(
    o,
    ctx,
    { tail: 'chaos-trials', body: JSON.stringify(upload), contentType: 'application/json' },
    async (hub, repo, commit) => ({ trial_id: await recordTrial(hub.db.withTables<ChaosTables>(), { repo, commit, at: ctx.now(), upload }) }),
  );
  ctx.err(`recorded the ${r.trial.fault} trial of ${rec.repo}@${rec.commit.slice(0, 12)}${rec.where} (trial ${rec.result.trial_id})\n`);
}
