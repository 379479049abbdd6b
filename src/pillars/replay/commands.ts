// CLI: `ci-intel replay record|ls|show|diff|drift|run` — Terraform and Ansible runs as immutable
// records in the blob store, tied to an environment and a commit.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { createBlobStore } from '../../core/blob/index.js';
import { examples } from '../../core/cli.js';
import { CiError } from '../../core/errors.js';
import type { CliContext } from '../../core/registry.js';
import { hubTarget, repoApiPath, uploadToHub, type HubTarget } from '../../core/upload.js';
import { buildRecordFromTexts, readInputs, type RecordTexts } from './build.js';
import { driftVerdict } from './drift.js';
import { executeAnsible, executeTerraform, replayTexts } from './execute.js';
import { checkEnv, diffRecords, findRecord, listRecords, saveRecord, type RecordDiff, type ReplayRecord } from './record.js';
import { renderLockFile } from './terraform.js';

async function blobOf(ctx: CliContext, opts: Record<string, unknown>) {
  const cfg = ctx.config({ config: opts.config, dataDir: opts.dataDir });
  return createBlobStore(cfg.blob, cfg.dataDir);
}

const store = (cmd: Command) =>
  cmd
    .option('--data-dir <dir>', 'data folder whose blob store keeps the records (default ./.ci-intel)')
    .option('--config <file>', 'ci-intel.yml to read (default ./ci-intel.yml when present)');

const actions = (a: string[]) => a.join('+');
const summary = (r: ReplayRecord) =>
  `${r.id}  ${r.recorded}  ${r.env}  ${r.tool} ${r.kind}${r.failed ? ' FAILED' : ''}  ${r.changes.length} change${r.changes.length === 1 ? '' : 's'}${
    r.kind === 'drift' ? `, ${r.drift.length} drifted` : ''
  }${r.commit ? `  commit ${r.commit.slice(0, 12)}` : ''}`;

/** Prints a diff as `+`/`-`/`~` lines; returns whether the records differ. */
function printDiff(ctx: CliContext, d: RecordDiff): boolean {
  for (const x of d.added) ctx.out(`+ ${x.address}  ${actions(x.actions)}\n`);
  for (const x of d.removed) ctx.out(`- ${x.address}  ${actions(x.actions)}\n`);
  for (const x of d.changed) ctx.out(`~ ${x.address}  ${actions(x.from)} -> ${actions(x.to)}\n`);
  const differs = d.added.length + d.removed.length + d.changed.length > 0;
  if (!differs) ctx.err('the two records change the same resources the same way\n');
  return differs;
}

