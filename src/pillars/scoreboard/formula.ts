// The scoreboard's formula: outcomes read from the store become awards (points to a person, or to
// a team for savings), each with the rule that ruled it out when a trick was tried. Pure: the
// store reads the rows (store.ts), this decides the points, score.ts sums them per team and person.
// The README's "Formula" and "Anti-gaming rules" sections describe exactly this file.

export const CATEGORIES = ['red_fixed', 'flaky_fixed', 'resilience', 'coverage', 'savings'] as const;
export type Category = (typeof CATEGORIES)[number];

/** What the user reads for each category (CLI, page, export). */
export const CATEGORY_TITLES: Record<Category, string> = {
  red_fixed: 'red builds fixed fast',
  flaky_fixed: 'flaky tests fixed',
  resilience: 'resilience raised',
  coverage: 'coverage raised',
  savings: 'minutes and CO2e saved',
};

/** Points of the formula (the README's table). */
export const POINTS = {
  /** A red default branch made green within the hour; falls linearly to 0 at fixWindowHours. */
  redFixed: 10,
  flakyFixed: 5,
  /** A chaos fault that degraded or failed the pipeline and is now recovered from. */
  resilience: 10,
  /** Per percentage point of line coverage above the repository's previous high. */
  coveragePerPoint: 2,
  /** Per 10 pipeline minutes saved vs the trailing median. */
  per10Minutes: 1,
  /** Per 100 g CO2e saved vs the trailing median. */
  per100Grams: 1,
} as const;

/** Why an outcome earned nothing: each is an anti-gaming rule (README) or a fact of the data. */
export type RuledOut =
  | 'rerun of the same commit'
  | 'revert by the author of the breaking commit'
  | 'quarantined, not fixed'
  | 'no more mutants killed'
  | 'no mutation data'
  | 'too slow'
  | 'fewer tests than the baseline'
  | 'over the daily cap';

export interface Award {
  category: Category;
  repo: string;
  /** The commit author credited, "unknown" for a commit without one; null for a team award (savings). */
  person: string | null;
  /** When the outcome happened (decides the week and the day of the cap). */
  at: Date;
  points: number;
  /** What happened, in the user's words ("main red for 1.5 h, fixed by 3f2a1c0"). */
  detail: string;
  ruled_out?: RuledOut;
}

export interface ScoredRun {
  run_id: string;
  repo: string;
  workflow: string;
  commit_sha: string | null;
  status: string;
  started_at: Date;
  ended_at: Date | null;
  duration_ms: number | null;
  tests_total: number | null;
  coverage_lines: number | null;
  mutants_total: number | null;
  killed: number | null;
  carbon_g: number | null;
}

export interface AuthorRow {
  repo: string;
  sha: string;
  author: string;
  reverts: string | null;
}

export interface Authors {
  author(repo: string, sha: string | null): string;
  reverts(repo: string, sha: string | null): string | null;
}

export function authorsOf(rows: AuthorRow[]): Authors {
  const m = new Map(rows.map((r) => [`${r.repo}\u0000${r.sha}`, r]));
  const get = (repo: string, sha: string | null) => (sha ? m.get(`${repo}\u0000${sha}`) : undefined);
  return { author: (repo, sha) => get(repo, sha)?.author ?? 'unknown', reverts: (repo, sha) => get(repo, sha)?.reverts ?? null };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const short = (sha: string | null) => (sha ? sha.slice(0, 7) : 'no commit');
const endOf = (r: ScoredRun) => r.ended_at ?? r.started_at;
const HOUR = 3_600_000;

function byKey<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const l = out.get(k);
    if (l) l.push(t);
    else out.set(k, [t]);
  }
  return out;
}

const chrono = (a: ScoredRun, b: ScoredRun) => a.started_at.getTime() - b.started_at.getTime() || (a.run_id < b.run_id ? -1 : 1);

/**
 * Red builds fixed fast: per repository and workflow, the first green default-branch run after a
 * red streak. POINTS.redFixed × (1 − hours red / fixWindowHours), never below 0. Nothing for a
 * green re-run of a commit that was red in the streak (the fix is the re-run button, not a
 * change), nor for a revert of the streak's first red commit by that commit's own author.
 */
