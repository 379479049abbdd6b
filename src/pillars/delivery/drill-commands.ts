// `ci-intel drill record|list` (issue 22 item 3) and `gate drill --max-age 7d`.
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { examples, jsonLine, numberOption, storeOptions } from '../../core/cli.js';
import { hubCall, readTarget } from '../../core/hub-api.js';
import { parseDuration, sinceInstant } from '../../core/duration.js';
import { CiError } from '../../core/errors.js';
import { readInputBytes } from '../../core/input.js';
import type { CliContext, GateDef, GateResult } from '../../core/registry.js';
import { deliveryConfig } from './config.js';
import { drillIdOf, drillVerdict, listDrills, recordDrill, type Drill } from './drills.js';
import type { DeliveryTables } from './tables.js';

function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw new CiError('E_USAGE', `${name} ${JSON.stringify(v)} is not one of ${allowed.join(', ')}`, { where: name });
  return v as T;
}

function evidenceOf(file: string | undefined): Drill['evidence'] {
  if (!file) return null;
  const buf = readInputBytes(file, '--evidence');
  return { file, sha256: createHash('sha256').update(buf).digest('hex'), bytes: buf.length };
}

export function drillCommands(program: Command, ctx: CliContext): void {
  const drill = examples(
    program.command('drill').description('Disaster-recovery drills: record rollback and restore drills, list them'),
    'ci-intel drill list',
  );
  examples(
    storeOptions(
      drill
        .command('record')
        .description('Record a rollback or restore drill with its RPO and RTO (seconds) and result')
        .requiredOption('--type <rollback|restore>', 'what was drilled')
        .requiredOption('--rpo-s <seconds>', 'recovery point reached: data lost, in seconds')
        .requiredOption('--rto-s <seconds>', 'recovery time: from the start of the drill to service restored, in seconds')
        .requiredOption('--result <pass|fail>', 'did the drill succeed')
        .option('--environment <name>', 'environment drilled', 'prod')
        .option('--repo <owner/name>', 'service (repository) drilled, if one')
        .option('--evidence <file>', 'a file proving it (log, report): its name, size and sha256 are stored')
        .option('--at <when>', 'when it was performed (a date, or a duration ago; default now)')
        .option('--by <who>', 'who ran it')
        .option('--hub <url>', 'record through this running hub instead of opening the store (env CI_INTEL_HUB)')
        .option('--token <token>', 'hub token with the ingest scope (env CI_INTEL_TOKEN)'),
    ),
    'ci-intel drill record --type restore --rpo-s 42 --rto-s 180 --result pass --evidence restore.log',
    'ci-intel drill record --type rollback --rpo-s 0 --rto-s 60 --result pass --repo acme/shop --hub https://ci-intel.internal --token $CI_INTEL_TOKEN',
    'ci-intel drill record --type rollback --rpo-s 0 --rto-s 95 --result pass --environment prod --by alice',
  ).action(async (opts: Record<string, string | undefined>) => {
    const base = {
      type: oneOf('--type', opts.type, ['rollback', 'restore'] as const),
      environment: opts.environment ?? 'prod',
      repo: opts.repo ?? null,
      result: oneOf('--result', opts.result, ['pass', 'fail'] as const),
      rpo_s: numberOption('--rpo-s', opts.rpoS, { min: 0 })!,
      rto_s: numberOption('--rto-s', opts.rtoS, { min: 0 })!,
      performed_at: (opts.at ? sinceInstant(opts.at, ctx.now(), '--at') : ctx.now()).toISOString(),
    };
    const d: Drill = { ...base, drill_id: drillIdOf(base), recorded_by: opts.by ?? null, evidence: evidenceOf(opts.evidence) };
    const said = (fresh: boolean) =>
      ctx.out(
        `${fresh ? 'recorded' : 'already recorded'}: ${d.type} drill in ${d.environment} at ${d.performed_at}, ${d.result}, RPO ${d.rpo_s} s, RTO ${d.rto_s} s\n`,
      );
    const target = readTarget(opts, ctx);
    if (target) {
      const r = await hubCall<{ recorded: boolean }>(target, '/api/v1/delivery/drills', {
        method: 'POST',
        json: { ...base, repo: base.repo ?? undefined, by: d.recorded_by ?? undefined, evidence: d.evidence ?? undefined },
      });
      return said(r.recorded);
    }
    const hub = await ctx.openHub({ db: opts.db, dataDir: opts.dataDir, config: opts.config });
    try {
      said(await recordDrill(hub.db.withTables<DeliveryTables>(), d));
    } finally {
      await hub.close();
    }
  });
  examples(
    storeOptions(
      drill
        .command('list')
        .description('List recorded drills, newest first')
        .option('--environment <name>', 'only this environment')
        .option('--json', 'one JSON object per drill'),
    ),
    'ci-intel drill list --environment prod --json',
  ).action(async (opts: Record<string, string | undefined>) => {
    const hub = await ctx.openHub({ db: opts.db, dataDir: opts.dataDir, config: opts.config });
    try {
      const rows = await listDrills(hub.db.withTables<DeliveryTables>(), { environment: opts.environment });
      for (const d of rows)
        ctx.out(opts.json ? `${jsonLine(d)}\n` : `${d.performed_at}  ${d.environment}  ${d.type}  ${d.result}  RPO ${d.rpo_s} s  RTO ${d.rto_s} s\n`);
      if (!rows.length) ctx.err('no drills recorded (record one with `ci-intel drill record`)\n');
    } finally {
      await hub.close();
    }
  });
}

export const drillGate: GateDef = {
  name: 'drill',
  description: 'Block promotion unless the latest DR drill is recent, passed, and met the RPO/RTO targets (60 s / 300 s by default)',
  configure(cmd: Command) {
    examples(
      storeOptions(
        cmd
          .option('--max-age <duration>', 'the latest drill must be at most this old', '7d')
          .option('--environment <name>', 'environment whose drills count', 'prod')
          .option('--type <rollback|restore>', 'only drills of this type'),
      ),
      'ci-intel gate drill --max-age 7d',
      'ci-intel gate drill --max-age 14d --environment staging --type restore',
    );
  },
  async run(_args: string[], opts: Record<string, unknown>, ctx: CliContext): Promise<GateResult> {
    const maxAge = parseDuration(String(opts.maxAge ?? '7d'), '--max-age')!;
    if (opts.type !== undefined) oneOf('--type', opts.type, ['rollback', 'restore'] as const);
    const hub = await ctx.openHub({ db: opts.db, dataDir: opts.dataDir, config: opts.config });
    try {
      const targets = deliveryConfig(hub.config).drills;
      const drills = await listDrills(hub.db.withTables<DeliveryTables>(), {
        environment: String(opts.environment ?? 'prod'),
        type: opts.type as string | undefined,
        limit: 1,
      });
      const v = drillVerdict(drills, targets, ctx.now(), maxAge);
      return {
        pass: v.pass,
        value: v.age_days,
        max: Math.round((maxAge / 86_400_000) * 100) / 100,
        reason: v.reason,
        fields: { environment: String(opts.environment ?? 'prod') },
      };
    } finally {
      await hub.close();
    }
  },
};
