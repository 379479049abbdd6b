// Each anti-gaming rule of the README, tried on a real store (PGlite and PostgreSQL): the trick is
// played through stored runs, test results and quarantine entries, and earns no points, while the
// honest outcome next to it does. Runs go in through the NDJSON ingest; the tests pillar's rows are
// written by SQL, the way the scoreboard reads them.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { ingestNdjson } from '../../core/runs/ingest.js';
import { pillars } from '../../../test/support/assembled.js';
import { describeEachStore, type TestHub } from '../../../test/support/stores.js';
import { saveAuthors } from './demo.js';
import { scoreboard } from './store.js';
import { sbdb } from './tables.js';
import { parseWeek } from './week.js';
import type { Board, BoardAward } from './score.js';

const WEEK = parseWeek('2026-W49'); // Monday 2026-11-30 .. Sunday 2026-12-06
const at = (day: string, hh: number, mm = 0) => new Date(`${day}T${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:00Z`);
const sha = (s: string) => s.repeat(40).slice(0, 40);

interface RunSpec {
  repo: string;
  sha: string;
  status: 'success' | 'failed';
  start: Date;
  minutes?: number;
  tests?: number;
  coverage?: number;
  killed?: number;
  carbon?: number;
  chaos?: 'recovered' | 'degraded';
  runId?: string;
}

function record(s: RunSpec) {
  const ms = (s.minutes ?? 10) * 60_000;
  return {
    schema: 'pipeline_run.v1.2',
    run_id: s.runId ?? randomUUID(),
    repo: s.repo,
    commit_sha: s.sha,
    branch: 'main',
    started_at: s.start.toISOString(),
    ended_at: new Date(s.start.getTime() + ms).toISOString(),
    status: s.status,
    ...(s.carbon !== undefined ? { carbon_g_co2e: s.carbon } : {}),
    jobs: [{ id: 'test', name: 'test', status: s.status, attempt: 1, duration_ms: ms }],
    tests: {
      total: s.tests ?? 100,
      failed: s.status === 'failed' ? 1 : 0,
      duration_ms: ms,
      ...(s.coverage !== undefined ? { coverage: { lines_pct: s.coverage } } : {}),
      resilience: {
        mutants_total: s.killed === undefined ? 0 : 200,
        killed: s.killed ?? 0,
        equiv: 0,
        timeout: 0,
        score: s.killed === undefined ? 0 : s.killed / 200,
      },
    },
    ...(s.chaos ? { chaos: [{ fault: 'kill_job', target: 'test', seed: 7, outcome: s.chaos }] } : {}),
    cost: { usd: 0.1 },
  };
}

async function ingest(hub: TestHub, specs: RunSpec[]) {
  async function* lines() {
    for (const s of specs) yield JSON.stringify(record(s)) + '\n';
  }
  const r = await ingestNdjson(hub, lines(), { source: 'test' });
  expect(r.rejected).toEqual([]);
}

/** One test's result in a run, as the tests pillar stores an uploaded report. */
async function testResult(hub: TestHub, repo: string, runId: string, commit: string, testId: string, status: number, flaky: boolean, when: Date) {
  const key = (
    await sql<{ test_key: number }>`insert into tests_ids (repo, test_id, name, suite_type) values (${repo}, ${testId}, ${testId}, 'unit')
      on conflict (repo, test_id) do update set name = excluded.name returning test_key`.execute(hub.db)
  ).rows[0]!.test_key;
  const report = randomUUID();
  const day = when.toISOString().slice(0, 10);
  await sql`insert into tests_reports (report_id, run_id, repo, commit_sha, branch, day, format, tests, passed, failed, errored, skipped, received_at)
    values (${report}, ${runId}, ${repo}, ${commit}, 'main', ${day}::date, 'junit', 1, ${status === 0 ? 1 : 0}, ${status === 1 ? 1 : 0}, 0, 0, ${when})`.execute(
    hub.db,
  );
  await sql`insert into tests_results (day, run_id, report_id, test_key, ordinal, attempt, status, flaky)
    values (${day}::date, ${runId}, ${report}, ${key}, 0, 1, ${status}, ${flaky})`.execute(hub.db);
  return key;
}

const points = (b: Board, person: string) => b.people.find((p) => p.name === person)?.points ?? 0;
const awardsOf = (b: Board, repo: string): BoardAward[] => b.awards.filter((a) => a.repo === repo);

