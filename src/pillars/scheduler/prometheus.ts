// The scheduler's /metrics series: the rolling prediction error per repository (whole runs), next
// to the naive mean-of-last-3's, so the error is published, not claimed.
import { Gauge, type Registry } from 'prom-client';
import type { HubContext } from '../../core/registry.js';
import { schedulerConfig } from './config.js';
import { rollingMape } from './store.js';
import { sdb } from './tables.js';

export function registerSchedulerMetrics(registry: Registry, ctx: HubContext): void {
  const rows = () => rollingMape(sdb(ctx), new Date(ctx.now().getTime() - schedulerConfig(ctx.config).mapeWindowDays * 86_400_000));
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
}
