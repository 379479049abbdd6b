// The GitHub Action (action.yml): the runner starts dist/action/index.js with the inputs as
// INPUT_<NAME> variables and the job's context (GITHUB_REPOSITORY, GITHUB_EVENT_PATH,
// GITHUB_STEP_SUMMARY, GITHUB_OUTPUT ...). It runs `ci-intel report` and writes the step's outputs.
// It is bundled into one file with no node_modules beside it, so it never opens a store: the
// configuration is loaded from the pillars' sections alone.
import { appendFileSync } from 'node:fs';
import { CONFIG_SECTIONS } from '../cli/config-sections.js';
import { runReport } from '../cli/report/command.js';
import { loadConfig } from '../core/config.js';
import { CiError } from '../core/errors.js';
import { detectRunIdentity, githubPullRequest } from '../core/identity.js';
import type { CliContext } from '../core/registry.js';

export interface ActionIO {
  env: NodeJS.ProcessEnv;
  out: (s: string) => void;
  err: (s: string) => void;
}

/** An input as the runner passes it: `INPUT_` + the name upper-cased, spaces as `_`. */
const input = (env: NodeJS.ProcessEnv, name: string) => (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();

/** Multi-line inputs hold one glob per line (commas belong to globs: `{a,b}`). */
const lines = (v: string) =>
  v
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

function bool(env: NodeJS.ProcessEnv, name: string, dflt: boolean): boolean {
  const v = input(env, name).toLowerCase();
  if (v === '') return dflt;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new CiError('E_USAGE', `input ${name} is ${JSON.stringify(v)}`, { where: `with: ${name}`, hint: 'use true or false' });
}

/** Escapes a workflow command's message (the runner reads %, CR and LF specially). */
const command = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

function setOutput(env: NodeJS.ProcessEnv, name: string, value: string): void {
  if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, `${name}=${value.replace(/\n/g, ' ')}\n`);
}

export async function runAction(io: ActionIO): Promise<number> {
  const { env } = io;
  const ctx: CliContext = {
    config: () => loadConfig({ env, sections: CONFIG_SECTIONS, warn: (m) => io.err(`::warning::${command(m)}\n`) }),
    openHub: () => Promise.reject(new CiError('E_USAGE', 'the Action works without a store', { hint: 'compare against a baseline report file instead' })),
    out: io.out,
    // Warnings become annotations on the workflow run.
    err: (s) => io.err(s.startsWith('warning: ') ? `::warning::${command(s.slice(9).trimEnd())}\n` : s),
    env,
    isTTY: false,
    now: () => new Date(),
  };
  try {
    const token = input(env, 'token');
    // The comment and labels belong to a pull request: on a push they are simply not made (the
    // defaults are on), where the command line would warn that they could not be.
    const onPr = githubPullRequest(env).pr !== null;
    const r = await runReport(
      {
        junit: lines(input(env, 'junit')),
        logs: lines(input(env, 'logs')),
        coverage: lines(input(env, 'coverage')),
        mutation: input(env, 'mutation') || undefined,
        minCoverage: input(env, 'min-coverage') || undefined,
        comment: onPr && bool(env, 'comment', true),
        check: bool(env, 'check', true),
        labels: onPr && bool(env, 'labels', true),
        status: bool(env, 'status', false),
        summary: bool(env, 'summary', true),
        githubToken: token || undefined,
        strict: bool(env, 'strict', false),
        hub: input(env, 'hub') || undefined,
        token: input(env, 'hub-token') || undefined,
      },
      ctx,
    );
    io.out(
      `${r.gates_passed ? 'gates passed' : 'gates failed'}: ${r.report.gates.map((g) => `${g.name} ${g.pass ? 'passed' : 'failed'} (${g.reason})`).join('; ') || 'none'}\n`,
    );
    setOutput(env, 'run-id', r.uploaded?.run_id ?? detectRunIdentity(env)?.run_id ?? '');
    setOutput(env, 'gates-passed', String(r.gates_passed));
    setOutput(env, 'comment-url', r.published?.comment_url ?? '');
    setOutput(env, 'check-run-url', r.published?.check_run_url ?? '');
    return r.gates_passed || !bool(env, 'fail-on-gates', true) ? 0 : 1;
  } catch (e) {
    const err = e instanceof CiError ? e : new CiError('E_INTERNAL', (e as Error).message);
    io.err(`::error::${command(`${err.message}${err.hint ? ` — ${err.hint}` : ''}`)}\n`);
    return 2;
  }
}