export function redFixed(runs: ScoredRun[], authors: Authors, fixWindowHours: number): Award[] {
  const out: Award[] = [];
  for (const list of byKey(runs, (r) => `${r.repo}\u0000${r.workflow}`).values()) {
    let streak: ScoredRun[] = [];
    for (const r of [...list].sort(chrono)) {
      if (r.status === 'failed') {
        streak.push(r);
        continue;
      }
      if (r.status !== 'success' || !streak.length) continue;
      const first = streak[0]!;
      const hours = Math.max(0, endOf(r).getTime() - endOf(first).getTime()) / HOUR;
      const person = authors.author(r.repo, r.commit_sha);
      const base: Award = {
        category: 'red_fixed',
        repo: r.repo,
        person,
        at: endOf(r),
        points: round1(POINTS.redFixed * Math.max(0, 1 - hours / fixWindowHours)),
        detail: `${r.workflow} red for ${round1(hours)} h from ${short(first.commit_sha)}, green at ${short(r.commit_sha)}`,
      };
      const rerun = r.commit_sha !== null && streak.some((s) => s.commit_sha === r.commit_sha);
      const ownRevert =
        first.commit_sha !== null &&
        authors.reverts(r.repo, r.commit_sha) === first.commit_sha &&
        person !== 'unknown' &&
        person === authors.author(first.repo, first.commit_sha);
      if (rerun) out.push({ ...base, points: 0, ruled_out: 'rerun of the same commit' });
      else if (ownRevert) out.push({ ...base, points: 0, ruled_out: 'revert by the author of the breaking commit' });
      else if (base.points === 0) out.push({ ...base, ruled_out: 'too slow' });
      else out.push(base);
      streak = [];
    }
  }
  return out;
}

export interface ChaosTrialRow {
  run_id: string;
  repo: string;
  commit_sha: string | null;
  started_at: Date;
  ordinal: number;
  fault: string;
  target: string;
  outcome: string;
}

/**
 * Resilience raised: a chaos fault (fault on a target) the pipeline degraded or failed under at its
 * previous trial and recovers from now earns POINTS.resilience — not when both trials ran on the
 * same commit (a re-run, not a change).
 */
export function resilienceRaised(trials: ChaosTrialRow[], authors: Authors): Award[] {
  const out: Award[] = [];
  const order = (a: ChaosTrialRow, b: ChaosTrialRow) =>
    a.started_at.getTime() - b.started_at.getTime() || (a.run_id < b.run_id ? -1 : 1) || a.ordinal - b.ordinal;
  for (const list of byKey(trials, (t) => `${t.repo}\u0000${t.fault}\u0000${t.target}`).values()) {
    const sorted = [...list].sort(order);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const t = sorted[i]!;
      if (t.outcome !== 'recovered' || prev.outcome === 'recovered') continue;
      const award: Award = {
        category: 'resilience',
        repo: t.repo,
        person: authors.author(t.repo, t.commit_sha),
        at: t.started_at,
        points: POINTS.resilience,
        detail: `${t.fault} on ${t.target}: ${prev.outcome} at ${short(prev.commit_sha)}, recovered at ${short(t.commit_sha)}`,
      };
      out.push(t.commit_sha !== null && t.commit_sha === prev.commit_sha ? { ...award, points: 0, ruled_out: 'rerun of the same commit' } : award);
    }
  }
  return out;
}

/**
 * Coverage raised: a default-branch run whose line coverage is above the repository's previous
 * high earns POINTS.coveragePerPoint per percentage point above it — only when the same run killed
 * more mutants than the last run with mutation data before it (tests that cover lines and kill no
 * mutant assert nothing). The high moves either way, so coverage that dips and comes back scores once.
 */
export function coverageRaised(runs: ScoredRun[], authors: Authors): Award[] {
  const out: Award[] = [];
  for (const list of byKey(runs, (r) => r.repo).values()) {
    let high: number | null = null;
    let lastKilled: number | null = null;
    for (const r of [...list].filter((x) => x.status === 'success').sort(chrono)) {
      const killed = r.mutants_total ? r.killed : null;
      if (r.coverage_lines !== null) {
        if (high !== null && r.coverage_lines > high) {
          const gain = (r.coverage_lines - high) * 100;
          const award: Award = {
            category: 'coverage',
            repo: r.repo,
            person: authors.author(r.repo, r.commit_sha),
            at: endOf(r),
            points: round1(POINTS.coveragePerPoint * gain),
            detail: `line coverage ${round1(high * 100)}% → ${round1(r.coverage_lines * 100)}% at ${short(r.commit_sha)}`,
          };
          if (killed === null || lastKilled === null) out.push({ ...award, points: 0, ruled_out: 'no mutation data' });
          else if (killed <= lastKilled) out.push({ ...award, points: 0, ruled_out: 'no more mutants killed' });
          else out.push(award);
        }
        high = high === null ? r.coverage_lines : Math.max(high, r.coverage_lines);
      }
      if (killed !== null) lastKilled = killed;
    }
  }
  return out;
}

/** A run with fewer tests than this share of the baseline's dropped tests (a suite varies by a few tests run to run). */
export const TESTS_KEPT = 0.95;

const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Minutes and CO2e saved, a team's award per repository and workflow: Σ over the week's green
 * default-branch runs of (trailing median − this run), for duration and for grams CO2e, against the
 * median green run of the trailing weeks. POINTS.per10Minutes per 10 minutes and
 * POINTS.per100Grams per 100 g; a net loss earns nothing (never negative). A run with fewer than
 * TESTS_KEPT of the trailing median's tests is left out: deleting tests is not saving.
 */