export function replayCommands(program: Command, ctx: CliContext): void {
  const replay = examples(
    program.command('replay').description('Record Terraform and Ansible runs and drift checks, compare them, and replay them locally'),
    'ci-intel replay record --plan plan.json --apply apply.json --env staging',
  );
  examples(
    store(
      replay
        .command('record')
        .description('Store a run as an immutable record of ENV at COMMIT; prints its id')
        .option('--plan <file>', 'terraform show -json PLAN output, or terraform plan -json lines (e.g. a -refresh-only drift check)')
        .option('--apply <file>', 'terraform apply -json lines')
        .option('--lock <file>', '.terraform.lock.hcl: the provider versions and hashes to keep')
        .option('--ansible <file>', 'ansible-playbook output with ANSIBLE_STDOUT_CALLBACK=json')
        .option('--drift', 'this run is a drift check (terraform plan -refresh-only, ansible-playbook --check --diff)')
        .option('--env <env>', 'environment', 'default')
        .option('--commit <sha>', 'commit the run applied (default: GITHUB_SHA / CI_COMMIT_SHA)')
        .option('--hub <url>', 'store the record on this hub instead of the local data folder (env CI_INTEL_HUB)')
        .option('--token <token>', 'hub token with the ingest scope for the repository (env CI_INTEL_TOKEN)')
        .option('--repo <owner/name>', 'repository the record belongs to on the hub (default: GITHUB_REPOSITORY / CI_PROJECT_PATH)')
        .option('--json', 'print the record as one JSON object'),
    ).action(async (opts: Record<string, unknown>) => {
      const env = checkEnv(String(opts.env));
      const commit = (opts.commit as string | undefined) ?? ctx.env.GITHUB_SHA ?? ctx.env.CI_COMMIT_SHA ?? null;
      const texts = readInputs({
        plan: opts.plan as string | undefined,
        apply: opts.apply as string | undefined,
        lock: opts.lock as string | undefined,
        ansible: opts.ansible as string | undefined,
        drift: Boolean(opts.drift),
        env,
        commit,
        now: ctx.now(),
      });
      // Built here too: bad input fails before anything is sent, with the file's own name.
      const rec = buildRecordFromTexts(texts);
      const target = hubTarget(opts as { hub?: string; token?: string }, { config: () => ctx.config({ config: opts.config }) });
      if (target) {
        await uploadRecord(target, opts, ctx, texts);
        return;
      }
      const { record, created } = await saveRecord(await blobOf(ctx, opts), rec);
      if (opts.json) ctx.out(`${JSON.stringify(record)}\n`);
      else ctx.out(`${summary(record)}\n`);
      if (!created) ctx.err(`the same run was already recorded as ${record.id}\n`);
      if (record.kind === 'drift' && record.drift.length) ctx.err(`drift in ${env}: ${record.drift.map((d) => `${d.address} (${d.action})`).join(', ')}\n`);
    }),
    'ci-intel replay record --plan plan.json --apply apply.json --lock .terraform.lock.hcl --env staging --commit $GITHUB_SHA',
    'terraform plan -refresh-only -json > drift.json; ci-intel replay record --drift --plan drift.json --env prod',
    'ANSIBLE_STDOUT_CALLBACK=json ansible-playbook site.yml > run.json; ci-intel replay record --ansible run.json --env staging',
    'ci-intel replay record --plan plan.json --apply apply.json --env prod --hub https://ci-intel.internal --token $CI_INTEL_TOKEN --repo acme/infra',
  );
  examples(
    store(
      replay
        .command('ls')
        .description('List records, oldest first')
        .option('--env <env>', 'only this environment')
        .option('--json', 'one JSON object per record'),
    ).action(async (opts: Record<string, unknown>) => {
      const all = await listRecords(await blobOf(ctx, opts), opts.env as string | undefined);
      for (const r of all) ctx.out(opts.json ? `${JSON.stringify(r)}\n` : `${summary(r)}\n`);
      if (!all.length) ctx.err('no record\n');
    }),
    'ci-intel replay ls --env staging',
  );
  examples(
    store(
      replay.command('show').description('Show one record (an id or its first characters)').argument('<record>').option('--json', 'the whole record as JSON'),
    ).action(async (id: string, opts: Record<string, unknown>) => {
      const r = await findRecord(await blobOf(ctx, opts), id);
      if (opts.json) {
        ctx.out(`${JSON.stringify(r)}\n`);
        return;
      }
      ctx.out(`${summary(r)}\n`);
      if (r.terraform) {
        ctx.out(`terraform ${r.terraform.version}\n`);
        for (const p of r.terraform.providers)
          ctx.out(`provider ${p.source} ${p.version ?? '(version not locked)'}${p.constraint ? ` (${p.constraint})` : ''}\n`);
      }
      for (const c of r.changes) ctx.out(`  ${actions(c.actions)}  ${c.address}\n`);
      for (const d of r.drift) ctx.out(`  drift ${d.action}  ${d.address}\n`);
    }),
    'ci-intel replay show 3fa9c1',
  );
  examples(
    store(
      replay.command('diff').description('The resource changes of B next to those of A').argument('<a>').argument('<b>').option('--json', 'one JSON object'),
    ).action(async (a: string, b: string, opts: Record<string, unknown>) => {
      const blob = await blobOf(ctx, opts);
      const d = diffRecords(await findRecord(blob, a), await findRecord(blob, b));
      if (opts.json) {
        ctx.out(`${JSON.stringify(d)}\n`);
        return;
      }
      printDiff(ctx, d);
    }),
    'ci-intel replay diff 3fa9c1 8b02de',
  );
  examples(
    store(
      replay
        .command('drift')
        .description('Drift checks of an environment over time; exit 1 when drift persisted over the last --persist checks')
        .requiredOption('--env <env>', 'environment')
        .option('--persist <n>', 'checks in a row with drift that make an alert', '2'),
    ).action(async (opts: Record<string, unknown>) => {
      const checks = (await listRecords(await blobOf(ctx, opts), String(opts.env))).filter((r) => r.kind === 'drift');
      for (const c of checks)
        ctx.out(`${c.recorded}  ${c.id}  ${c.drift.length} drifted${c.drift.length ? `: ${c.drift.map((d) => d.address).join(', ')}` : ''}\n`);
      const n = Math.max(1, Number(opts.persist) || 2);
      const v = driftVerdict(
        checks.map((c) => ({ id: c.id, at: c.recorded, drift: c.drift })),
        n,
      );
      if (v.persists) {
        const still = v.persistent_items;
        ctx.err(`ALERT drift persists in ${String(opts.env)} over the last ${n} checks${still.length ? `: ${still.join(', ')}` : ''}\n`);
        process.exitCode = 1;
      }
    }),
    'ci-intel replay drift --env prod --persist 3',
  );
  examples(
    store(
      replay
        .command('run')
        .description('Re-create a recorded run locally: writes the lock file and the recorded plan, checks versions, prints the commands')
        .argument('<record>')
        .option('--dry-run', 'only write the files and print the commands (the default)')
        .option(
          '--execute',
          'run them: terraform init/plan/show (when installed) in --out, or ansible-playbook --check --diff; records the replay (environment local-replay) and prints its diff with the record; exit 1 when they differ',
        )
        .option('--playbook <file>', 'with --execute: the playbook to run when the recorded path is not on this machine')
        .option('--out <dir>', 'folder for .terraform.lock.hcl and the recorded plan (with --execute: the Terraform configuration folder)', '.'),
    ).action(async (id: string, opts: Record<string, unknown>) => {
      if (opts.execute && opts.dryRun) throw new CiError('E_USAGE', '--dry-run and --execute exclude each other', { where: '--execute' });
      const blob = await blobOf(ctx, opts);
      const r = await findRecord(blob, id);
      const out = String(opts.out);
      if (!existsSync(out)) mkdirSync(out, { recursive: true });
      const cmds: string[] = [];
      if (r.terraform) {
        const locked = r.terraform.providers.filter((p) => p.version);
        if (locked.length) {
          writeFileSync(path.join(out, '.terraform.lock.hcl'), renderLockFile(r.terraform.providers));
          ctx.err(`wrote ${path.join(out, '.terraform.lock.hcl')}: ${locked.map((p) => `${p.source} ${p.version}`).join(', ')}\n`);
        } else ctx.err('the record has no locked provider versions (record with --lock .terraform.lock.hcl)\n');
        writeFileSync(
          path.join(out, `recorded-plan-${r.id}.json`),
          JSON.stringify({ terraform_version: r.terraform.version, resource_changes: r.terraform.changes }, null, 2),
        );
        cmds.push(
          `# Terraform ${r.terraform.version} (tfenv install ${r.terraform.version}, or check: terraform version)`,
          'terraform init -lockfile=readonly',
          r.kind === 'drift' ? 'terraform plan -refresh-only -detailed-exitcode -json > replay.json' : 'terraform plan -out=replay.tfplan',
          ...(r.kind === 'drift' ? [] : ['terraform show -json replay.tfplan > replay.json']),
          `ci-intel replay record --plan replay.json --env local-replay && ci-intel replay diff ${r.id} <the new id>`,
        );
      } else if (r.ansible) {
        for (const pb of r.ansible.playbooks)
          cmds.push(`ANSIBLE_STDOUT_CALLBACK=json ansible-playbook -i ${r.ansible.hosts.map((h) => h.host).join(',')}, ${pb} --check --diff > replay.json`);
        cmds.push(`ci-intel replay record --ansible replay.json --drift --env local-replay`);
      }
      if (!r.terraform && !r.ansible) throw new CiError('E_REPLAY_INVALID', `record ${r.id} has nothing to replay`, { where: r.id });
      if (!opts.execute) {
        ctx.out(`${cmds.join('\n')}\n`);
        return;
      }
      const cwd = path.resolve(out);
      const done = r.terraform
        ? executeTerraform(r, { dir: cwd, env: ctx.env })
        : executeAnsible(r, { cwd: process.cwd(), env: ctx.env, playbook: opts.playbook as string | undefined });
      for (const x of done.runs) ctx.err(`ran: ${x.shown} (exit ${x.status})\n`);
      for (const w of 'warnings' in done ? done.warnings : []) ctx.err(`warning: ${w}\n`);
      const again = buildRecordFromTexts(replayTexts(r, 'plan' in done ? { plan: done.plan } : { ansible: done.ansible }, ctx.now()));
      const { record } = await saveRecord(blob, again);
      ctx.out(`${summary(record)}\n`);
      if (printDiff(ctx, diffRecords(r, record))) process.exitCode = 1;
    }),
    'ci-intel replay run 3fa9c1 --dry-run --out replay/',
    'ci-intel replay run 3fa9c1 --execute --out infra/   # in a checkout: re-plans with the recorded provider versions, prints the difference',
  );
}

