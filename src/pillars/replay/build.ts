// Builds a record from the files a run left: a Terraform plan (show -json) or plan/apply UI log
// (-json lines), the lock file, or an Ansible JSON callback output.
import { readFileSync } from 'node:fs';
import { CiError } from '../../core/errors.js';
import { parseAnsible } from './ansible.js';
import { recordId, type ReplayRecord } from './record.js';
import { parseLockFile, parsePlan, parseUiLog, type ApplyLog, type TerraformPlan } from './terraform.js';

export interface RecordInput {
  plan?: string;
  apply?: string;
  lock?: string;
  ansible?: string;
  drift?: boolean;
  env: string;
  commit: string | null;
  now: Date;
}

/** A tool's output as text, with the name errors give as its place (a file, or a field of an upload). */
export interface Named {
  text: string;
  name: string;
}

/** The same inputs as texts: what the CLI read, or what an upload to the hub carried. */
export interface RecordTexts {
  plan?: Named;
  apply?: Named;
  lock?: Named;
  ansible?: Named;
  drift?: boolean;
  env: string;
  commit: string | null;
  now: Date;
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new CiError('E_INPUT_UNREADABLE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      where: file,
      hint: 'check the path',
    });
  }
}

/** A plan JSON document (`show -json`) or a UI log (`plan -json`: one message per line)? */
const isUiLog = (text: string) => /^\s*\{[^\n]*"@level"/.test(text);

/** Reads the files named by the CLI's flags; errors then name the files. */
export function readInputs(input: RecordInput): RecordTexts {
  const named = (file: string | undefined) => (file === undefined ? undefined : { text: read(file), name: file });
  return { ...input, plan: named(input.plan), apply: named(input.apply), lock: named(input.lock), ansible: named(input.ansible) };
}

export function buildRecordFromTexts(input: RecordTexts): ReplayRecord {
  if (!input.plan && !input.apply && !input.ansible)
    throw new CiError('E_USAGE', 'nothing to record', {
      where: 'replay record',
      hint: 'pass --plan plan.json (with --apply apply.json) or --ansible run.json',
    });
  let body: Omit<ReplayRecord, 'id' | 'recorded'>;
  if (input.ansible) {
    const run = parseAnsible(input.ansible.text, input.ansible.name);
    const changed = run.tasks.filter((t) => t.changed || t.failed);
    body = {
      tool: 'ansible',
      kind: input.drift ? 'drift' : 'apply',
      env: input.env,
      commit: input.commit,
      observed: run.started ?? null,
      failed: run.hosts.some((h) => h.failures > 0 || h.unreachable > 0),
      changes: changed
        .map((t) => ({ address: `${t.host}: ${t.task}`, actions: [t.failed ? 'failed' : 'changed'] }))
        .sort((a, b) => a.address.localeCompare(b.address)),
      drift: input.drift ? changed.filter((t) => t.changed).map((t) => ({ address: `${t.host}: ${t.task}`, action: t.diff ? 'differs' : 'would change' })) : [],
      ansible: run,
    };
  } else {
    let plan: TerraformPlan | undefined;
    let ui: ApplyLog | undefined;
    if (input.plan) {
      const { text, name } = input.plan;
      if (isUiLog(text)) ui = parseUiLog(text, name);
      else plan = parsePlan(text, name);
    }
    const apply = input.apply ? parseUiLog(input.apply.text, input.apply.name) : undefined;
    const locked = input.lock ? parseLockFile(input.lock.text) : [];
    const providers = (plan?.providers ?? []).map((p) => ({ ...p, ...locked.find((l) => l.source === p.source || l.source.endsWith(`/${p.source}`)) }));
    for (const l of locked) if (!providers.some((p) => p.source === l.source)) providers.push(l);
    const drift = [...(plan?.drift.map((d) => ({ address: d.address, action: d.actions.join('+') })) ?? []), ...(ui?.drift ?? [])];
    const isDrift = Boolean(input.drift) || drift.length > 0;
    body = {
      tool: 'terraform',
      kind: isDrift && !apply ? 'drift' : apply ? 'apply' : 'plan',
      env: input.env,
      commit: input.commit,
      observed: apply?.started ?? ui?.started ?? plan?.timestamp ?? null,
      failed:
        Boolean(plan?.errored) ||
        (apply ? apply.errors.length > 0 || apply.applied.some((a) => a.status === 'errored') : false) ||
        (ui?.errors.length ?? 0) > 0,
      changes: (plan?.changes ?? []).filter((c) => c.actions.join() !== 'no-op').map((c) => ({ address: c.address, actions: c.actions })),
      drift: drift.sort((a, b) => a.address.localeCompare(b.address)),
      terraform: {
        version: plan?.terraformVersion ?? ui?.terraformVersion ?? apply?.terraformVersion ?? 'unknown',
        providers: providers.sort((a, b) => a.source.localeCompare(b.source)),
        changes: plan?.changes ?? [],
        variables: plan?.variables ?? {},
        apply,
      },
    };
  }
  return { id: recordId(body), recorded: input.now.toISOString(), ...body };
}
