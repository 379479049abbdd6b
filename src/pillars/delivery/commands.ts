// CLI of the delivery pillar: `ci-intel canary judge` (issue 22 item 1) and `canary decisions`.
import type { Command } from 'commander';
import { collect, examples, jsonLine, storeOptions } from '../../core/cli.js';
import { CiError } from '../../core/errors.js';
import type { CliContext } from '../../core/registry.js';
import { renderDecision } from './canary/render.js';
import { runJudge, type JudgeOptions } from './canary/run.js';
import { deliveryConfig } from './config.js';
import { sloRules, sloRulesYaml } from './slo/rules.js';
import { listDecisions, recordDecision } from './store.js';
import type { DeliveryTables } from './tables.js';

const FORMATS_HELP = `
Samples (one file per track): JSON {"<metric>": [[unix_seconds, value], ...]} (Prometheus' own pairs),
or [{"time": ..., "metric": ..., "value": ...}]; CSV "time,metric,value" or "time,<metric>,<metric>...".
Times are Unix seconds or ISO 8601 dates.

Analysis file (--config / --query-file): Argo Rollouts AnalysisTemplates (metrics with successCondition,
failureCondition, failureLimit, interval, provider.prometheus.query), and/or our own document:
  warmup: 2m          samples in the canary's first 2 minutes are left out (both tracks)
  interval: 60s       expected sample spacing (default: taken from the samples)
  minSamples: 5       fewer after the warm-up: hold
  alpha: 0.05         Mann-Whitney significance; minEffect: 0.3 (rank-biserial); tolerance: 0.05 (median change)
  promoteScore: 80    rollbackScore: 50
  metrics:
    - name: latency_p95_ms
      successCondition: result[0] <= 500
      weight: 2
      query: histogram_quantile(0.95, sum by (le) (rate(http_duration_bucket{track="{{ args.track }}"}[1m])))
Without an analysis file: success_rate >= 0.95, latency_p95_ms <= 500, error_rate <= 0.05 (those present).

Verdict: rollback when a metric breaches its bound and is worse than the baseline (named in the reason)
or the score is below rollbackScore; hold when evidence is missing; else promote.
Exit code: 0 promote, 1 rollback or hold, 2 bad input.`;

