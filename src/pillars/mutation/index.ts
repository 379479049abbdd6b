// Mutation Observatory (seed 000 pillar 1; issue 6): how good are the tests — resilience score,
// delta vs main, EWMA control limits, hotspots, equivalent marks, report comparison.
import { Gauge } from 'prom-client';
import { definePillar } from '../../core/registry.js';
import { mutationCommands } from './commands.js';
import { controlParams, mutationConfig, mutationSection } from './config.js';
import { seedMutationDemo, synthMutation } from './demo.js';
import { resilienceGate } from './gate.js';
import { mutationRoutes, runAnalysis } from './routes.js';
import { RUN_INGESTED, RUNS_LOADED } from '../../core/bus/index.js';
import { deriveFromRecord, loadedRunsToScore, mdb, migrations, sql } from './store.js';

export const mutationPillar = definePillar({
  id: 'mutation',
  config: mutationSection,
  migrations,
  routes: (app, ctx) => mutationRoutes(app, ctx),
  commands: (program, ctx) => mutationCommands(program, ctx),
  gates: [resilienceGate],
  subscriptions: (ctx) => [
    {
      // A pipeline_run record carries tests.resilience counts: derive the score by the dictionary,
      // the delta vs main and the control position (an uploaded report, richer, wins). Webhook runs
      // arrive one by one (run.ingested); NDJSON batches as one runs.loaded event.
      consumer: 'mutation.records',
      types: [RUN_INGESTED, RUNS_LOADED],
      async handle(event) {
        const cfg = mutationConfig(ctx.config.pillars);
        const opts = { mainBranch: cfg.main_branch, thresholds: cfg.thresholds, control: controlParams(cfg), now: ctx.now() };
        const ids = event.type === RUNS_LOADED ? (event.object_key ? await loadedRunsToScore(mdb(ctx), event.object_key) : []) : event.run_id ? [event.run_id] : [];
        for (const id of ids) await deriveFromRecord(mdb(ctx), id, opts);
      },
    },
  ],
  analyze: (ctx, runId) => runAnalysis(ctx, runId),
  synth: synthMutation,
  seedDemo: seedMutationDemo,
  metrics: (registry, ctx) => {
    const db = mdb(ctx);
    const latest = async () =>
      (await sql<{ repo: string; score: number; out_of_control: boolean | null }>`
        select distinct on (repo) repo, score, out_of_control from mutation_runs
        where is_main and score is not null order by repo, at desc, run_id desc`.execute(db)).rows;
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
  },
  panels: [
    { id: 'mutation-trend', title: 'Resilience trend (EWMA, control limits)', page: 'mutation', api: '/api/v1/mutation/trends', order: 10 },
    { id: 'mutation-scatter', title: 'Resilience vs coverage per file', page: 'mutation', api: '/api/v1/mutation/files', order: 11 },
    { id: 'mutation-runs', title: 'Mutation runs', page: 'mutation', api: '/api/v1/mutation/runs', order: 12 },
  ],
});
