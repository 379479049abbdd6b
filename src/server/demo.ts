// `serve --demo`: an empty store gets synthetic history (runs, commits, and whatever the pillars
// generate), so the dashboard shows data the moment a newcomer opens it.
import type { CliContext, HubContext, Pillar } from '../core/registry.js';
import { synthesize } from '../core/synth/generate.js';
import { ingestNdjson } from '../core/runs/ingest.js';
import { insertCommits } from '../core/runs/commits.js';
import { analyzeIfStale } from '../core/db/analyze.js';

export const DEMO = { repos: 6, days: 30, runsPerDay: 16, seed: 20261122 };

/** `size` overrides the history's shape (tests seed a smaller one). */
export async function seedDemo(hub: HubContext, pillars: Pillar[], ctx: Pick<CliContext, 'err' | 'now'>, size: Partial<typeof DEMO> = {}) {
  const existing = await hub.db.selectFrom('runs').select('run_id').limit(1).execute();
  if (existing.length) return null;
  const shape = { ...DEMO, ...size };
  // Seeding takes about a minute on 2 cores: say so before the silence.
  ctx.err(`demo: seeding ${shape.days} days of synthetic history for ${shape.repos} repositories (about a minute) ...\n`);
  const res = synthesize({ ...shape, end: ctx.now(), pillars });
  async function* lines() {
    for (const r of res.records) yield Buffer.from(JSON.stringify(r) + '\n');
  }
  await ingestNdjson(hub, lines(), { source: 'demo' });
  await insertCommits(
    hub.db,
    res.commits.map((c) => ({ ...c, source: 'demo' })),
  );
  // What the pillars derive from the records comes first: their demo uploads (real reports and
  // logs attached to these runs) then land on a store that looks like a live one.
  await hub.bus.drain(120_000).catch(() => {});
  for (const p of pillars) {
    const extra = res.extras[p.id];
    if (!extra || !p.seedDemo) continue;
    const t0 = performance.now();
    await p.seedDemo(hub, extra);
    hub.log.debug({ pillar: p.id, items: extra.length, ms: Math.round(performance.now() - t0) }, 'demo: pillar data seeded');
  }
  await hub.bus.drain(120_000).catch(() => {});
  // A bulk load: give the planner statistics now (PGlite has no autovacuum to do it).
  if (hub.store.kind === 'pglite') await analyzeIfStale(hub.db);
  return { runs: res.records.length, commits: res.commits.length };
}
