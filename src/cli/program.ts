// The commander program: core commands plus each pillar's commands and gates.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import type { Config, DeepPartial } from '../core/config.js';
import { CiError } from '../core/errors.js';
import type { CliContext, GateResult, HubContext, Pillar } from '../core/registry.js';
import { examples, isConfigFree } from '../core/cli.js';
import { AgentTrace, sendAgentSpans } from '../core/agent-spans.js';
import type { OtlpTarget } from '../core/otlp.js';

// What a CLI run loads is what its command needs (src/cli/light.ts): the config loader (typebox,
// ajv, yaml) loads before an action that may read the configuration, the core commands (the store's
// query builder, the report renderer) only into a program that offers them.
type ConfigModule = typeof import('../core/config.js');
let configModule: ConfigModule | undefined;
const loadConfigModule = async (): Promise<ConfigModule> => (configModule ??= await import('../core/config.js'));

/** The version in the package's own package.json (beside dist/), wherever the command runs from. */
export function packageVersion(): string {
  const file = fileURLToPath(new URL('../../package.json', import.meta.url));
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

export interface ProgramIO {
  out: (s: string) => void;
  err: (s: string) => void;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
  now?: () => Date;
  cwd?: string;
}

/** Maps the common flags (--db, --data-dir, --config, --host, --port, --demo) into config flags. */
export function flagsToConfig(flags: Record<string, unknown>): { flags: DeepPartial<Config>; file?: string } {
  const f: DeepPartial<Config> = {};
  if (typeof flags.db === 'string') f.db = flags.db;
  if (typeof flags.dataDir === 'string') f.dataDir = flags.dataDir;
  const server: DeepPartial<Config['server']> = {};
  if (typeof flags.host === 'string') server.host = flags.host;
  if (flags.port !== undefined) {
    const port = Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new CiError('E_USAGE', `--port ${String(flags.port)} is not a port number`, { hint: 'use 0..65535 (0 = any free port)' });
    server.port = port;
  }
  if (flags.demo === true) server.demo = true;
  if (Object.keys(server).length) f.server = server;
  return { flags: f, file: typeof flags.config === 'string' ? flags.config : undefined };
}

/**
 * `hubPillars`: the registry a store is opened with, when the program was built from fewer pillars
 * than the hub has (src/cli/light.ts): a store always runs every pillar's migrations.
 */
export function makeCliContext(io: ProgramIO, pillars: Pillar[], hubPillars?: () => Promise<Pillar[]>): CliContext {
  const now = io.now ?? (() => new Date());
  const sections = pillars.flatMap((p) => (p.config ? [p.config] : []));
  // An old key spelling is warned about once per command, however often the config is loaded.
  const warned = new Set<string>();
  const warn = (m: string) => {
    if (!warned.has(m)) io.err(`warning: ${m}\n`);
    warned.add(m);
  };
  const config = (flags: Record<string, unknown> = {}) => {
    // Loaded by the program's preAction hook (or openHub): only a command marked withoutConfig()
    // gets here without it, and that mark is then wrong.
    if (!configModule) throw new Error('ctx.config() was called by a command marked withoutConfig()');
    const { flags: f, file } = flagsToConfig(flags);
    return configModule.loadConfig({ flags: f, file, env: io.env, cwd: io.cwd, sections, warn });
  };
  return {
    config,
    async openHub(flags = {}, opts = {}) {
      await loadConfigModule();
      // Loaded on first use: most agent commands never open a store.
      const { openHub } = await import('../server/hub.js');
      return openHub(config(flags), { pillars: hubPillars ? await hubPillars() : pillars, now, start: opts.start });
    },
    out: io.out,
    err: io.err,
    env: io.env,
    isTTY: io.isTTY,
    now,
    alertRules: (cfg) => pillars.flatMap((p) => p.alertRules?.(cfg) ?? []),
    gates: () => pillars.flatMap((p) => p.gates ?? []),
  };
}

/** Prints a gate's one line: `PASS|FAIL gate=NAME value=V min=X reason=...`. */
export function formatGate(name: string, r: GateResult): string {
  const parts = [r.pass ? 'PASS' : 'FAIL', `gate=${name}`, `value=${r.value === null ? 'none' : round(r.value)}`];
  if (r.min !== undefined) parts.push(`min=${r.min}`);
  if (r.max !== undefined) parts.push(`max=${r.max}`);
  for (const [k, v] of Object.entries(r.fields ?? {})) parts.push(`${k}=${typeof v === 'number' ? round(v) : v}`);
  parts.push(`reason=${JSON.stringify(r.reason)}`);
  return parts.join(' ');
}

const round = (v: number) => String(Math.round(v * 10_000) / 10_000);

/** What runCli builds beyond the pillars' commands. */
export interface ProgramParts {
  /**
   * The core commands (serve, ingest, runs ...) and `gate`: false for a program built for one
   * pillar command (src/cli/light.ts), which never reaches them.
   */
  core?: boolean;
}

type CoreCommands = typeof import('./commands.js').coreCommands;

function buildProgram(
  io: ProgramIO,
  pillars: Pillar[],
  hubPillars: (() => Promise<Pillar[]>) | undefined,
  coreCommands: CoreCommands | null,
): { program: Command; ctx: CliContext } {
  const ctx = makeCliContext(io, pillars, hubPillars);
  const program = new Command('ci-intel')
    .description('CI/CD intelligence: why CI failed, which tests lie, how good tests are, how fast you deliver, what CI costs.')
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage and examples)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  examples(program, 'ci-intel serve --demo', 'ci-intel validate runs.ndjson', 'ci-intel gate --help');
  program.hook('preAction', async (_program, action) => {
    if (!isConfigFree(action)) await loadConfigModule();
  });

  coreCommands?.(program, ctx);
  for (const p of pillars) p.commands?.(program, ctx);
  if (!coreCommands) return { program, ctx };

  const gate = examples(program.command('gate').description('Quality gates: print PASS|FAIL gate=NAME value=V ... and exit 1 on FAIL'), 'ci-intel gate --help');
  const gates = pillars.flatMap((p) => p.gates ?? []).sort((a, b) => a.name.localeCompare(b.name));
  for (const g of gates) {
    const sub = gate.command(g.name).description(g.description).exitOverride();
    g.configure(sub);
    sub.action(async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const opts = cmd.opts();
      const positional = cmd.args;
      const r = await g.run(positional, opts, ctx);
      io.out(formatGate(g.name, r) + '\n');
      if (!r.pass) process.exitCode = 1;
    });
  }
  if (gates.length === 0) gate.action(() => io.err('no gates are registered\n'));
  return { program, ctx };
}

