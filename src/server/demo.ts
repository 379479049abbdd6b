// `serve --demo`: an empty store gets synthetic history (runs, commits, and whatever the pillars
// generate), so the dashboard shows data the moment a newcomer opens it.
import type { CliContext, HubContext, Pillar } from '../core/registry.js';
import { synthesize } from '../core/synth/generate.js';
import { ingestNdjson } from '../ingest/ndjson.js';
import { insertCommits } from '../ingest/commits.js';

export const DEMO = { repos: 6, days: 30, runsPerDay: 16, seed: 20261122 };

export async function seedDemo(hub: HubContext, pillars: Pillar[], ctx: Pick<CliContext, 'err' | 'now'>) {
  const existing = await hub.db.selectFrom('runs').select('run_id').limit(1).execute();
  if (existing.length) return null;
  const res = synthesize({ ...DEMO, end: ctx.now(), pillars });
  async function* lines() {
    for (const r of res.records) yield Buffer.from(JSON.stringify(r) + '\n');
  }
  await ingestNdjson(hub, lines(), { source: 'demo' });
  await insertCommits(hub.db, res.commits.map((c) => ({ ...c, source: 'demo' })));
  for (const p of pillars) {
    const extra = res.extras[p.id];
    if (extra && p.seedDemo) await p.seedDemo(hub, extra);
  }
  await hub.bus.drain(120_000).catch(() => {});
  return { runs: res.records.length, commits: res.commits.length };
}
