// `ci-intel gate slo --env prod`: blocks promotion while an SLO of the environment burns its error
// budget too fast (a Sloth/Pyrra window pair with both windows above its factor). Samples come from
// a file (the canary judge's formats) or from Prometheus (the SLO's `query`, 3 days at 1-minute steps).
import type { Command } from 'commander';
import { examples } from '../../core/cli.js';
import { sinceInstant } from '../../core/duration.js';
import { CiError } from '../../core/errors.js';
import { readInputText } from '../../core/input.js';
import type { CliContext, GateDef, GateResult } from '../../core/registry.js';
import { rangeQuery } from './canary/prometheus-source.js';
import { parseSamples, type Sample } from './canary/samples.js';
import { deliveryConfig, type SloConfig } from './config.js';
import { burnReport, PAIRS, type BurnReport } from './slo/burn.js';

const LOOKBACK_MS = 72 * 3_600_000;

async function samplesOf(slo: SloConfig, opts: Record<string, unknown>, at: Date): Promise<Sample[]> {
  const metric = slo.metric ?? (slo.kind === 'availability' ? 'error_rate' : 'latency_p95_ms');
  if (opts.samples) {
    const file = String(opts.samples);
    return parseSamples(readInputText(file, '--samples'), file).get(metric) ?? [];
  }
  if (!slo.query)
    throw new CiError('E_USAGE', `SLO ${slo.name} has no query for --prometheus`, {
      where: `ci-intel.yml: /delivery/slos (${slo.name})`,
      hint: 'add query: (PromQL of the SLI)',
    });
  const r = await rangeQuery(
    String(opts.prometheus),
    slo.query,
    { start: new Date(at.getTime() - LOOKBACK_MS), end: at, stepS: 60 },
    `ci-intel.yml: /delivery/slos (${slo.name})`,
    fetch,
  );
  return r.samples;
}

export const sloGate: GateDef = {
  name: 'slo',
  description:
    "Block promotion while an environment's SLO burns its error budget too fast (multi-window burn rates: 1h/5m > 14.4, 6h/30m > 6, 1d/2h > 3, 3d/6h > 1)",
  configure(cmd: Command) {
    examples(
      cmd
        .requiredOption('--env <name>', 'environment whose SLOs (delivery.slos in ci-intel.yml) are checked')
        .option('--slo <name>', 'only this SLO')
        .option('--samples <file>', 'SLI samples: JSON/CSV as `canary judge` reads them (error_rate or latency_p95_ms, or the SLO metric)')
        .option('--prometheus <url>', "read each SLO's query from this Prometheus (last 3 days, 1-minute steps)")
        .option('--at <when>', 'evaluate at this instant (a date, or a duration ago; default now)')
        .option('--allow-missing', 'pass when there are no samples (default: no data fails)')
        .option('--json', 'print the burn report of every SLO as one JSON object on stderr')
        .option('--config <file>', 'ci-intel.yml to read (default ./ci-intel.yml when present)'),
      'ci-intel gate slo --env prod --prometheus http://prometheus:9090',
      'ci-intel gate slo --env prod --samples error-rate.csv --slo checkout-availability',
    );
  },
  async run(_args: string[], opts: Record<string, unknown>, ctx: CliContext): Promise<GateResult> {
    if (!opts.samples === !opts.prometheus) throw new CiError('E_USAGE', 'give one of --samples FILE or --prometheus URL', { where: '--samples' });
    const cfg = deliveryConfig(ctx.config({ config: opts.config }));
    const env = String(opts.env);
    const slos = cfg.slos.filter((s) => s.environment === env && (!opts.slo || s.name === opts.slo));
    if (!slos.length)
      throw new CiError('E_USAGE', `no SLO${opts.slo ? ` named ${String(opts.slo)}` : ''} for environment ${env}`, {
        where: 'ci-intel.yml: /delivery/slos',
        hint: 'declare one: delivery: { slos: [{ name, environment, kind: availability, objective: 99.9 }] }',
      });
    for (const s of slos)
      if (s.kind === 'latency' && s.latencyMs === undefined)
        throw new CiError('E_CONFIG_INVALID', `SLO ${s.name} is a latency SLO without latencyMs`, {
          where: 'ci-intel.yml: /delivery/slos',
          hint: 'add latencyMs: 500',
        });
    const at = opts.at ? sinceInstant(String(opts.at), ctx.now(), '--at') : ctx.now();
    const reports: BurnReport[] = [];
    for (const s of slos) reports.push(burnReport(s, await samplesOf(s, opts, at), at));
    if (opts.json) ctx.err(`${JSON.stringify({ at: at.toISOString(), reports })}\n`);
    const blocked = reports.filter((r) => r.blocked);
    const missing = reports.filter((r) => r.windows.every((w) => w.burn === null));
    const worst = Math.max(0, ...reports.flatMap((r) => r.windows.map((w) => w.burn ?? 0)));
    const fields = { env, slos: reports.length };
    if (blocked.length) return { pass: false, value: worst, max: PAIRS[0]!.factor, reason: blocked.map((r) => `${r.slo}: ${r.reason}`).join('; '), fields };
    if (missing.length && !opts.allowMissing)
      return { pass: false, value: null, reason: `${missing.map((r) => r.slo).join(', ')}: no samples in the last day (--allow-missing passes)`, fields };
    return { pass: true, value: worst, max: PAIRS[0]!.factor, reason: reports.map((r) => `${r.slo}: ${r.reason}`).join('; '), fields };
  },
};

export const deliveryGates = [sloGate];
