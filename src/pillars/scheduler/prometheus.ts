// The scheduler's /metrics series: the rolling prediction error per repository (whole runs), next
// to the naive mean-of-last-3's, so the error is published, not claimed; and the queue-time
// fairness per team over the same window.
import { Gauge, type Registry } from 'prom-client';
import type { HubContext } from '../../core/registry.js';
import { schedulerConfig } from './config.js';
import { fairness } from './fairness.js';
import { rollingMape } from './store.js';
import { sdb } from './tables.js';

export function registerSchedulerMetrics(registry: Registry, ctx: HubContext): void {
  const since = () => new Date(ctx.now().getTime() - schedulerConfig(ctx.config).mapeWindowDays * 86_400_000);
  const rows = () => rollingMape(sdb(ctx), since());
  // The two team gauges are collected together (prom-client collects every metric of a scrape at
  // once): they share the one query in flight, and the next scrape queries afresh.
  let teamsInFlight: ReturnType<typeof fairness> | null = null;
  const teams = () =>
    (teamsInFlight ??= fairness(ctx, { since: since(), repoRegexes: null }).finally(() => {
      teamsInFlight = null;
    }));
  new Gauge({
    name: 'ci_intel_scheduler_mape_percent',
    help: 'Rolling mean absolute percentage error of run duration predictions per repository (finished runs of the window, scheduler.mapeWindowDays)',
    labelNames: ['repo', 'predictor'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await rows()) {
        this.set({ repo: r.repo, predictor: 'model' }, r.mape_pct);
        this.set({ repo: r.repo, predictor: 'mean_of_last_3' }, r.naive_mape_pct);
      }
    },
  });
  new Gauge({
    name: 'ci_intel_scheduler_queue_fairness_ratio',
    help: 'Per team, its share of the queue time over its share of the runs (1 = it waits its share; 2 = twice its share), runs of the window scheduler.mapeWindowDays',
    labelNames: ['team'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const t of await teams()) if (t.fairness_ratio !== null) this.set({ team: t.team }, t.fairness_ratio);
    },
  });
  new Gauge({
    name: 'ci_intel_scheduler_mean_queue_seconds',
    help: 'Per team, the mean time its runs waited in the queue (seconds), runs of the window scheduler.mapeWindowDays',
    labelNames: ['team'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const t of await teams()) if (t.mean_queue_ms !== null) this.set({ team: t.team }, t.mean_queue_ms / 1000);
    },
  });
}
