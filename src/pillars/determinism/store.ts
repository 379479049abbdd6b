// Reproducibility records: the verdicts of a commit stored per artifact, and per artifact the rate
// over time and the first commit of its current drift (the oldest non-reproducible check after
// the last reproducible one).
import type { ArtifactVerdict } from './model.js';
import type { DeterminismDb } from './tables.js';

export interface ArtifactRate {
  repo: string;
  artifact: string;
  checks: number;
  reproducible: number;
  /** Reproducible checks / checks, 0..1. */
  rate: number;
  latest: string;
  /** The commit where the current drift began, or null when the latest check reproduced. */
  firstDriftCommit: string | null;
  lastChecked: string;
}

export async function recordResults(db: DeterminismDb, r: { repo: string; commit: string; at: Date; verdicts: ArtifactVerdict[] }): Promise<number> {
  const repo = r.repo.toLowerCase();
  const rows = r.verdicts
    .filter((v) => v.verdict !== 'not compared')
    .map((v) => ({
      repo,
      commit: r.commit,
      artifact: v.artifact,
      verdict: v.verdict,
      classes: JSON.stringify(v.classes),
      differences: JSON.stringify(v.differences.slice(0, 20)),
      checked_at: r.at,
    }));
  if (!rows.length) return 0;
  await db
    .insertInto('repro_results')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['repo', 'commit', 'artifact']).doUpdateSet((eb) => ({
        verdict: eb.ref('excluded.verdict'),
        classes: eb.ref('excluded.classes'),
        differences: eb.ref('excluded.differences'),
        checked_at: eb.ref('excluded.checked_at'),
      })),
    )
    .execute();
  return rows.length;
}

export async function artifactRates(db: DeterminismDb, f: { repo?: string; since?: Date } = {}): Promise<ArtifactRate[]> {
  let q = db.selectFrom('repro_results').select(['repo', 'artifact', 'commit', 'verdict', 'checked_at']);
  if (f.repo) q = q.where('repo', '=', f.repo.toLowerCase());
  if (f.since) q = q.where('checked_at', '>=', f.since);
  const rows = await q.orderBy('repo').orderBy('artifact').orderBy('checked_at').orderBy('commit').execute();
  const by = new Map<string, typeof rows>();
  for (const r of rows) {
    const k = `${r.repo}\n${r.artifact}`;
    by.set(k, [...(by.get(k) ?? []), r]);
  }
  return [...by.values()].map((rs) => {
    const ok = rs.filter((r) => r.verdict === 'reproducible').length;
    let drift: string | null = null;
    for (let i = rs.length - 1; i >= 0 && rs[i]!.verdict !== 'reproducible'; i--) drift = rs[i]!.commit;
    const last = rs[rs.length - 1]!;
    return {
      repo: last.repo,
      artifact: last.artifact,
      checks: rs.length,
      reproducible: ok,
      rate: ok / rs.length,
      latest: last.verdict,
      firstDriftCommit: drift,
      lastChecked: new Date(last.checked_at).toISOString(),
    };
  });
}