/** Runs the CLI; returns the exit code (0 ok, 1 a check found something, 2 usage/input error). */
export async function runCli(
  argv: string[],
  io: ProgramIO,
  pillars: Pillar[],
  hubPillars?: () => Promise<Pillar[]>,
  parts: ProgramParts = {},
): Promise<number> {
  const core = parts.core === false ? null : (await import('./commands.js')).coreCommands;
  const { program, ctx } = buildProgram(io, pillars, hubPillars, core);
  // The pipeline set TRACEPARENT: the command and its phases become spans (core/agent-spans.ts).
  const trace = AgentTrace.fromEnv(io.env);
  if (!trace) return parseAndRun(program, argv, io);
  let flags: Record<string, unknown> = {};
  program.hook('preAction', (_program, action) => {
    const path: string[] = [];
    for (let c: Command | null = action; c && c !== program; c = c.parent) path.unshift(c.name());
    trace.command(path);
    flags = action.opts();
  });
  const code = await trace.run(() => parseAndRun(program, argv, io));
  const spans = trace.finish(code);
  const target = await agentTraceTarget(io.env, flags, ctx);
  if (target) await sendAgentSpans(spans, target, io.err);
  return code;
}

/**
 * Where the agent's spans go: the `traces:` settings (ci-intel.yml, CI_INTEL_TRACES_ENDPOINT /
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) when the command read its configuration; for a command that
 * reads none (`tests split`, `--version`), the environment alone — loading the configuration only
 * for this would slow every traced run of those commands.
 */
async function agentTraceTarget(
  env: NodeJS.ProcessEnv,
  flags: Record<string, unknown>,
  ctx: CliContext,
): Promise<(OtlpTarget & { serviceName: string }) | null> {
  if (configModule) {
    try {
      const { tracesConfig } = await import('../pillars/traces/config.js');
      return tracesConfig(ctx.config(flags));
    } catch {
      // A configuration the command could not read either was already reported by the command.
    }
  }
  const endpoint = env.CI_INTEL_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (!endpoint) return null;
  const protocol = (env.CI_INTEL_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) === 'http/json' ? 'http/json' : 'http/protobuf';
  return { endpoint, protocol, headers: {}, timeoutMs: 10_000, serviceName: 'ci-intel' };
}

async function parseAndRun(program: Command, argv: string[], io: ProgramIO): Promise<number> {
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2; // commander already printed the message and the hint
    }
    if (e instanceof CiError) {
      io.err(`error ${e.oneLine()}\n`);
      return e.exitCode;
    }
    io.err(`error E_INTERNAL: ${(e as Error).stack ?? String(e)}\n`);
    return 2;
  }
}

export type { HubContext };
export { Option };
