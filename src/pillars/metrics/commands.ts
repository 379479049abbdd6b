// CLI: `ci-intel metrics <dora|health|readiness|cost|refresh|grafana|rules>`, `ci-intel digest`,
// and the `readiness` gate. The read commands open the configured store (--db) or read a running
// hub's API (--hub; reads.ts), since PGlite allows one process per folder.
import type { Command } from 'commander';
import { examples, storeOptions } from '../../core/cli.js';
import { readHubOptions } from '../../core/hub-api.js';
import { CiError } from '../../core/errors.js';
import { readInputText } from '../../core/input.js';
import type { CliContext } from '../../core/registry.js';
import { metricsConfig } from './config.js';
import { fmtDuration } from '../../core/duration.js';
import { digestMarkdown, digestSlack, type DigestData } from './export/digest.js';
import { grafanaDashboard } from './export/grafana.js';
import { alertRulesYaml } from './export/rules.js';
import { parseWindow, type Filters } from './filters.js';
import type { Readiness } from './readiness.js';
import { withReads, type MetricsReads } from './reads.js';
import { importFlags, parseUnleashFeatures } from './flags.js';
import { fmtMinutes } from './minutes.js';
import { metricsDb, refresh } from './refresh.js';

/** The filters and the two places a read command reads from: the store (--db) or a running hub (--hub). */
const readOptions = (cmd: Command) =>
  readHubOptions(storeOptions(cmd))
    .option('--repo <repo>', 'only this repository')
    .option('--branch <branch>', 'only this branch')
    .option('--environment <env>', 'only this environment (production = every production name)')
    .option('--workflow <name>', 'only this workflow (NDJSON runs: default)')
    .option('--window <days>', 'days: 1, 7, 30 or 90', '30');

function filtersFrom(opts: Record<string, unknown>): Filters {
  return {
    repo: opts.repo as string | undefined,
    branch: opts.branch as string | undefined,
    environment: opts.environment as string | undefined,
    workflow: opts.workflow as string | undefined,
    window: parseWindow(opts.window),
    repoRegexes: null,
  };
}

const pct = (v: number | null) => (v === null ? 'no data' : `${(v * 100).toFixed(1)}%`);

const ms = (v: number | null) => fmtDuration(v === null ? null : v / 1000);

