// replay on real outputs: Terraform 1.11.4 plans/applies (terraform_data), Terraform's documented
// shapes for the null/local/random providers and drift, and real ansible-playbook JSON callback runs.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { pillars, runCli } from '../../../test/support/assembled.js';

const fx = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const tf = (f: string) => path.join(fx, 'terraform', f);
const an = (f: string) => path.join(fx, 'ansible', f);
const dir = mkdtempSync(path.join(os.tmpdir(), 'replay-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let clock = Date.parse('2026-12-01T10:00:00Z');
async function cli(argv: string[], dataDir = path.join(dir, 'data')) {
  let out = '';
  let err = '';
  clock += 60_000;
  const now = new Date(clock);
  const code = await runCli(
    [...argv, '--data-dir', dataDir],
    { out: (s) => void (out += s), err: (s) => void (err += s), env: {}, isTTY: false, now: () => now },
    pillars,
  );
  return { code, out, err };
}

/** Every stored byte of the records, to look for secrets in. */
function storedText(dataDir = path.join(dir, 'data')): string {
  const root = path.join(dataDir, 'blobs', 'replay', 'records');
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(path.join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

const FIRST_APPLY = [
  'replay',
  'record',
  '--plan',
  tf('plan-create.json'),
  '--apply',
  tf('apply-create.ndjson'),
  '--env',
  'staging',
  '--commit',
  'a'.repeat(40),
];

describe('ci-intel replay', () => {
  it('records a real Terraform plan+apply twice; diff shows the resource changes; secrets never stored', async () => {
    const a = await cli([...FIRST_APPLY, '--json']);
    expect(a.code, a.err).toBe(0);
    const ra = JSON.parse(a.out);
    expect(ra).toMatchObject({ tool: 'terraform', kind: 'apply', env: 'staging', failed: false, commit: 'a'.repeat(40) });
    expect(ra.changes).toEqual([
      { address: 'terraform_data.app', actions: ['create'] },
      { address: 'terraform_data.migrate', actions: ['create'] },
    ]);
    expect(ra.terraform.apply.applied.map((x: { address: string; status: string }) => `${x.address} ${x.status}`)).toEqual([
      'terraform_data.app complete',
      'terraform_data.migrate complete',
    ]);
    const b = JSON.parse(
      (await cli(['replay', 'record', '--plan', tf('plan-update.json'), '--apply', tf('apply-update.ndjson'), '--env', 'staging', '--json'])).out,
    );
    expect(b.terraform.apply.summary).toEqual({ add: 1, change: 1, remove: 1, operation: 'apply' });

    const d = await cli(['replay', 'diff', ra.id, b.id]);
    expect(d.out).toBe('~ terraform_data.app  create -> update\n~ terraform_data.migrate  create -> delete+create\n');
    const ls = await cli(['replay', 'ls', '--env', 'staging']);
    expect(
      ls.out
        .trim()
        .split('\n')
        .map((l) => l.split('  ')[0]),
    ).toEqual([ra.id, b.id]);
    expect((await cli(['replay', 'show', ra.id.slice(0, 8)])).out).toContain('create  terraform_data.migrate');

    // the sensitive variable's value appears in the real plan (variables, unmarked outputs): never in the store
    expect(readFileSync(tf('plan-update.json'), 'utf8')).toContain('hunter2-not-real');
    expect(storedText()).not.toContain('hunter2-not-real');
    expect(storedText()).toContain('(sensitive)');

    const again = await cli(FIRST_APPLY);
    expect(again.out.split('  ')[0]).toBe(ra.id);
    expect(again.err).toContain('already recorded');
  });

  it('keeps provider versions and lock hashes; replay run --dry-run writes the lock file and prints the commands', async () => {
    const r = JSON.parse(
      (await cli(['replay', 'record', '--plan', tf('plan-random-local-null.json'), '--lock', tf('terraform.lock.hcl'), '--env', 'dev', '--json'])).out,
    );
    expect(r.terraform.providers.map((p: { source: string; version: string }) => `${p.source} ${p.version}`)).toEqual([
      'registry.terraform.io/hashicorp/local 2.5.2',
      'registry.terraform.io/hashicorp/null 3.2.3',
      'registry.terraform.io/hashicorp/random 3.6.3',
    ]);
    expect(r.changes.find((c: { address: string }) => c.address === 'null_resource.warmup').actions).toEqual(['delete', 'create']);
    expect(storedText()).not.toContain('sk-live-4f9a1c0d8e7b'); // a sensitive keeper

    const out = path.join(dir, 'replay-out');
    const run = await cli(['replay', 'run', r.id, '--dry-run', '--out', out]);
    expect(run.code, run.err).toBe(0);
    const lock = readFileSync(path.join(out, '.terraform.lock.hcl'), 'utf8');
    expect(lock).toContain('provider "registry.terraform.io/hashicorp/random" {\n  version     = "3.6.3"\n  constraints = "~> 3.6"');
    expect(lock).toContain('"h1:zG9uFP8l9u+yGZZvi5Te7PV62j50azpgwPunq2vTm1E="');
    expect(run.out).toContain('terraform init -lockfile=readonly');
    expect(run.out).toContain('# Terraform 1.11.4');
  });

  it('records drift checks; an alert when drift persists; a clean refresh-only check has none', async () => {
    const data = path.join(dir, 'drift');
    const clean = JSON.parse((await cli(['replay', 'record', '--drift', '--plan', tf('refresh-only.ndjson'), '--env', 'prod', '--json'], data)).out);
    expect(clean).toMatchObject({ kind: 'drift', drift: [] });
    const first = await cli(['replay', 'record', '--plan', tf('refresh-only-drift-local-file.ndjson'), '--env', 'prod', '--json'], data);
    expect(JSON.parse(first.out).drift).toEqual([
      { address: 'local_file.motd', action: 'delete' },
      { address: 'random_pet.server', action: 'update' },
    ]);
    expect(first.err).toContain('drift in prod: local_file.motd (delete), random_pet.server (update)');
    let trend = await cli(['replay', 'drift', '--env', 'prod'], data);
    expect(trend.code).toBe(0);
    // the same check an hour later is a new record (a different time), drift still there
    clock += 3_600_000;
    writeFileSync(path.join(dir, 'drift-2.ndjson'), readFileSync(tf('refresh-only-drift-local-file.ndjson'), 'utf8').replace(/06:20:00/g, '07:20:00'));
    await cli(['replay', 'record', '--plan', path.join(dir, 'drift-2.ndjson'), '--env', 'prod'], data);
    trend = await cli(['replay', 'drift', '--env', 'prod'], data);
    expect(trend.code).toBe(1);
    expect(trend.err).toContain('ALERT drift persists in prod over the last 2 checks: local_file.motd, random_pet.server');
    expect(trend.out.trim().split('\n')).toHaveLength(3);
  });

  it('records real Ansible runs: changed and failed tasks per host, a --check --diff run as drift, no_log content absent', async () => {
    const data = path.join(dir, 'ansible');
    const r = JSON.parse((await cli(['replay', 'record', '--ansible', an('run-first.json'), '--env', 'staging', '--json'], data)).out);
    expect(r).toMatchObject({ tool: 'ansible', kind: 'apply', failed: false });
    expect(r.ansible.hosts).toEqual([{ host: 'localhost', ok: 5, changed: 4, failures: 0, unreachable: 0, skipped: 0, ignored: 1 }]);
    expect(r.changes).toEqual([
      { address: 'localhost: index page', actions: ['changed'] },
      { address: 'localhost: optional cache warm-up', actions: ['failed'] },
      { address: 'localhost: secret config', actions: ['changed'] },
      { address: 'localhost: site folder', actions: ['changed'] },
    ]);
    const second = JSON.parse((await cli(['replay', 'record', '--ansible', an('run-second.json'), '--env', 'staging', '--json'], data)).out);
    const d = await cli(['replay', 'diff', r.id, second.id], data);
    expect(d.out).toContain('- localhost: site folder  changed');
    const drift = JSON.parse((await cli(['replay', 'record', '--drift', '--ansible', an('check-drift.json'), '--env', 'staging', '--json'], data)).out);
    expect(drift.drift).toEqual([{ address: 'localhost: index page', action: 'differs' }]);
    expect(storedText(data)).not.toContain('hunter2-not-real');
    const run = await cli(['replay', 'run', drift.id], data);
    expect(run.out).toMatch(/ansible-playbook -i localhost, \S*site\.yml --check --diff/);
  });

  it('refuses malformed input with the file and JSON pointer', async () => {
    const plan = JSON.parse(readFileSync(tf('plan-create.json'), 'utf8'));
    plan.resource_changes[1].change.actions = 'create';
    const bad = path.join(dir, 'bad-plan.json');
    writeFileSync(bad, JSON.stringify(plan));
    const r = await cli(['replay', 'record', '--plan', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`E_REPLAY_INVALID: ${bad}: /resource_changes/1/change/actions must be an array`);
    writeFileSync(bad, '{\n  "format_version": "1.2",\n  oops\n}');
    expect((await cli(['replay', 'record', '--plan', bad])).err).toContain(`${bad}:3: not valid JSON`);
    const ans = path.join(dir, 'bad-ansible.json');
    writeFileSync(ans, JSON.stringify({ plays: [], stats: { web1: { ok: 'many' } } }));
    expect((await cli(['replay', 'record', '--ansible', ans])).err).toContain('/stats/web1/ok must be a number');
    expect((await cli(['replay', 'record', '--env', 'prod'])).err).toContain('nothing to record');
    expect((await cli(['replay', 'show', 'ffffffff'])).err).toContain('no record ffffffff');
  });
});
