// Teams: who sees which repositories once signed in. A team names repository patterns (the same
// patterns tokens carry) and its members — by e-mail or subject, or by a group the provider says
// the user is in. Teams come from ci-intel.yml (`auth.teams`, read-only here) and from the admin
// API (the `teams` table); a user's repositories are the union of their teams' patterns.
import type { Kysely } from 'kysely';
import type { Config } from '../../core/config.js';
import type { CoreTables } from '../../core/db/schema.js';
import { CiError } from '../../core/errors.js';
import { compileRepoPattern } from '../../core/tokens.js';

export interface Team {
  name: string;
  repos: string[];
  members: string[];
  groups: string[];
  /** Where it is defined: ci-intel.yml (changed there) or the admin API. */
  source: 'config' | 'api';
}

/** Who signed in, as the provider said. */
export interface Identity {
  subject: string;
  email: string | null;
  name: string | null;
  groups: string[];
}

export const TEAM_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

const lower = (xs: string[]) => xs.map((x) => x.trim().toLowerCase()).filter(Boolean);

export function configTeams(config: Pick<Config, 'auth'>): Team[] {
  return config.auth.teams.map((t) => ({ name: t.name, repos: lower(t.repos), members: lower(t.members), groups: lower(t.groups), source: 'config' as const }));
}

/** Every team, sorted by name; a name defined in ci-intel.yml wins over the same name in the table. */
export function mergeTeams(config: Pick<Config, 'auth'>, rows: Array<{ name: string; repo_patterns: string[]; members: string[]; groups: string[] }>): Team[] {
  const out = new Map(configTeams(config).map((t) => [t.name, t]));
  for (const r of rows) if (!out.has(r.name)) out.set(r.name, { name: r.name, repos: r.repo_patterns, members: r.members, groups: r.groups, source: 'api' });
  return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

export async function allTeams(ctx: { config: Pick<Config, 'auth'>; db: Kysely<CoreTables> }): Promise<Team[]> {
  return mergeTeams(ctx.config, await ctx.db.selectFrom('teams').select(['name', 'repo_patterns', 'members', 'groups']).execute());
}

/** The teams a user is in: named as a member (e-mail or subject), or through one of their groups. */
export function teamsOf(teams: Team[], who: Pick<Identity, 'subject' | 'email' | 'groups'>): Team[] {
  const ids = new Set(lower([who.subject, ...(who.email ? [who.email] : [])]));
  const groups = new Set(lower(who.groups));
  return teams.filter((t) => t.members.some((m) => ids.has(m)) || t.groups.some((g) => groups.has(g)));
}

/** The repository patterns of some teams, sorted and without repeats. */
export const patternsOf = (teams: Team[]): string[] => [...new Set(teams.flatMap((t) => t.repos))].sort();

/** Checks a team given to the admin API; the name is the path's. */
export function checkTeam(name: string, body: { repos: string[]; members?: string[]; groups?: string[] }): Omit<Team, 'source'> {
  if (!TEAM_NAME.test(name))
    throw new CiError('E_USAGE', `team name ${JSON.stringify(name)} is not valid`, {
      where: 'path :name',
      hint: 'lower-case letters, digits, ".", "_" and "-", at most 64, starting with a letter or digit',
    });
  for (const p of body.repos) compileRepoPattern(p);
  return { name, repos: lower(body.repos), members: lower(body.members ?? []), groups: lower(body.groups ?? []) };
}

export async function putTeam(db: Kysely<CoreTables>, t: Omit<Team, 'source'>, now: Date): Promise<void> {
  await db
    .insertInto('teams')
    .values({ name: t.name, repo_patterns: t.repos, members: t.members, groups: t.groups, updated_at: now })
    .onConflict((oc) => oc.column('name').doUpdateSet({ repo_patterns: t.repos, members: t.members, groups: t.groups, updated_at: now }))
    .execute();
}

export async function deleteTeam(db: Kysely<CoreTables>, name: string): Promise<number> {
  const r = await db.deleteFrom('teams').where('name', '=', name).executeTakeFirst();
  return Number(r.numDeletedRows);
}
