// The evidence bundle's `reproducible` entry: what the determinism pillar found for the release's
// commit (seed 000 pillar 4: "attach binary diff summary to ... Evidence Bundle") — artifacts
// compared, those reproducible, and those not with their difference classes. Read from the store by
// SQL guarded by to_regclass (a pillar imports no other: a hub without the determinism pillar's
// table says "none recorded"), or from the hub's commit-verdicts route.
import { sql, type Kysely } from 'kysely';
import { CiError } from '../../../core/errors.js';
import { tableExists } from '../../../core/db/index.js';
import { hubCall, queryOf } from '../../../core/hub-api.js';
import type { HubTarget } from '../../../core/upload.js';

export interface EvidenceReproducible {
  commit: string | null;
  compared: number;
  reproducible: string[];
  not_reproducible: { artifact: string; classes: Record<string, number> }[];
  /** Why the lists are empty when they are (nothing recorded, or not looked up); null otherwise. */
  note: string | null;
}

interface Verdict {
  artifact: string;
  verdict: string;
  classes: unknown;
}

const parsed = (v: unknown): Record<string, number> => {
  const o = typeof v === 'string' ? (JSON.parse(v) as unknown) : v;
  if (!o || typeof o !== 'object') return {};
  // Sorted keys: the bundle is stable whatever order the store kept them in.
  return Object.fromEntries(
    Object.entries(o as Record<string, unknown>)
      .filter(([, n]) => typeof n === 'number' && n > 0)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  ) as Record<string, number>;
};

/** The entry from a commit's verdicts, sorted by artifact. */
export function reproducibleEntry(commit: string | null, verdicts: Verdict[], note: string | null = null): EvidenceReproducible {
  const vs = [...verdicts].sort((a, b) => (a.artifact < b.artifact ? -1 : a.artifact > b.artifact ? 1 : 0));
  return {
    commit,
    compared: vs.length,
    reproducible: vs.filter((v) => v.verdict === 'reproducible').map((v) => v.artifact),
    not_reproducible: vs.filter((v) => v.verdict !== 'reproducible').map((v) => ({ artifact: v.artifact, classes: parsed(v.classes) })),
    note: vs.length ? null : (note ?? `no reproducibility verdicts recorded for commit ${commit ?? '(none in the record)'}`),
  };
}

const target = (rec: { repo?: unknown; commit_sha?: unknown }) =>
  typeof rec.repo === 'string' && typeof rec.commit_sha === 'string' ? { repo: rec.repo.toLowerCase(), commit: rec.commit_sha } : null;

const NO_COMMIT = 'the record names no repo and commit_sha, so no verdicts could be looked up';

/** From the store: the determinism pillar's repro_results rows of the record's commit. */
export async function storedReproducible(db: Kysely<unknown>, rec: { repo?: unknown; commit_sha?: unknown }): Promise<EvidenceReproducible> {
  const t = target(rec);
  if (!t) return reproducibleEntry(null, [], NO_COMMIT);
  if (!(await tableExists(db, 'repro_results'))) return reproducibleEntry(t.commit, []);
  const rows = (
    await sql<Verdict>`select artifact, verdict, classes from repro_results where repo = ${t.repo} and "commit" = ${t.commit} order by artifact`.execute(db)
  ).rows;
  return reproducibleEntry(t.commit, rows);
}

/** From the hub: GET /api/v1/determinism/commit-verdicts (a hub without the pillar: none recorded). */
export async function hubReproducible(hub: HubTarget, rec: { repo?: unknown; commit_sha?: unknown }): Promise<EvidenceReproducible> {
  const t = target(rec);
  if (!t) return reproducibleEntry(null, [], NO_COMMIT);
  try {
    const r = await hubCall<{ verdicts?: Verdict[] }>(hub, `/api/v1/determinism/commit-verdicts${queryOf(t)}`);
    return reproducibleEntry(t.commit, r.verdicts ?? []);
  } catch (e) {
    if (e instanceof CiError && e.code === 'E_NOT_FOUND')
      return reproducibleEntry(t.commit, [], `the hub at ${hub.url} does not serve reproducibility verdicts`);
    throw e;
  }
}
