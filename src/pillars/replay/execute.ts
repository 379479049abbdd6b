// `replay run --execute`: runs the recorded run's tool again on this machine and reads its output
// with the same readers as `replay record`. Ansible: the recorded playbook(s) against the recorded
// hosts (localhost connects locally) in --check --diff mode, with the JSON callback. Terraform (when
// installed): init against the written lock file (-lockfile=readonly: the recorded provider versions
// and hashes or nothing), then plan (refresh-only for a drift check) and show -json. Plans and
// checks only: a replay never changes the infrastructure it re-creates.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CiError } from '../../core/errors.js';
import type { RecordTexts } from './build.js';
import type { ReplayRecord } from './record.js';

export interface ToolRun {
  /** The command line as a user would type it (printed before it runs). */
  shown: string;
  status: number | null;
  stdout: string;
  stderr: string;
}

export type Runner = (cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }) => ToolRun;

const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

export const spawnRunner: Runner = (cmd, args, opts) => {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
    throw new CiError('E_USAGE', `${cmd} is not installed on this machine`, {
      where: '--execute',
      hint:
        cmd === 'terraform'
          ? 'install Terraform (see the record: replay show ID), or run without --execute and use the printed commands'
          : 'apt-get install ansible',
    });
  if (r.error) throw r.error;
  return { shown: [cmd, ...args].map(quote).join(' '), status: r.status, stdout: r.stdout, stderr: r.stderr };
};

const LOCAL = new Set(['localhost', '127.0.0.1', '::1']);

/** The playbook to run: --playbook, else the recorded path, else its file name in the working folder. */
function playbookOf(recorded: string, cwd: string, given?: string): string {
  if (given) return path.resolve(cwd, given);
  if (existsSync(recorded)) return recorded;
  const here = path.join(cwd, path.basename(recorded));
  if (existsSync(here)) return here;
  throw new CiError('E_USAGE', `the recorded playbook ${recorded} is not on this machine`, {
    where: '--execute',
    hint: 'run from the repository checkout, or pass --playbook FILE',
  });
}

/** Runs the recorded Ansible playbook(s) in --check --diff mode; returns the outputs and what ran. */
export function executeAnsible(
  r: ReplayRecord,
  o: { cwd: string; env: NodeJS.ProcessEnv; playbook?: string; run?: Runner },
): { runs: ToolRun[]; ansible: string } {
  const run = o.run ?? spawnRunner;
  const a = r.ansible!;
  if (a.playbooks.length !== 1 && o.playbook === undefined)
    throw new CiError('E_USAGE', `record ${r.id} ran ${a.playbooks.length} playbooks`, { where: '--execute', hint: 'pass --playbook FILE' });
  const hosts = a.hosts.map((h) => h.host);
  const pb = playbookOf(a.playbooks[0] ?? '', o.cwd, o.playbook);
  const args = ['-i', `${hosts.join(',')},`, ...(hosts.every((h) => LOCAL.has(h)) ? ['-c', 'local'] : []), pb, '--check', '--diff'];
  const env = { ...o.env, ANSIBLE_STDOUT_CALLBACK: 'json', ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCALHOST_WARNING: 'false' };
  const res = run('ansible-playbook', args, { cwd: o.cwd, env });
  // Exit 2 is "a task failed" — a result to compare, not a failure to run; no JSON at all is one.
  if (!res.stdout.trim())
    throw new CiError('E_REPLAY_INVALID', `ansible-playbook wrote no output (exit ${res.status}): ${res.stderr.trim().slice(0, 500)}`, { where: res.shown });
  return { runs: [res], ansible: res.stdout };
}

/** terraform init (readonly lock) + plan + show -json in `dir`; returns the plan JSON and what ran. */
export function executeTerraform(
  r: ReplayRecord,
  o: { dir: string; env: NodeJS.ProcessEnv; run?: Runner },
): { runs: ToolRun[]; plan: string; warnings: string[] } {
  const run = o.run ?? spawnRunner;
  const env = { ...o.env, TF_IN_AUTOMATION: '1', TF_INPUT: '0' };
  const runs: ToolRun[] = [];
  const step = (args: string[]) => {
    const res = run('terraform', args, { cwd: o.dir, env });
    runs.push(res);
    return res;
  };
  const must = (res: ToolRun) => {
    if (res.status !== 0)
      throw new CiError('E_REPLAY_INVALID', `${res.shown} failed (exit ${res.status}): ${(res.stderr || res.stdout).trim().slice(0, 800)}`, {
        where: o.dir,
        hint: 'run it in the folder of the Terraform configuration (--out DIR)',
      });
    return res;
  };
  const warnings: string[] = [];
  // The recorded version is what the run used; another one may plan differently (say so, run anyway).
  const version = (/"terraform_version"\s*:\s*"([^"]+)"/.exec(must(step(['version', '-json'])).stdout) ?? [])[1];
  if (version && r.terraform!.version !== 'unknown' && version !== r.terraform!.version)
    warnings.push(`this machine has Terraform ${version}; the record was made with ${r.terraform!.version}`);
  const locked = r.terraform!.providers.some((p) => p.version);
  must(step(['init', '-input=false', ...(locked ? ['-lockfile=readonly'] : [])]));
  // plan exits 2 with -detailed-exitcode when there are changes; without it, 0 (or 1 on error).
  const plan = step(['plan', '-input=false', '-out=replay.tfplan', ...(r.kind === 'drift' ? ['-refresh-only'] : [])]);
  must(plan);
  const shown = must(step(['show', '-json', 'replay.tfplan']));
  return { runs, plan: shown.stdout, warnings };
}

/** The texts of a replay, to build its record like `replay record` would. */
export function replayTexts(r: ReplayRecord, out: { ansible?: string; plan?: string }, now: Date): RecordTexts {
  return {
    env: 'local-replay',
    commit: r.commit,
    drift: r.kind === 'drift' || r.tool === 'ansible',
    now,
    ...(out.ansible !== undefined ? { ansible: { text: out.ansible, name: 'ansible-playbook output' } } : {}),
    ...(out.plan !== undefined ? { plan: { text: out.plan, name: 'terraform show -json replay.tfplan' } } : {}),
  };
}
