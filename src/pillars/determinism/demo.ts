// `serve --demo`: reproducibility checks of each synthetic repository's three build outputs at
// evenly spaced commits, so the Reproducible builds page has a history — artifacts that drift for a
// check or two and are fixed, and drift that lasts to the end (a first drift commit). The
// differences are the ones the real builds of the tests give (a tar without --sort/--mtime, gcc
// with __DATE__ and the build folder, a jar with a dated Implementation-Version). Which artifact
// drifts, and when, comes from a hash of the repository's name (not the shared RNG: the other
// pillars' demo data stays put).
import { createHash } from 'node:crypto';
import type { HubContext } from '../../core/registry.js';
import type { SynthContext } from '../../core/synth/types.js';
import type { ArtifactVerdict, DiffClass, Difference } from './model.js';
import { recordResults } from './store.js';
import type { DeterminismTables } from './tables.js';

const CHECKS = 8;

const ARTIFACTS: { artifact: string; classes: Partial<Record<DiffClass, number>>; differences: Difference[] }[] = [
  {
    artifact: 'build/hello',
    classes: { timestamp: 1, 'build-path': 2, 'build-id': 1 },
    differences: [
      { class: 'timestamp', where: 'build/hello[.rodata]', detail: 'built Dec  6 2026 05:00:01 vs built Dec  6 2026 05:00:09' },
      { class: 'build-path', where: 'build/hello[.debug_line_str]', detail: '/tmp/build-one vs /tmp/build-two-longer' },
      { class: 'build-id', where: 'build/hello[.note.gnu.build-id]', detail: 'the build ids differ (they hash the differences above)' },
    ],
  },
  {
    artifact: 'dist/app.tar.gz',
    classes: { timestamp: 3, 'file-order': 1 },
    differences: [
      { class: 'timestamp', where: 'dist/app.tar.gz!app/VERSION', detail: 'mtime 2026-12-06T05:00:01Z vs 2026-12-06T05:00:09Z' },
      { class: 'file-order', where: 'dist/app.tar.gz', detail: 'the same entries in another order' },
    ],
  },
  {
    artifact: 'target/app.jar',
    classes: { timestamp: 1 },
    differences: [
      { class: 'timestamp', where: 'target/app.jar!META-INF/MANIFEST.MF:3', detail: 'Implementation-Version: 1.0-20261206050001 vs 1.0-20261206050009' },
    ],
  },
];

interface DemoCheck {
  repo: string;
  commit: string;
  at: string;
  verdicts: ArtifactVerdict[];
}

const hash = (s: string) => createHash('sha256').update(s).digest();

export function synthDeterminism(ctx: SynthContext): void {
  const out: DemoCheck[] = [];
  for (const repo of ctx.repos) {
    const commits = ctx.commits.filter((c) => c.repo === repo).sort((a, b) => (a.committed_at < b.committed_at ? -1 : 1));
    if (commits.length < CHECKS) continue;
    const life = ARTIFACTS.map((a, i) => {
      const b = hash(`${repo}\0repro\0${i}`);
      // Two in three artifacts drift at some point; of those, half are fixed after a check or two.
      const drifts = b[0]! % 3 !== 0;
      const from = 1 + (b[1]! % (CHECKS - 1));
      const until = b[2]! % 2 === 0 ? CHECKS : from + 1 + (b[3]! % 2);
      return { a, from: drifts ? from : CHECKS, until };
    });
    for (let k = 0; k < CHECKS; k++) {
      const c = commits[Math.floor(((k + 1) * (commits.length - 1)) / CHECKS)]!;
      const verdicts = life.map(({ a, from, until }): ArtifactVerdict => {
        const drift = from <= k && k < until;
        const sha = hash(`${repo}\0${c.sha}\0${a.artifact}`).toString('hex');
        return {
          artifact: a.artifact,
          verdict: drift ? 'not reproducible' : 'reproducible',
          size: [4096, 4096],
          sha256: [sha, drift ? hash(sha).toString('hex') : sha],
          classes: drift ? a.classes : {},
          differences: drift ? a.differences : [],
          notes: [],
        };
      });
      out.push({ repo, commit: c.sha, at: c.committed_at, verdicts });
    }
  }
  ctx.extras.determinism = out;
}

export async function seedDeterminismDemo(ctx: HubContext, extras: unknown[]): Promise<void> {
  const db = ctx.db.withTables<DeterminismTables>();
  for (const c of extras as DemoCheck[]) await recordResults(db, { repo: c.repo, commit: c.commit, at: new Date(c.at), verdicts: c.verdicts });
}
