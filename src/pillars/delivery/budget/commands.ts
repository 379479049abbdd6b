// `ci-intel budget override|overrides` and `ci-intel gate budget --pr N`: against the store
// (`--db`), or through a running hub (`--hub URL --token T`: the hub's budgets and audit tables).
import type { Command } from 'commander';
import { examples, jsonLine, numberOption, storeOptions } from '../../../core/cli.js';
import { untilInstant } from '../../../core/duration.js';
import { CiError } from '../../../core/errors.js';
import { hubCall, queryOf, readHubOptions, readTarget } from '../../../core/hub-api.js';
import { githubPullRequest, gitlabMergeRequest, normalizeRepo } from '../../../core/identity.js';
import type { CliContext, GateDef, GateResult } from '../../../core/registry.js';
import { deliveryConfig } from '../config.js';
import type { DeliveryTables } from '../tables.js';
import { concurrencyText } from './concurrency.js';
import { CONCURRENCY_DAYS, checkBudget, createOverride, listOverrides, type AuditedOverride, type BudgetCheck } from './store.js';
import { lineText, type Override } from './verdict.js';

/** --repo, else the CI's repository (GITHUB_REPOSITORY, CI_PROJECT_PATH). */
function repoOf(opts: Record<string, unknown>, env: NodeJS.ProcessEnv): string {
  const r = typeof opts.repo === 'string' ? opts.repo : (env.GITHUB_REPOSITORY ?? env.CI_PROJECT_PATH);
  if (!r || !/^[^/\s]+(\/[^/\s]+)+$/.test(r))
    throw new CiError('E_USAGE', r ? `--repo ${JSON.stringify(r)} is not owner/name` : 'which repository? give --repo owner/name', {
      where: '--repo',
      hint: 'e.g. --repo acme/shop (inside GitHub Actions or GitLab CI it defaults to the pipeline’s repository)',
    });
  return normalizeRepo(r);
}

/** --pr, else the pull/merge request of the CI job. */
function prOf(opts: Record<string, unknown>, env: NodeJS.ProcessEnv): number {
  const pr = numberOption('--pr', opts.pr, { min: 1, integer: true }) ?? githubPullRequest(env).pr ?? gitlabMergeRequest(env).mr;
  if (!pr) throw new CiError('E_USAGE', 'which pull request? give --pr N', { where: '--pr', hint: 'e.g. --pr 42' });
  return pr;
}

const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

export function budgetCommands(program: Command, ctx: CliContext): void {
  const budget = examples(
    program.command('budget').description('Cost and CO2e budgets of pull requests: overrides and their audit'),
    'ci-intel budget override --repo acme/shop --pr 42 --reason "load-test suite for the release" --by alice --expires 7d',
    'ci-intel budget overrides --repo acme/shop',
  );
  examples(
    readHubOptions(
      storeOptions(
        budget
          .command('override')
          .description('Let one pull request through `gate budget` while it is over budget, until the override expires (audited)')
          .option('--repo <owner/name>', 'repository (default: the CI job’s)')
          .option('--pr <n>', 'pull request (merge request) number (default: the CI job’s)')
          .requiredOption('--reason <text>', 'why it may spend more (kept in the audit)')
          .requiredOption('--by <user>', 'who decides (kept in the audit)')
          .option('--expires <when>', 'until when: a duration from now (7d, 12h) or a date', '7d'),
      ),
      'admin',
    ),
    'ci-intel budget override --repo acme/shop --pr 42 --reason "GPU benchmarks for the release" --by alice --expires 3d',
    'ci-intel budget override --pr 42 --reason "nightly matrix" --by bob --hub https://ci-intel.internal --token $CI_INTEL_TOKEN',
  ).action(async (opts: Record<string, unknown>) => {
    const repo = repoOf(opts, ctx.env);
    const pr = prOf(opts, ctx.env);
    const reason = String(opts.reason).trim();
    const by = String(opts.by).trim();
    if (!reason) throw new CiError('E_USAGE', '--reason is empty', { where: '--reason', hint: 'say why this pull request may spend more' });
    if (!by) throw new CiError('E_USAGE', '--by is empty', { where: '--by', hint: 'who decides, e.g. --by alice' });
    const expires = String(opts.expires ?? '7d');
    const target = readTarget(opts, ctx);
    let o: Override;
    if (target) {
      o = (
        await hubCall<{ override: Override }>(target, '/api/v1/delivery/budget/overrides', {
          method: 'POST',
          json: { repo, pr, reason, by, expires },
        })
      ).override;
    } else {
      const now = ctx.now();
      const expiresAt = untilInstant(expires, now, '--expires');
      if (expiresAt <= now) throw new CiError('E_USAGE', `--expires ${expires} is not in the future`, { where: '--expires', hint: 'e.g. --expires 7d' });
      const hub = await ctx.openHub({ db: opts.db, dataDir: opts.dataDir, config: opts.config });
      try {
        o = await createOverride(hub.db.withTables<DeliveryTables>(), hub.redactor, now, { repo, pr, reason, by, expiresAt, source: 'cli' });
      } finally {
        await hub.close();
      }
    }
    ctx.out(`override ${o.override_id}: ${o.repo} #${o.pr} may exceed its budgets until ${when(o.expires_at)} (by ${o.created_by}: ${o.reason})\n`);
  });
  examples(
    readHubOptions(
      storeOptions(
        budget
          .command('overrides')
          .description('The audit of budget overrides, newest first: who, when, why, until when, and each time a gate used one')
          .option('--repo <owner/name>', 'only this repository')
          .option('--pr <n>', 'only this pull request')
          .option('--json', 'one JSON object per override'),
      ),
    ),
    'ci-intel budget overrides --repo acme/shop --pr 42',
    'ci-intel budget overrides --json --hub https://ci-intel.internal --token $CI_INTEL_TOKEN',
  ).action(async (opts: Record<string, unknown>) => {
    const repo = typeof opts.repo === 'string' ? repoOf(opts, {}) : undefined;
    const pr = numberOption('--pr', opts.pr, { min: 1, integer: true });
    const target = readTarget(opts, ctx);
    let rows: AuditedOverride[];
    if (target) rows = (await hubCall<{ overrides: AuditedOverride[] }>(target, `/api/v1/delivery/budget/overrides${queryOf({ repo, pr })}`)).overrides;
    else {
      const hub = await ctx.openHub({ db: opts.db, dataDir: opts.dataDir, config: opts.config });
      try {
        rows = await listOverrides(hub.db.withTables<DeliveryTables>(), { repo, pr });
      } finally {
        await hub.close();
      }
    }
    const now = ctx.now().getTime();
    for (const o of rows) {
      if (opts.json) {
        ctx.out(`${jsonLine(o)}\n`);
        continue;
      }
      const state = Date.parse(o.expires_at) > now ? 'active' : 'expired';
      ctx.out(
        `${o.created_at}  ${o.repo} #${o.pr}  by ${o.created_by} (${o.source})  until ${when(o.expires_at)} [${state}]  ${o.reason}\n` +
          o.uses.map((u) => `    used ${u.used_at}${u.used_by ? ` by ${u.used_by}` : ''}\n`).join(''),
      );
    }
    if (!rows.length) ctx.err('no budget overrides recorded\n');
  });
}