export function savings(runs: ScoredRun[], week: { from: Date; to: Date }, trailingFrom: Date): Award[] {
  const out: Award[] = [];
  for (const list of byKey(
    runs.filter((r) => r.status === 'success'),
    (r) => `${r.repo}\u0000${r.workflow}`,
  ).values()) {
    const before = list.filter((r) => r.started_at >= trailingFrom && r.started_at < week.from);
    const during = list.filter((r) => r.started_at >= week.from && r.started_at < week.to);
    const baseMs = median(before.flatMap((r) => (r.duration_ms === null ? [] : [r.duration_ms])));
    if (baseMs === null || !during.length) continue;
    const baseG = median(before.flatMap((r) => (r.carbon_g === null ? [] : [r.carbon_g])));
    const baseTests = median(before.flatMap((r) => (r.tests_total ? [r.tests_total] : [])));
    const first = list[0]!;
    const counted = during.filter((r) => baseTests === null || (r.tests_total ?? 0) >= TESTS_KEPT * baseTests);
    const minutes = counted.reduce((s, r) => s + (r.duration_ms === null ? 0 : (baseMs - r.duration_ms) / 60_000), 0);
    const grams = baseG === null ? 0 : counted.reduce((s, r) => s + (r.carbon_g === null ? 0 : baseG - r.carbon_g), 0);
    const points = round1((POINTS.per10Minutes * Math.max(0, minutes)) / 10 + (POINTS.per100Grams * Math.max(0, grams)) / 100);
    const award: Award = {
      category: 'savings',
      repo: first.repo,
      person: null,
      at: new Date(week.to.getTime() - 1),
      points,
      detail: `${first.workflow}: ${round1(minutes)} min and ${round1(grams)} g CO2e saved over ${counted.length} runs vs the trailing median`,
    };
    const dropped = during.length - counted.length;
    if (dropped)
      out.push({
        ...award,
        points: 0,
        detail: `${first.workflow}: ${dropped} runs with fewer tests than the baseline left out`,
        ruled_out: 'fewer tests than the baseline',
      });
    if (counted.length && points > 0) out.push(award);
  }
  return out;
}

export interface TestResultRow {
  repo: string;
  test_id: string;
  run_id: string;
  commit_sha: string | null;
  at: Date;
  /** 0 passed, 1 failed, 2 errored, 3 skipped (the tests pillar's codes). */
  status: number;
  flaky: boolean;
}

export interface QuarantineRow {
  repo: string;
  test_id: string;
  quarantined_at: Date;
  released_at: Date | null;
}

/**
 * Flaky tests fixed: a test with a flaky result, then `stableRuns` runs in a row that passed
 * (skipped does not count) earns POINTS.flakyFixed for the author of the first clean run's commit,
 * at the last of those runs. Nothing when the test was quarantined at any time from its last flaky
 * result to then: hiding a test is not fixing it (adding or releasing quarantine earns nothing either).
 */
export function flakyFixed(results: TestResultRow[], quarantine: QuarantineRow[], authors: Authors, stableRuns: number): Award[] {
  const out: Award[] = [];
  const q = byKey(quarantine, (r) => `${r.repo}\u0000${r.test_id}`);
  for (const [key, list] of byKey(results, (r) => `${r.repo}\u0000${r.test_id}`)) {
    const sorted = [...list].sort((a, b) => a.at.getTime() - b.at.getTime() || (a.run_id < b.run_id ? -1 : 1));
    let lastFlaky: TestResultRow | null = null;
    let clean: TestResultRow[] = [];
    for (const r of sorted) {
      if (r.flaky) {
        lastFlaky = r;
        clean = [];
        continue;
      }
      if (!lastFlaky) continue;
      if (r.status !== 0) {
        clean = [];
        continue;
      }
      clean.push(r);
      if (clean.length < stableRuns) continue;
      const first = clean[0]!;
      const from = lastFlaky.at.getTime();
      const to = r.at.getTime();
      const hidden = (q.get(key) ?? []).some((e) => e.quarantined_at.getTime() <= to && (e.released_at === null || e.released_at.getTime() >= from));
      const award: Award = {
        category: 'flaky_fixed',
        repo: r.repo,
        person: authors.author(r.repo, first.commit_sha),
        at: r.at,
        points: POINTS.flakyFixed,
        detail: `${r.test_id}: flaky at ${short(lastFlaky.commit_sha)}, ${stableRuns} clean runs from ${short(first.commit_sha)}`,
      };
      out.push(hidden ? { ...award, points: 0, ruled_out: 'quarantined, not fixed' } : award);
      lastFlaky = null;
      clean = [];
    }
  }
  return out;
}