export function metricsCommands(program: Command, ctx: CliContext): void {
  const metrics = examples(
    program.command('metrics').description('DORA, run health, readiness and cost over the store; Grafana and Prometheus rule exports'),
    'ci-intel metrics dora --window 30',
    'ci-intel metrics health --repo acme/payments --json',
    'ci-intel metrics grafana > ci-intel-dora.json',
  );

  examples(
    readOptions(
      metrics.command('dora').description('DORA four keys per repo and environment (production unless --environment)').option('--json', 'one JSON object'),
    ),
    'ci-intel metrics dora',
    'ci-intel metrics dora --environment staging --window 90 --json',
    'ci-intel metrics dora --hub http://localhost:8080 --token $CI_INTEL_TOKEN',
  ).action(async (opts: Record<string, unknown>) => {
    const f = filtersFrom(opts);
    const r = await withReads(ctx, opts, (reads) => reads.dora(f));
    if (opts.json) return ctx.out(JSON.stringify(r) + '\n');
    ctx.out(`repo\tenvironment\tdeploys/day\tlead time\tchange failure\ttime to restore\n`);
    for (const g of [...r.groups, { repo: 'ALL', environment: r.environments?.join(',') ?? 'all', ...r.total }])
      ctx.out(
        `${g.repo}\t${g.environment}\t${g.deployment_frequency_per_day.toFixed(2)} ${g.bands.deployment_frequency ?? ''}\t${fmtDuration(g.lead_time_median_s)} ${g.bands.lead_time ?? ''}\t${pct(g.change_failure_rate)} ${g.bands.change_failure_rate ?? ''}\t${fmtMinutes(g.time_to_restore_median_s)} ${g.bands.time_to_restore ?? ''}\n`,
      );
    // Say which medians are approximate (the same words as the report's definitions).
    ctx.out(`medians — ${r.definitions.percentiles}\n`);
  });

  examples(
    readOptions(
      metrics.command('health').description('Run health per pipeline and per job (approximate percentiles, ±9.05%)').option('--json', 'one JSON object'),
    ),
    'ci-intel metrics health --window 7',
    'ci-intel metrics health --hub http://localhost:8080 --token $CI_INTEL_TOKEN',
  ).action(async (opts: Record<string, unknown>) => {
    const f = filtersFrom(opts);
    const r = await withReads(ctx, opts, (reads) => reads.health(f));
    if (opts.json) return ctx.out(JSON.stringify(r) + '\n');
    ctx.out(`repo\tworkflow\truns\tsuccess\tp50\tp95\tqueue p95\tretry\tMTTR\n`);
    for (const p of [...r.pipelines, { ...r.total, repo: 'ALL', workflow: '' }])
      ctx.out(
        `${p.repo}\t${p.workflow}\t${p.runs}\t${pct(p.success_rate)}\t${ms(p.duration_p50_ms)}\t${ms(p.duration_p95_ms)}\t${ms(p.queue_p95_ms)}\t${pct(p.retry_rate)}\t${fmtMinutes(p.mttr_median_s)}\n`,
      );
  });

  examples(
    readOptions(
      metrics
        .command('readiness')
        .description('Release readiness per repo (CI pass rate, coverage, security, code quality) with every component')
        .option('--json', 'one JSON object per repo'),
    ),
    'ci-intel metrics readiness --repo acme/payments',
    'ci-intel metrics readiness --hub http://localhost:8080 --token $CI_INTEL_TOKEN',
  ).action(async (opts: Record<string, unknown>) => {
    const f = filtersFrom(opts);
    const items = await withReads(ctx, opts, (reads) => reads.readiness(f));
    for (const r of items) ctx.out(opts.json ? JSON.stringify(r) + '\n' : formatReadiness(r));
  });

  examples(
    readOptions(metrics.command('cost').description('Cost and carbon per week').option('--json', 'one JSON object')),
    'ci-intel metrics cost --window 90',
    'ci-intel metrics cost --hub http://localhost:8080 --token $CI_INTEL_TOKEN',
  ).action(async (opts: Record<string, unknown>) => {
    const f = filtersFrom(opts);
    const weeks = await withReads(ctx, opts, (reads) => reads.costWeekly(f));
    if (opts.json) return ctx.out(JSON.stringify({ weekly: weeks }) + '\n');
    ctx.out('week\truns\tusd\tcarbon kg\tkWh\n');
    for (const w of weeks) ctx.out(`${w.week}\t${w.runs}\t${w.usd.toFixed(2)}\t${(w.carbon_g / 1000).toFixed(3)}\t${w.kwh.toFixed(3)}\n`);
  });

  examples(
    storeOptions(metrics.command('refresh').description('Bring the rollups and DORA tables up to date now (the hub does it by itself)')),
    'ci-intel metrics refresh',
  ).action(async (opts: Record<string, unknown>) => {
    const hub = await ctx.openHub(opts);
    try {
      const r = await refresh(hub, { full: true });
      ctx.out(`refreshed ${r.touched_days} repo-days and ${r.dora_groups} deployment groups\n`);
    } finally {
      await hub.close();
    }
  });

  examples(
    storeOptions(
      metrics
        .command('flags')
        .description('Import feature flags from an Unleash export (GET /api/admin/features); replaces the stored set behind the flag gauges of /metrics')
        .argument('<file>', 'the saved JSON answer'),
    ),
    'ci-intel metrics flags flags.json   # flags.json: curl -H "Authorization: $UNLEASH_TOKEN" https://unleash.example.com/api/admin/features',
  ).action(async (file: string, opts: Record<string, unknown>) => {
    const flags = parseUnleashFeatures(readInputText(file), file);
    const hub = await ctx.openHub(opts);
    try {
      const n = await importFlags(metricsDb(hub), flags, ctx.now());
      const by = (s: string) => flags.filter((f) => f.state === s).length;
      ctx.out(`imported ${n} feature flags: ${by('enabled')} enabled, ${by('disabled')} disabled, ${by('stale')} stale\n`);
    } finally {
      await hub.close();
    }
  });

  examples(
    metrics.command('grafana').description('Print the provisionable Grafana dashboard (JSON) over the /metrics series'),
    'ci-intel metrics grafana > /etc/grafana/dashboards/ci-intel-dora.json',
  ).action(() => {
    ctx.out(JSON.stringify(grafanaDashboard(), null, 2) + '\n');
  });
  examples(
    metrics
      .command('rules')
      .description("Print Prometheus alert rules for the exported DORA and pipeline series, and the multi-window burn-rate alerts of ci-intel.yml's SLOs")
      .option('--config <file>', 'ci-intel.yml to read the SLOs from (default ./ci-intel.yml when present)'),
    'ci-intel metrics rules > ci-intel-rules.yml && promtool check rules ci-intel-rules.yml',
    'ci-intel metrics rules --config deploy/ci-intel.yml > rules.yml',
  ).action((opts: { config?: string }) => {
    ctx.out(alertRulesYaml(ctx.alertRules?.(ctx.config({ config: opts.config })) ?? []));
  });

  // ---- digest ----
  examples(
    readHubOptions(
      storeOptions(
        program
          .command('digest')
          .description('Weekly digest as Markdown (default) or Slack Block Kit JSON; posts to --webhook (or CI_INTEL_DIGEST_WEBHOOK) when given')
          .option('--window <days>', 'days: 1, 7, 30 or 90', '7')
          .option('--repo <repo>', 'only this repository')
          .option('--slack', 'print Slack Block Kit JSON instead of Markdown')
          .option('--webhook <url>', 'POST the Slack message to this incoming-webhook URL (env CI_INTEL_DIGEST_WEBHOOK)')
          .option('--hub-url <url>', 'dashboard link to put in the digest (env CI_INTEL_PUBLIC_URL)'),
      ),
    ),
    'ci-intel digest',
    'ci-intel digest --slack --webhook https://hooks.slack.com/services/T000/B000/XXXX',
    'ci-intel digest --hub http://localhost:8080 --token $CI_INTEL_TOKEN --hub-url http://localhost:8080',
  ).action(async (opts: Record<string, unknown>) => {
    const f: Filters = { ...filtersFrom({ ...opts, window: opts.window ?? '7' }) };
    const data = await withReads(ctx, opts, (reads) =>
      gatherDigest(reads, f, (opts.hubUrl as string | undefined) ?? reads.publicUrl ?? ctx.config(opts).server.publicUrl),
    );
    const slack = digestSlack(data);
    const md = digestMarkdown(data);
    ctx.out(opts.slack ? JSON.stringify(slack) + '\n' : md);
    const hook = (opts.webhook as string | undefined) ?? metricsConfig(ctx.config(opts)).digestWebhook;
    if (hook) await postDigest(hook, slack, ctx);
  });
}