describeEachStore(
  'scoreboard anti-gaming rules',
  (get) => {
    let board: Board;
    beforeAll(async () => {
      const hub = get();
      const day = '2026-12-01';
      const runs: RunSpec[] = [
        // Re-runs: red at A, the same commit re-run green (trick); red at B, fixed by C (honest).
        { repo: 'org/rerun', sha: sha('a'), status: 'failed', start: at(day, 9) },
        { repo: 'org/rerun', sha: sha('a'), status: 'success', start: at(day, 9, 30) },
        { repo: 'org/rerun', sha: sha('b'), status: 'failed', start: at(day, 11) },
        { repo: 'org/rerun', sha: sha('c'), status: 'success', start: at(day, 11, 30) },
        // Own revert: carl breaks D and reverts it himself with E (trick); dora breaks F, erin reverts it with G (scores).
        { repo: 'org/revert', sha: sha('d'), status: 'failed', start: at(day, 9) },
        { repo: 'org/revert', sha: sha('e'), status: 'success', start: at(day, 9, 20) },
        { repo: 'org/revert', sha: sha('f'), status: 'failed', start: at(day, 12) },
        { repo: 'org/revert', sha: sha('1'), status: 'success', start: at(day, 12, 20) },
        // Trivial tests: coverage up with no more mutants killed (trick), then up with more killed (honest).
        { repo: 'org/cov', sha: sha('2'), status: 'success', start: at('2026-11-20', 9), coverage: 0.6, killed: 100 },
        { repo: 'org/cov', sha: sha('3'), status: 'success', start: at(day, 9), coverage: 0.7, killed: 100 },
        { repo: 'org/cov', sha: sha('4'), status: 'success', start: at(day, 10), coverage: 0.75, killed: 120 },
        // Coverage that dips and comes back to the high earns nothing a second time.
        { repo: 'org/cov', sha: sha('5'), status: 'success', start: at(day, 11), coverage: 0.7, killed: 130 },
        { repo: 'org/cov', sha: sha('6'), status: 'success', start: at(day, 12), coverage: 0.75, killed: 140 },
        // Chaos: the fault degraded the pipeline at c1 and is "recovered" by re-running c1 (trick); degraded at c2, recovered at c3 (honest).
        { repo: 'org/chaos', sha: sha('c1'), status: 'success', start: at(day, 9), chaos: 'degraded' },
        { repo: 'org/chaos', sha: sha('c1'), status: 'success', start: at(day, 10), chaos: 'recovered' },
        { repo: 'org/chaos', sha: sha('c2'), status: 'success', start: at(day, 11), chaos: 'degraded' },
        { repo: 'org/chaos', sha: sha('c3'), status: 'success', start: at(day, 12), chaos: 'recovered' },
        // Cap: fred fixes a red main four times in a day (4 × 10 points, capped at 25).
        ...[8, 10, 12, 14].flatMap((h, i) => [
          { repo: 'org/cap', sha: sha(`a${i}`), status: 'failed' as const, start: at('2026-12-02', h), minutes: 1 },
          { repo: 'org/cap', sha: sha(`b${i}`), status: 'success' as const, start: at('2026-12-02', h, 2), minutes: 1 },
        ]),
        // Savings: org/save runs 10 minutes faster with its tests (honest); org/slim is faster because it dropped half its tests (trick).
        ...['org/save', 'org/slim'].flatMap((repo) => [
          ...[0, 1, 2, 3, 4].map((i) => ({
            repo,
            sha: sha('d'),
            status: 'success' as const,
            start: at(`2026-11-2${i}`, 9),
            minutes: 30,
            tests: 400,
            carbon: 300,
          })),
          ...[0, 1].map((i) => ({
            repo,
            sha: sha('e'),
            status: 'success' as const,
            start: at(`2026-12-0${i + 1}`, 15),
            minutes: 20,
            tests: repo === 'org/slim' ? 200 : 400,
            carbon: 200,
          })),
        ]),
        // Not taking part: a team that did not opt in scores nothing.
        { repo: 'other/app', sha: sha('a'), status: 'failed', start: at(day, 9) },
        { repo: 'other/app', sha: sha('b'), status: 'success', start: at(day, 9, 30) },
      ];
      await ingest(hub, runs);
      await saveAuthors(sbdb(hub), [
        { repo: 'org/rerun', sha: sha('a'), author: 'ann', reverts: null },
        { repo: 'org/rerun', sha: sha('c'), author: 'bob', reverts: null },
        { repo: 'org/revert', sha: sha('d'), author: 'carl', reverts: null },
        { repo: 'org/revert', sha: sha('e'), author: 'carl', reverts: sha('d') },
        { repo: 'org/revert', sha: sha('f'), author: 'dora', reverts: null },
        { repo: 'org/revert', sha: sha('1'), author: 'erin', reverts: sha('f') },
        { repo: 'org/cov', sha: sha('3'), author: 'gus', reverts: null },
        { repo: 'org/cov', sha: sha('4'), author: 'hal', reverts: null },
        { repo: 'org/chaos', sha: sha('c1'), author: 'kim', reverts: null },
        { repo: 'org/chaos', sha: sha('c3'), author: 'jan', reverts: null },
        ...[0, 1, 2, 3].map((i) => ({ repo: 'org/cap', sha: sha(`b${i}`), author: 'fred', reverts: null })),
        { repo: 'other/app', sha: sha('b'), author: 'olga', reverts: null },
      ]);
      // Flaky tests: both flaky on Nov 30, then 3 clean runs; `hidden` was quarantined (and released) in between.
      const flakyRuns: RunSpec[] = [0, 1, 2, 3].map((i) => ({
        repo: 'org/flaky',
        sha: sha(String(5 + i)),
        status: 'success',
        start: at(i ? '2026-12-03' : '2026-11-30', 8 + i),
        runId: randomUUID(),
      }));
      await ingest(hub, flakyRuns);
      let hiddenKey = 0;
      for (const [i, r] of flakyRuns.entries()) {
        await testResult(hub, 'org/flaky', r.runId!, r.sha, 'fixed', i === 0 ? 1 : 0, i === 0, r.start);
        hiddenKey = await testResult(hub, 'org/flaky', r.runId!, r.sha, 'hidden', i === 0 ? 1 : 0, i === 0, r.start);
      }
      await sql`insert into tests_quarantine (repo, test_key, test_id, reason, source, quarantined_at, released_at, release_reason)
        values ('org/flaky', ${hiddenKey}, 'hidden', 'flaky', 'manual', ${at('2026-11-30', 12)}, ${at('2026-12-03', 12)}, 'released by hand')`.execute(hub.db);
      await saveAuthors(sbdb(hub), [{ repo: 'org/flaky', sha: sha('6'), author: 'ivy', reverts: null }]);
      board = await scoreboard(hub, WEEK);
    });

    it('a re-run of the red commit earns nothing; a new commit that turns it green does', () => {
      const a = awardsOf(board, 'org/rerun');
      expect(a.map((x) => [x.person, x.points, x.ruled_out ?? null])).toEqual([
        ['ann', 0, 'rerun of the same commit'],
        ['bob', expect.closeTo(10 * (1 - 0.5 / 24), 1), null],
      ]);
      expect(points(board, 'ann')).toBe(0);
    });

    it("the breaker's own revert earns nothing; a teammate's revert scores", () => {
      const a = awardsOf(board, 'org/revert');
      expect(a.map((x) => [x.person, x.ruled_out ?? null])).toEqual([
        ['carl', 'revert by the author of the breaking commit'],
        ['erin', null],
      ]);
      expect(points(board, 'carl')).toBe(0);
      expect(points(board, 'erin')).toBeGreaterThan(9);
    });

    it('coverage raised by tests that kill no more mutants earns nothing, nor does coverage that dips and comes back', () => {
      const a = awardsOf(board, 'org/cov');
      expect(a.map((x) => [x.person, x.points, x.ruled_out ?? null])).toEqual([
        ['gus', 0, 'no more mutants killed'],
        // 75% is 5 points above the high of 70% set by gus's run: 2 points per percentage point.
        ['hal', 10, null],
        // The dip to 70% and the return to 75% (more mutants killed each time) earn nothing: 75% is not above the high.
      ]);
    });

    it('a chaos fault "recovered" by re-running the commit it failed on earns nothing', () => {
      expect(awardsOf(board, 'org/chaos').map((x) => [x.person, x.points, x.ruled_out ?? null])).toEqual([
        ['kim', 0, 'rerun of the same commit'],
        ['jan', 10, null],
      ]);
    });

    it('a quarantined flaky test is not a fixed one, even once released', () => {
      const a = awardsOf(board, 'org/flaky');
      expect(a.map((x) => [x.detail.split(':')[0], x.person, x.points, x.ruled_out ?? null])).toEqual([
        ['fixed', 'ivy', 5, null],
        ['hidden', 'ivy', 0, 'quarantined, not fixed'],
      ]);
    });

    it("a person's points on one day stop at the daily cap", () => {
      const a = awardsOf(board, 'org/cap');
      expect(a).toHaveLength(4);
      expect(points(board, 'fred')).toBe(25);
      expect(a.at(-1)).toMatchObject({ points: 0, ruled_out: 'over the daily cap' });
    });

    it('a pipeline made faster by dropping tests saves nothing', () => {
      expect(awardsOf(board, 'org/slim').map((x) => [x.points, x.ruled_out ?? null])).toEqual([[0, 'fewer tests than the baseline']]);
      // 2 runs × 10 minutes = 20 min (2 points) and 2 × 100 g = 200 g (2 points).
      expect(awardsOf(board, 'org/save').map((x) => [x.person, x.points])).toEqual([[null, 4]]);
    });

    it('only teams that opted in are scored, ranked by points', () => {
      expect(board.teams.map((t) => t.name)).toEqual(['core']);
      expect(awardsOf(board, 'other/app')).toEqual([]);
      expect(points(board, 'olga')).toBe(0);
      const sum = board.awards.reduce((s, a) => s + a.points, 0);
      expect(board.teams[0]!.points).toBeCloseTo(sum, 5);
    });
  },
  {
    pillars,
    config: (c) => {
      c.auth.teams = [
        { name: 'core', repos: ['org/*'], members: [], groups: [] },
        { name: 'other', repos: ['other/*'], members: [], groups: [] },
      ];
      c.pillars = { ...c.pillars, scoreboard: { teams: ['core'], stableRuns: 3 } };
    },
  },
);
