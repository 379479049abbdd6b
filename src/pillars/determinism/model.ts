// The vocabulary of a reproducibility verdict: the classes a difference falls into (issue
// "Deterministic build sandbox", Deliver 2) and the per-artifact verdict the commands print.

/** Why two builds of one artifact differ; `content` is a difference nothing explains. */
export const DIFF_CLASSES = [
  'timestamp',
  'build-path',
  'file-order',
  'locale',
  'umask/permissions',
  'hostname/user',
  'build-id',
  'random/seed',
  'content',
] as const;
export type DiffClass = (typeof DIFF_CLASSES)[number];

/** One classified difference, at a place inside the artifact (`outer.tgz!package/dist/a.json:3`). */
export interface Difference {
  class: DiffClass;
  /** Where: the artifact, then `!entry` per archive level, then `:line` or `[section]`. */
  where: string;
  /** What differs, in words ("mtime 2026-12-06T05:00:00Z vs 2026-12-06T05:00:07Z"). */
  detail: string;
}

/** What a built file says it is (compare/identity.ts), stored per commit for the cross-time gate. */
export interface ArtifactIdentity {
  sha256: string;
  /** SHA-256 with the stamps left out (ELF: build id zeroed; zip/jar: entries' names and bytes, manifest stamps dropped). */
  contentSha256: string;
  /** ELF `.note.gnu.build-id`, hex. */
  buildId?: string;
  /** JAR `META-INF/MANIFEST.MF` `Implementation-Version`. */
  implementationVersion?: string;
  /** JAR manifest `Build-Jdk` (else `Build-Jdk-Spec`). */
  buildJdk?: string;
}

export type Verdict = 'reproducible' | 'not reproducible' | 'not compared';

export interface ArtifactVerdict {
  artifact: string;
  verdict: Verdict;
  size: [number, number];
  sha256: [string, string];
  /** Differences per class (every one counted, even past the sample cap). */
  classes: Partial<Record<DiffClass, number>>;
  /** The first differences of each class (capped, so a 100k-entry archive does not flood the report). */
  differences: Difference[];
  /** What was not looked into and why (size caps, missing decoders, the budget). */
  notes: string[];
  /** Each side's identity (absent for a side not built, and in reports of older versions). */
  identity?: [ArtifactIdentity | null, ArtifactIdentity | null];
}
