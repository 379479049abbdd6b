// Reproducibility records: the verdicts of a commit stored per artifact, and per artifact the rate
// over time and the first commit of its current drift (the oldest non-reproducible check after
// the last reproducible one).
import { DIFF_CLASSES, type ArtifactIdentity, type ArtifactVerdict, type DiffClass, type Difference } from './model.js';
import { ecosystemOfArtifact, hintFor } from './hints.js';
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
  await recordIdentities(db, { ...r, repo });
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

/**
 * Stores each side's identity of each verdict: a new SHA-256 for (artifact, commit) is a new row,
 * the same one seen again only moves last_seen — so history across re-checks is kept.
 */
export async function recordIdentities(db: DeterminismDb, r: { repo: string; commit: string; at: Date; verdicts: ArtifactVerdict[] }): Promise<number> {
  const seen = new Map<string, { artifact: string; id: ArtifactIdentity }>();
  for (const v of r.verdicts)
    for (const id of v.identity ?? []) {
      // `repro --runs 3` labels the later builds "name (build 3)": the same artifact.
      const artifact = v.artifact.replace(/ \(build \d+\)$/, '');
      if (id) seen.set(`${artifact}\n${id.sha256}`, { artifact, id });
    }
  const rows = [...seen.values()].map(({ artifact, id }) => ({
    repo: r.repo.toLowerCase(),
    artifact,
    commit: r.commit,
    sha256: id.sha256,
    content_sha256: id.contentSha256,
    build_id: id.buildId ?? null,
    implementation_version: id.implementationVersion ?? null,
    build_jdk: id.buildJdk ?? null,
    first_seen: r.at,
    last_seen: r.at,
  }));
  if (!rows.length) return 0;
  await db
    .insertInto('repro_identities')
    .values(rows)
    .onConflict((oc) => oc.columns(['repo', 'artifact', 'commit', 'sha256']).doUpdateSet((eb) => ({ last_seen: eb.ref('excluded.last_seen') })))
    .execute();
  return rows.length;
}

/** A stamp that took two values where it must take one. */
export interface IdentityDrift {
  repo: string;
  artifact: string;
  /** `commit`: one commit built to two stamps; `content`: the same content (stamps left out) under two build ids. */
  scope: 'commit' | 'content';
  /** The commit, or the content hash. */
  key: string;
  field: 'build id' | 'Implementation-Version' | 'Build-Jdk';
  /** The values seen, sorted (`(none)` where a build had none). */
  values: string[];
  commits: string[];
  firstSeen: string;
  lastSeen: string;
}

const FIELDS = [
  ['build id', 'build_id'],
  ['Implementation-Version', 'implementation_version'],
  ['Build-Jdk', 'build_jdk'],
] as const;

/**
 * Cross-time drift in the stored identities: a commit whose builds carry two build ids, versions or
 * JDKs; or one content hash under two build ids (across commits too). A version that changes
 * between commits with the same content is a release bump, not drift, so content is checked on
 * the build id only. With `commit`, only drift that involves that commit.
 */
export async function identityDrift(db: DeterminismDb, f: { repo?: string; commit?: string } = {}): Promise<{ identities: number; drifts: IdentityDrift[] }> {
  let q = db.selectFrom('repro_identities').selectAll();
  if (f.repo) q = q.where('repo', '=', f.repo.toLowerCase());
  const rows = await q.orderBy('repo').orderBy('artifact').orderBy('first_seen').orderBy('commit').orderBy('sha256').execute();
  const groups = new Map<string, { scope: IdentityDrift['scope']; key: string; rows: typeof rows }>();
  for (const r of rows)
    for (const [scope, key] of [
      ['commit', r.commit],
      ['content', r.content_sha256],
    ] as const) {
      const g = `${r.repo}\n${r.artifact}\n${scope}\n${key}`;
      const e = groups.get(g) ?? { scope, key, rows: [] };
      e.rows.push(r);
      groups.set(g, e);
    }
  const iso = (d: Date | string) => new Date(d).toISOString();
  const out: IdentityDrift[] = [];
  for (const { scope, key, rows: rs } of groups.values()) {
    if (f.commit && !rs.some((r) => r.commit === f.commit)) continue;
    for (const [field, col] of FIELDS) {
      if (scope === 'content' && col !== 'build_id') continue;
      if (rs.every((r) => r[col] === null)) continue;
      const values = [...new Set(rs.map((r) => r[col] ?? '(none)'))].sort();
      if (values.length < 2) continue;
      // The same commit found again through its content is reported once, as the commit's drift.
      const commits = [...new Set(rs.map((r) => r.commit))].sort();
      if (scope === 'content' && commits.length === 1) continue;
      out.push({
        repo: rs[0]!.repo,
        artifact: rs[0]!.artifact,
        scope,
        key,
        field,
        values,
        commits,
        firstSeen: iso(rs.reduce((m, r) => (iso(r.first_seen) < m ? iso(r.first_seen) : m), iso(rs[0]!.first_seen))),
        lastSeen: iso(rs.reduce((m, r) => (iso(r.last_seen) > m ? iso(r.last_seen) : m), iso(rs[0]!.last_seen))),
      });
    }
  }
  const identities = f.commit ? rows.filter((r) => r.commit === f.commit).length : rows.length;
  return {
    identities,
    drifts: out.sort(
      (a, b) =>
        a.repo.localeCompare(b.repo) ||
        a.artifact.localeCompare(b.artifact) ||
        a.scope.localeCompare(b.scope) ||
        a.key.localeCompare(b.key) ||
        a.field.localeCompare(b.field),
    ),
  };
}

/** One artifact's stored verdict of a commit, as the PR comment and the evidence bundle show it. */
export interface CommitVerdict {
  artifact: string;
  verdict: string;
  classes: Partial<Record<DiffClass, number>>;
  first_difference: Difference | null;
  /** The fix for the first class found, in the artifact's ecosystem's words. */
  hint: string | null;
  checked_at: string;
}

const parsed = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

/** The verdicts stored for a commit, sorted by artifact. */
export async function commitVerdicts(db: DeterminismDb, repo: string, commit: string): Promise<CommitVerdict[]> {
  const rows = await db
    .selectFrom('repro_results')
    .selectAll()
    .where('repo', '=', repo.toLowerCase())
    .where('commit', '=', commit)
    .orderBy('artifact')
    .execute();
  return rows.map((r) => {
    const stored = parsed<Partial<Record<DiffClass, number>>>(r.classes);
    // In the model's class order (jsonb keeps keys in its own order).
    const classes = Object.fromEntries(DIFF_CLASSES.filter((c) => stored[c]).map((c) => [c, stored[c]!])) as Partial<Record<DiffClass, number>>;
    const differences = parsed<Difference[]>(r.differences);
    const first = DIFF_CLASSES.find((c) => classes[c]);
    const eco = ecosystemOfArtifact(
      r.artifact,
      differences.map((d) => d.where),
    );
    return {
      artifact: r.artifact,
      verdict: r.verdict,
      classes,
      first_difference: differences[0] ?? null,
      hint: first ? hintFor(first, eco) : null,
      checked_at: new Date(r.checked_at).toISOString(),
    };
  });
}
