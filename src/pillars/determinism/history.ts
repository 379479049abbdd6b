// Behind the Reproducible builds page: per artifact, the share of checks that reproduced per day
// (UTC) and its latest verdict with the differences per class.
import { DIFF_CLASSES, type DiffClass } from './model.js';
import type { DeterminismDb } from './tables.js';

export interface ArtifactHistory {
  repo: string;
  artifact: string;
  /** Days with checks, ascending. */
  days: { day: string; checks: number; reproducible: number }[];
  latest: { commit: string; verdict: string; classes: Partial<Record<DiffClass, number>>; checked_at: string };
}

export async function artifactHistory(db: DeterminismDb, f: { repo?: string; since: Date }): Promise<ArtifactHistory[]> {
  let q = db.selectFrom('repro_results').select(['repo', 'artifact', 'commit', 'verdict', 'classes', 'checked_at']).where('checked_at', '>=', f.since);
  if (f.repo) q = q.where('repo', '=', f.repo.toLowerCase());
  const rows = await q.orderBy('repo').orderBy('artifact').orderBy('checked_at').orderBy('commit').execute();
  const out = new Map<string, ArtifactHistory>();
  for (const r of rows) {
    const at = new Date(r.checked_at).toISOString();
    const stored = (typeof r.classes === 'string' ? JSON.parse(r.classes) : r.classes) as Partial<Record<DiffClass, number>>;
    const latest = {
      commit: r.commit,
      verdict: r.verdict,
      // In the model's class order (jsonb keeps keys in its own order).
      classes: Object.fromEntries(DIFF_CLASSES.filter((c) => stored[c]).map((c) => [c, stored[c]!])),
      checked_at: at,
    };
    const k = `${r.repo}\n${r.artifact}`;
    const e: ArtifactHistory = out.get(k) ?? { repo: r.repo, artifact: r.artifact, days: [], latest };
    const day = at.slice(0, 10);
    let d = e.days.at(-1);
    if (d?.day !== day) e.days.push((d = { day, checks: 0, reproducible: 0 }));
    d.checks++;
    if (r.verdict === 'reproducible') d.reproducible++;
    e.latest = latest;
    out.set(k, e);
  }
  return [...out.values()];
}
