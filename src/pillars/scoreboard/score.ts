// Awards → the week's board: the awards of the opted-in teams' repositories in the week, capped
// (a person's points per UTC day, a repository's savings per week, both at dailyCap), summed per
// team and per person, ranked (points descending, then name). Pure.
import { compileRepoPattern } from '../../core/tokens.js';
import { CATEGORIES, type Award, type Category } from './formula.js';
import type { Week } from './week.js';

export interface TeamDef {
  name: string;
  repos: string[];
}

export interface BoardAward extends Omit<Award, 'at'> {
  at: string;
  teams: string[];
}

export interface BoardRow {
  rank: number;
  name: string;
  points: number;
  categories: Record<Category, number>;
}

export interface Board {
  week: string;
  from: string;
  to: string;
  /** Teams taking part (opted in and defined), even those with no points. */
  teams: Array<BoardRow & { repos: string[] }>;
  people: Array<BoardRow & { teams: string[] }>;
  /** Every award of the week, ruled-out ones included with 0 points and the rule. */
  awards: BoardAward[];
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const zero = (): Record<Category, number> => Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The teams taking part: `optIn` names (or "*"), in the order of their names. */
export function participating(all: TeamDef[], optIn: string[]): TeamDef[] {
  const every = optIn.includes('*');
  return all.filter((t) => every || optIn.includes(t.name)).sort(byName);
}

function ranked<T extends { name: string; points: number }>(rows: T[]): Array<T & { rank: number }> {
  const sorted = [...rows].sort((a, b) => b.points - a.points || byName(a, b));
  let rank = 0;
  return sorted.map((r, i) => {
    if (i === 0 || r.points !== sorted[i - 1]!.points) rank = i + 1;
    return { ...r, rank };
  });
}

export function buildBoard(awards: Award[], teams: TeamDef[], week: Week, dailyCap: number): Board {
  const matchers = teams.map((t) => ({ name: t.name, match: t.repos.map((p) => compileRepoPattern(p)) }));
  const teamsOf = new Map<string, string[]>();
  const teamsOfRepo = (repo: string) => {
    let v = teamsOf.get(repo);
    if (!v) teamsOf.set(repo, (v = matchers.filter((m) => m.match.some((f) => f(repo))).map((m) => m.name)));
    return v;
  };
  const inWeek = awards
    .filter((a) => a.at >= week.from && a.at < week.to && teamsOfRepo(a.repo).length)
    .sort((a, b) => a.at.getTime() - b.at.getTime() || (a.repo < b.repo ? -1 : a.repo > b.repo ? 1 : 0) || (a.category < b.category ? -1 : 1));
  const used = new Map<string, number>();
  const out: BoardAward[] = inWeek.map((a) => {
    const key = a.person === null ? `repo\u0000${a.repo}` : `person\u0000${a.person}\u0000${a.at.toISOString().slice(0, 10)}`;
    const before = used.get(key) ?? 0;
    const points = round1(Math.min(a.points, Math.max(0, dailyCap - before)));
    used.set(key, before + points);
    const capped = a.points > 0 && points === 0 ? { ruled_out: 'over the daily cap' as const } : {};
    return { ...a, ...capped, points, at: a.at.toISOString(), teams: teamsOfRepo(a.repo) };
  });
  const teamRows = teams.map((t) => ({ name: t.name, points: 0, categories: zero(), repos: new Set<string>() }));
  const people = new Map<string, { name: string; points: number; categories: Record<Category, number>; teams: Set<string> }>();
  for (const a of out) {
    for (const t of teamRows.filter((r) => a.teams.includes(r.name))) {
      t.points = round1(t.points + a.points);
      t.categories[a.category] = round1(t.categories[a.category] + a.points);
      t.repos.add(a.repo);
    }
    if (a.person === null) continue;
    const p = people.get(a.person) ?? { name: a.person, points: 0, categories: zero(), teams: new Set<string>() };
    p.points = round1(p.points + a.points);
    p.categories[a.category] = round1(p.categories[a.category] + a.points);
    for (const t of a.teams) p.teams.add(t);
    people.set(a.person, p);
  }
  return {
    week: week.id,
    from: week.from.toISOString(),
    to: week.to.toISOString(),
    teams: ranked(teamRows.map((t) => ({ ...t, repos: [...t.repos].sort() }))),
    people: ranked([...people.values()].map((p) => ({ ...p, teams: [...p.teams].sort() }))),
    awards: out,
  };
}
