// `serve --demo`: the build cache's events for the synthetic runs, so the Cache page has something
// to show. Each job that reports a cache lookup (the record's `cache.hit`) becomes a turbo lookup in
// its repository's namespace — a hit, or a miss followed by the put of the rebuilt artifact — and a
// few hits are quarantined as an integrity check would (digest mismatch). The Overview's cache hits
// (from the records) and the Cache page (from these events) then tell the same story. Sizes and
// the quarantined few come from a hash of the key, not the shared RNG: the other pillars' demo
// data stays what it was.
import { createHash } from 'node:crypto';
import { unnestInsert } from '../../core/db/index.js';
import type { HubContext } from '../../core/registry.js';
import type { SynthContext } from '../../core/synth/types.js';
import { EVENT_COLUMNS, type CacheEvent } from './events.js';

/** One in QUARANTINE_EVERY hits is quarantined (a corrupt blob found by verification). */
const QUARANTINE_EVERY = 150;

interface DemoEvent {
  at: string;
  kind: CacheEvent['kind'];
  namespace: string;
  key: string;
  bytes: number;
  reason: string | null;
  task_ms: number | null;
}

const hash = (s: string) => createHash('sha256').update(s).digest();

export function synthCache(ctx: SynthContext): void {
  const out: DemoEvent[] = [];
  for (const r of ctx.records) {
    for (const j of r.jobs) {
      if (!j.cache || typeof j.cache.hit !== 'boolean') continue;
      const key = hash(`${r.run_id}/${j.id}`).toString('hex').slice(0, 32);
      const h = hash(key);
      // 2–200 MB artifacts, skewed small (build outputs of one task).
      const bytes = Math.round(2 * 1024 * 1024 * Math.pow(100, (h[0]! * 256 + h[1]!) / 65_536));
      const at = r.started_at;
      // The task's build time as turbo would report it: the job's duration on a miss (it built),
      // a typical 1–10 minutes otherwise (a hit's job time is the download, not the build).
      const taskMs = !j.cache.hit && j.duration_ms ? j.duration_ms : 60_000 + (h.readUInt32BE(8) % 540_000);
      if (j.cache.hit) {
        const bad = h.readUInt32BE(4) % QUARANTINE_EVERY === 0;
        out.push(
          bad
            ? { at, kind: 'quarantine', namespace: r.repo, key, bytes, reason: 'digest_mismatch', task_ms: null }
            : { at, kind: 'hit', namespace: r.repo, key, bytes, reason: null, task_ms: taskMs },
        );
        if (bad) out.push({ at, kind: 'miss', namespace: r.repo, key, bytes: 0, reason: null, task_ms: null });
      } else out.push({ at, kind: 'miss', namespace: r.repo, key, bytes: 0, reason: null, task_ms: null });
      if (!j.cache.hit) out.push({ at: r.ended_at, kind: 'put', namespace: r.repo, key, bytes, reason: null, task_ms: taskMs });
    }
  }
  ctx.extras.cache = out;
}

export async function seedCacheDemo(ctx: HubContext, extras: unknown[]): Promise<void> {
  const events = extras as DemoEvent[];
  for (let i = 0; i < events.length; i += 5000) {
    const batch = events.slice(i, i + 5000).map((e) => ({ ...e, at: new Date(e.at), protocol: 'turbo', digest: null }));
    await unnestInsert('cache_events', EVENT_COLUMNS, batch).execute(ctx.db);
  }
}