/** Sends the tool outputs as read (the hub parses and redacts them itself) and prints the hub's answer. */
async function uploadRecord(target: HubTarget, opts: Record<string, unknown>, ctx: CliContext, t: RecordTexts): Promise<void> {
  const repo = (opts.repo as string | undefined) ?? ctx.env.GITHUB_REPOSITORY ?? ctx.env.CI_PROJECT_PATH;
  if (!repo || !repo.includes('/'))
    throw new CiError('E_USAGE', 'recording on a hub needs the repository', {
      where: '--repo',
      hint: 'pass --repo owner/name (or run in GitHub Actions / GitLab CI)',
    });
  const body = {
    env: t.env,
    commit: t.commit,
    drift: Boolean(t.drift),
    ...Object.fromEntries((['plan', 'apply', 'lock', 'ansible'] as const).filter((k) => t[k]).map((k) => [k, t[k]!.text])),
  };
  const res = await uploadToHub(target, { path: repoApiPath(repo, 'replay-records'), body: JSON.stringify(body), contentType: 'application/json' });
  const r = res.body as ReplayRecord & { created: boolean; repo: string };
  if (opts.json) ctx.out(`${JSON.stringify(r)}\n`);
  else ctx.out(`${summary(r)}\n`);
  ctx.err(`${r.created ? 'recorded' : 'already recorded'} on ${target.url} for ${r.repo}\n`);
}
