// What every pillar's commands share: examples in --help, the store options, input opening (file
// or `-`), number options, JSON line output. Core owns it so pillars never import src/cli/.
import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { CiError } from './errors.js';

/**
 * Commands whose action never reads the configuration (ctx.config): the CLI then does not load the
 * config loader (its schema and YAML libraries are ~0.5 s of module loading) before running them.
 */
const CONFIG_FREE = new WeakSet<Command>();

/** Marks a command whose action never calls ctx.config() (see CONFIG_FREE). */
export function withoutConfig(cmd: Command): Command {
  CONFIG_FREE.add(cmd);
  return cmd;
}

export const isConfigFree = (cmd: Command): boolean => CONFIG_FREE.has(cmd);

/** Adds an "Examples:" block to a command's --help (every command has one). */
export function examples(cmd: Command, ...lines: string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

/**
 * The store options of every command that opens the store (`--db`, `--data-dir`, `--config`),
 * worded once. `purpose` says what the command reads the store for, where that is not obvious.
 */
export function storeOptions(cmd: Command, purpose?: string): Command {
  return cmd
    .option(
      '--db <path|url>',
      `${purpose ? `${purpose}: ` : ''}store: PGlite folder or postgres:// URL (env CI_INTEL_DB / DATABASE_URL; default ./.ci-intel/db)`,
    )
    .option('--data-dir <dir>', 'data folder for the embedded store and blobs (default ./.ci-intel)')
    .option('--config <file>', 'ci-intel.yml to read (default ./ci-intel.yml when present)');
}

/**
 * Opens a file, or stdin for `-`; a missing or unreadable file is E_INPUT_UNREADABLE (exit 2).
 * `highWaterMark` sets the read size of a file (the stream default is 64 KiB).
 */
export function openInput(file: string, stdin: Readable = process.stdin, opts: { highWaterMark?: number } = {}): Readable {
  if (file === '-') return stdin;
  try {
    const s = statSync(file);
    if (s.isDirectory()) throw new CiError('E_INPUT_UNREADABLE', `${file} is a folder`, { where: file, hint: 'pass a file, or - for stdin' });
  } catch (e) {
    if (e instanceof CiError) throw e;
    throw new CiError('E_INPUT_UNREADABLE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      where: file,
      hint: 'check the path and permissions',
    });
  }
  return createReadStream(file, opts);
}

/** Parses a number option; out-of-range values are usage errors (exit 2). */
export function numberOption(name: string, v: unknown, range?: { min?: number; max?: number; integer?: boolean }): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = Number(v);
  const bad =
    !Number.isFinite(n) ||
    (range?.integer && !Number.isInteger(n)) ||
    (range?.min !== undefined && n < range.min) ||
    (range?.max !== undefined && n > range.max);
  if (bad) {
    const span = range ? ` (${range.integer ? 'a whole number ' : ''}${range.min ?? '-∞'}..${range.max ?? '∞'})` : '';
    throw new CiError('E_USAGE', `${name} ${JSON.stringify(String(v))} is not valid${span}`, { where: name });
  }
  return n;
}

/** Collects a repeatable option into an array. */
export const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Stable JSON: keys in insertion order, one line. */
export const jsonLine = (o: unknown) => JSON.stringify(o);