export function deliveryCommands(program: Command, ctx: CliContext): void {
  const canary = examples(
    program.command('canary').description('Canary analysis: judge a canary against its baseline and keep the decision with the deployment'),
    'ci-intel canary judge --baseline baseline.json --canary canary.json',
  );
  examples(
    canary
      .command('judge')
      .description('Compare canary samples with the baseline: bounds, Mann-Whitney U, warm-up, weights → promote, hold or rollback with the reason')
      .option('--baseline <file|value>', 'baseline samples (file), or with --prometheus the value of {{ args.track }} for the baseline')
      .option('--canary <file|value>', 'canary samples (file), or with --prometheus the value of {{ args.track }} for the canary')
      .option('--config <file>', 'analysis file: AnalysisTemplates and/or our settings (default: the built-in bounds)')
      .option('--prometheus <url>', 'read the samples from this Prometheus server (query_range)')
      .option('--query-file <file>', 'with --prometheus: the analysis file whose metrics carry the queries')
      .option('--start <when>', 'with --prometheus: window start, a date or a duration before --end', '30m')
      .option('--end <when>', 'with --prometheus: window end, a date or a duration before now (default now)')
      .option('--step <duration>', 'with --prometheus: query step (default: the analysis interval, else 60s)')
      .option('--arg <name=value>', 'value of {{ args.NAME }} in queries (repeatable)', collect)
      .option('--json', 'print the decision as one JSON object')
      .option('--record', 'store the decision with the deployment (--repo, --environment, --deployment)')
      .option('--repo <owner/name>', 'repository of the deployment, for --record')
      .option('--environment <name>', 'environment of the deployment, for --record')
      .option('--deployment <id>', 'deployment id (as in the run records), for --record')
      // Not storeOptions(): its --config names ci-intel.yml, and here --config is the analysis file (issue 22's spelling).
      .option('--db <path|url>', 'for --record: store: PGlite folder or postgres:// URL (env CI_INTEL_DB / DATABASE_URL; default ./.ci-intel/db)')
      .option('--data-dir <dir>', 'for --record: data folder for the embedded store (default ./.ci-intel)')
      .addHelpText('after', FORMATS_HELP)
      .action(async (opts: JudgeOptions & Record<string, unknown>) => {
        const j = await runJudge(opts, ctx.now());
        if (opts.json) ctx.out(`${jsonLine({ decision_id: j.id, ...j.decision, inputs: j.inputs })}\n`);
        else ctx.out(renderDecision(j.decision));
        if (opts.record) {
          const repo = opts.repo as string | undefined;
          const environment = opts.environment as string | undefined;
          const deploymentId = opts.deployment as string | undefined;
          if (!repo || !environment || !deploymentId)
            throw new CiError('E_USAGE', '--record needs --repo, --environment and --deployment', {
              where: !repo ? '--repo' : !environment ? '--environment' : '--deployment',
            });
          const hub = await ctx.openHub({ db: opts.db, dataDir: opts.dataDir });
          try {
            const fresh = await recordDecision(
              hub.db.withTables<DeliveryTables>(),
              hub.redactor,
              ctx.now(),
              j.id,
              { repo, environment, deploymentId },
              j.decision,
              j.inputs,
            );
            ctx.err(`${fresh ? 'recorded' : 'already recorded'}: decision ${j.id.slice(0, 12)} for ${repo} ${environment} ${deploymentId}\n`);
          } finally {
            await hub.close();
          }
        }
        if (j.decision.verdict !== 'promote') process.exitCode = 1;
      }),
    'ci-intel canary judge --baseline baseline.json --canary canary.json',
    'ci-intel canary judge --baseline base.csv --canary canary.csv --config analysis.yml --json',
    'ci-intel canary judge --prometheus http://prometheus:9090 --query-file analysis.yml --baseline stable --canary canary --start 20m',
    'ci-intel canary judge --baseline b.json --canary c.json --record --repo org/app --environment prod --deployment deploy-42',
  );
  examples(
    storeOptions(
      canary
        .command('decisions')
        .description('List stored canary decisions, newest first')
        .option('--repo <owner/name>', 'only this repository')
        .option('--environment <name>', 'only this environment')
        .option('--deployment <id>', 'only this deployment')
        .option('--json', 'one JSON object per decision'),
    ).action(async (opts: Record<string, string | undefined>) => {
      const hub = await ctx.openHub({ db: opts.db, dataDir: opts.dataDir, config: opts.config });
      try {
        const rows = await listDecisions(hub.db.withTables<DeliveryTables>(), {
          repo: opts.repo,
          environment: opts.environment,
          deploymentId: opts.deployment,
        });
        for (const r of rows) {
          if (opts.json) ctx.out(`${jsonLine(r)}\n`);
          else ctx.out(`${r.decided_at}  ${r.repo}  ${r.environment}  ${r.deployment_id}  ${r.verdict}  score ${r.score}  ${r.reason}\n`);
        }
        if (!rows.length) ctx.err('no canary decisions stored (record one with `ci-intel canary judge ... --record`)\n');
      } finally {
        await hub.close();
      }
    }),
    'ci-intel canary decisions --repo org/app --environment prod',
  );

  const slo = examples(
    program.command('slo').description('Service level objectives: burn-rate alert rules (the gate is `ci-intel gate slo`)'),
    'ci-intel slo rules',
  );
  examples(
    slo
      .command('rules')
      .description('Print Prometheus recording and multi-window burn-rate alert rules for the SLOs in ci-intel.yml (those with errorRatioQuery)')
      .option('--config <file>', 'ci-intel.yml to read (default ./ci-intel.yml when present)'),
    'ci-intel slo rules > slo-rules.yml && promtool check rules slo-rules.yml',
  ).action((opts: { config?: string }) => {
    const slos = deliveryConfig(ctx.config({ config: opts.config })).slos;
    if (!sloRules(slos).groups.length)
      throw new CiError('E_USAGE', 'no SLO has an errorRatioQuery to build rules from', {
        where: 'ci-intel.yml: /delivery/slos',
        hint: 'add errorRatioQuery: sum(rate(http_requests_total{code=~"5.."}[{{window}}])) / sum(rate(http_requests_total[{{window}}]))',
      });
    ctx.out(sloRulesYaml(slos));
  });
}
