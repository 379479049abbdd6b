// The scoreboard on the hub's demo data (`serve --demo`, seeded into a fresh store): every category
// scores, teams rank by the documented formula, and the red-builds points are recomputed here from
// the synthetic records themselves (not from the store) and agree.
import { beforeAll, expect, it } from 'vitest';
import { pillars, seedDemo, DEMO } from '../../../test/support/assembled.js';
import { synthesize } from '../../core/synth/generate.js';
import { describeEachStore } from '../../../test/support/stores.js';
import { CATEGORIES, POINTS } from './formula.js';
import { scoreboard } from './store.js';
import type { Board } from './score.js';
import { parseWeek } from './week.js';
import type { AuthorRow } from './formula.js';

const END = new Date('2026-06-01T00:00:00Z');
const SIZE = { days: 15, runsPerDay: 12 };
const WEEK = parseWeek('2026-W22'); // 2026-05-25 .. 05-31, the last whole week before END
const TEAMS = [
  { name: 'checkout', repos: ['acme/*', 'globex/*'], members: [], groups: [] },
  { name: 'platform', repos: ['initech/*', 'umbrella/*'], members: [], groups: [] },
  { name: 'web', repos: ['hooli/*', 'stark/*'], members: [], groups: [] },
];

/** Red-builds points per person, straight from the synthetic records and authors (README formula, no store). */
function redPointsFromRecords(): Map<string, number> {
  const res = synthesize({ ...DEMO, ...SIZE, end: END, pillars });
  const authors = new Map((res.extras.scoreboard as AuthorRow[]).map((a) => [`${a.repo} ${a.sha}`, a]));
  const out = new Map<string, number>();
  for (const repo of res.records.map((r) => r.repo).filter((r, i, all) => all.indexOf(r) === i)) {
    let first: { sha: string; end: number } | null = null;
    const shas = new Set<string>();
    for (const r of res.records.filter((x) => x.repo === repo && x.branch === 'main' && !x.environment)) {
      if (r.status === 'failed') {
        first ??= { sha: r.commit_sha, end: Date.parse(r.ended_at) };
        shas.add(r.commit_sha);
      } else if (r.status === 'success' && first) {
        const end = Date.parse(r.ended_at);
        const fix = authors.get(`${repo} ${r.commit_sha}`)!;
        const breaker = authors.get(`${repo} ${first.sha}`)!;
        const own = fix.reverts === first.sha && fix.author === breaker.author;
        if (end >= WEEK.from.getTime() && end < WEEK.to.getTime() && !shas.has(r.commit_sha) && !own) {
          const hours = (end - first.end) / 3_600_000;
          const p = Math.round(POINTS.redFixed * Math.max(0, 1 - hours / 24) * 10) / 10;
          out.set(fix.author, (out.get(fix.author) ?? 0) + p);
        }
        first = null;
        shas.clear();
      }
    }
  }
  return out;
}

describeEachStore(
  'the scoreboard on the demo data',
  (get) => {
    let board: Board;
    beforeAll(async () => {
      const hub = get();
      await seedDemo(hub, pillars, { err: () => {}, now: () => END }, SIZE);
      board = await scoreboard(hub, WEEK);
    }, 600_000);

    it('every category but flaky tests fixed scores for some team', () => {
      for (const c of CATEGORIES.filter((x) => x !== 'flaky_fixed'))
        expect(
          board.teams.some((t) => t.categories[c] > 0),
          c,
        ).toBe(true);
      // The demo's flaky tests (the tests pillar's rerun pairs) are on its newest runs: no clean runs
      // follow them yet, so none is fixed (README "Left out").
      expect(board.awards.filter((a) => a.category === 'flaky_fixed')).toEqual([]);
    });

    it('teams rank by the sum of their awards, each category by its formula', () => {
      for (const t of board.teams) {
        const mine = board.awards.filter((a) => a.teams.includes(t.name));
        expect(t.points).toBeCloseTo(
          mine.reduce((s, a) => s + a.points, 0),
          5,
        );
        for (const c of CATEGORIES)
          expect(t.categories[c]).toBeCloseTo(
            mine.filter((a) => a.category === c).reduce((s, a) => s + a.points, 0),
            5,
          );
      }
      const order = [...board.teams].sort((a, b) => b.points - a.points || (a.name < b.name ? -1 : 1)).map((t) => t.name);
      expect(board.teams.map((t) => t.name)).toEqual(order);
      expect(board.teams.map((t) => t.rank)).toEqual([1, 2, 3]);
    });

    it("red builds fixed fast: each person's points agree with the formula applied to the synthetic records", () => {
      const expected = redPointsFromRecords();
      const capped = new Set(board.awards.filter((a) => a.ruled_out === 'over the daily cap').map((a) => a.person));
      for (const p of board.people.filter((x) => !capped.has(x.name))) expect(p.categories.red_fixed, p.name).toBeCloseTo(expected.get(p.name) ?? 0, 5);
      expect(expected.size).toBeGreaterThan(2);
    });

    it("a breaker's own revert in the demo is ruled out", () => {
      expect(board.awards.some((a) => a.ruled_out === 'revert by the author of the breaking commit')).toBe(true);
    });
  },
  {
    pillars,
    config: (c) => {
      c.auth.teams = TEAMS;
      c.pillars = { ...c.pillars, scoreboard: { teams: ['*'], trailingWeeks: 1 } };
    },
  },
);
