// The mutation pillar's /metrics series: the latest main-branch resilience per repository and
// whether it is outside its EWMA control limits.
import { Gauge, type Registry } from 'prom-client';
import type { HubContext } from '../../core/registry.js';
import { sql } from '../../core/db/index.js';
import { mdb } from './tables.js';

export function registerMutationMetrics(registry: Registry, ctx: HubContext): void {
  const db = mdb(ctx);
  const latest = async () =>
    (
      await sql<{ repo: string; score: number; out_of_control: boolean | null }>`
      select distinct on (repo) repo, score, out_of_control from mutation_runs
      where is_main and score is not null order by repo, at desc, run_id desc`.execute(db)
    ).rows;
  new Gauge({
    name: 'ci_intel_mutation_resilience',
    help: 'Resilience (killed / max(1, mutants - equivalent), 0-1) of the latest main-branch run per repository',
    labelNames: ['repo'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await latest()) this.set({ repo: r.repo }, r.score);
    },
  });
  new Gauge({
    name: 'ci_intel_mutation_out_of_control',
    help: '1 when the latest main-branch run of a repository is outside its EWMA control limits',
    labelNames: ['repo'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await latest()) if (r.out_of_control !== null) this.set({ repo: r.repo }, r.out_of_control ? 1 : 0);
    },
  });
}