export const budgetGate: GateDef = {
  name: 'budget',
  description:
    'Fail a pull request over its cost or CO2e budget (delivery.budgets) unless an unexpired override lets it through; reports the repository’s concurrency cap against the most runs seen at once',
  configure(cmd: Command) {
    examples(
      readHubOptions(
        storeOptions(
          cmd
            .option('--pr <n>', 'pull request (merge request) number (default: the CI job’s)')
            .option('--repo <owner/name>', 'repository (default: the CI job’s)')
            .option('--by <who>', 'who runs the gate, recorded when an override is used (default GITHUB_ACTOR / GITLAB_USER_LOGIN)')
            .option('--json', 'print the budget lines as one JSON object on stderr'),
        ),
        'read',
      ),
      'ci-intel gate budget --pr 42 --repo acme/shop',
      'ci-intel gate budget --pr 42 --hub https://ci-intel.internal --token $CI_INTEL_TOKEN',
    );
  },
  async run(_args: string[], opts: Record<string, unknown>, ctx: CliContext): Promise<GateResult> {
    const repo = repoOf(opts, ctx.env);
    const pr = prOf(opts, ctx.env);
    const by = typeof opts.by === 'string' ? opts.by : (ctx.env.GITHUB_ACTOR ?? ctx.env.GITLAB_USER_LOGIN ?? null);
    const target = readTarget(opts, ctx);
    let v: BudgetCheck;
    if (target) v = await hubCall<BudgetCheck>(target, '/api/v1/delivery/budget/check', { method: 'POST', json: { repo, pr, by } });
    else {
      const hub = await ctx.openHub({ db: opts.db, dataDir: opts.dataDir, config: opts.config });
      try {
        v = await checkBudget(hub.db.withTables<DeliveryTables>(), deliveryConfig(hub.config), { repo, pr, by }, ctx.now());
      } finally {
        await hub.close();
      }
    }
    if (opts.json) ctx.err(`${jsonLine(v)}\n`);
    else {
      for (const l of v.lines) ctx.out(`${lineText(l)}\n`);
      if (v.concurrency) ctx.out(`${concurrencyText(v.concurrency, CONCURRENCY_DAYS)}\n`);
    }
    return {
      pass: v.pass,
      value: v.worst === null ? null : Math.round(v.worst * 1000) / 1000,
      max: 1,
      reason: v.reason,
      fields: { repo, pr, ...(v.override ? { override: v.override.override_id } : {}) },
    };
  },
};