export async function gatherDigest(reads: MetricsReads, f: Filters, hubUrl?: string): Promise<DigestData> {
  const [h, dora, ready] = await Promise.all([reads.health(f), reads.dora({ ...f, environment: f.environment ?? 'production' }), reads.readiness(f)]);
  const worst = h.pipelines
    .filter((p) => p.success_rate !== null)
    .sort((a, b) => a.success_rate! - b.success_rate! || (a.repo < b.repo ? -1 : 1))
    .slice(0, 3);
  return { window: dora.window, health: h.total, worstPipelines: worst, dora: dora.total, environments: dora.environments, readiness: ready, hubUrl };
}

export async function postDigest(url: string, body: unknown, ctx: Pick<CliContext, 'err'>): Promise<void> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CiError('E_USAGE', `--webhook ${url} is not a URL`, { where: '--webhook' });
  }
  // The URL carries the webhook's secret: never print it, only its host.
  let res: Response;
  try {
    res = await fetch(u, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
  } catch (e) {
    throw new CiError('E_DIGEST_POST_FAILED', `cannot post the digest to ${u.host}: ${(e as Error).message}`, {
      where: '--webhook',
      hint: 'check the webhook URL and the network',
    });
  }
  if (!res.ok) {
    const text = (await res.text().catch(() => '')).slice(0, 200);
    throw new CiError('E_DIGEST_POST_FAILED', `${u.host} answered ${res.status} ${text}`, {
      where: '--webhook',
      hint: 'check that the incoming webhook still exists',
    });
  }
  ctx.err(`posted the digest to ${u.host}\n`);
}

export function formatReadiness(r: Readiness): string {
  const lines = [
    `${r.repo}${r.branch ? `@${r.branch}` : ''}: ${r.score === null ? 'no data' : r.score.toFixed(1)} ${r.band ?? ''}${r.complete ? '' : ` (incomplete: missing ${r.missing.join(', ')})`}`,
  ];
  for (const c of r.components)
    lines.push(`  ${c.id.padEnd(8)} w=${String(c.weight).padEnd(3)} ${c.score === null ? 'missing' : c.score.toFixed(1).padStart(5)}  ${c.explanation}`);
  return lines.join('\n') + '\n';
}
