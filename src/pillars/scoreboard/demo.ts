// `serve --demo`: the synthetic commits get authors (a fixed cast, picked from the commit's SHA —
// no randomness, so other pillars' synthetic data stays as it was), and some fixes of a red main
// are reverts of the breaking commit by its own author, so the scoreboard shows that rule at work.
// Chaos trials are rare in the synthetic runs (one in a hundred, one fault each), so a fault seldom
// meets itself twice: every DEMO_CHAOS_EVERY-th green main run also gets a `kill_job` trial whose
// outcome cycles through DEMO_CHAOS_OUTCOMES, so resilience raised has something to score.
import type { HubContext } from '../../core/registry.js';
import type { SynthContext } from '../../core/synth/types.js';
import { sbdb } from './tables.js';
import type { AuthorRow } from './formula.js';

export const DEMO_PEOPLE = ['ada', 'grace', 'linus', 'margaret', 'ken', 'barbara', 'dennis', 'frances'];
/** Every n-th fix of a red main (per repository) is its breaker's own revert. */
export const DEMO_OWN_REVERT_EVERY = 4;

export const DEMO_CHAOS_EVERY = 6;
export const DEMO_CHAOS_OUTCOMES = ['degraded', 'recovered', 'recovered'] as const;

const personOf = (sha: string) => DEMO_PEOPLE[parseInt(sha.slice(0, 8), 16) % DEMO_PEOPLE.length]!;

export function synthScoreboard(ctx: SynthContext): void {
  const rows = new Map<string, AuthorRow>();
  for (const c of ctx.commits) rows.set(`${c.repo} ${c.sha}`, { repo: c.repo, sha: c.sha, author: personOf(c.sha), reverts: null });
  for (const repo of ctx.repos) {
    let breaker: string | null = null;
    let fixes = 0;
    for (const r of ctx.records) {
      if (r.repo !== repo || r.branch !== 'main' || r.environment || !r.commit_sha) continue;
      if (r.status === 'failed') breaker ??= r.commit_sha;
      else if (r.status === 'success' && breaker) {
        const fix = rows.get(`${repo} ${r.commit_sha}`);
        const broke = rows.get(`${repo} ${breaker}`);
        if (fix && broke && r.commit_sha !== breaker && ++fixes % DEMO_OWN_REVERT_EVERY === 0) {
          fix.author = broke.author;
          fix.reverts = breaker;
        }
        breaker = null;
      }
    }
  }
  for (const repo of ctx.repos) {
    let n = 0;
    for (const r of ctx.records) {
      if (r.repo !== repo || r.branch !== 'main' || r.environment || r.status !== 'success' || ++n % DEMO_CHAOS_EVERY) continue;
      const outcome = DEMO_CHAOS_OUTCOMES[(n / DEMO_CHAOS_EVERY) % DEMO_CHAOS_OUTCOMES.length]!;
      r.chaos = [...(r.chaos ?? []), { fault: 'kill_job', target: 'test', seed: n, rate: 0.05, outcome, retries: outcome === 'recovered' ? 1 : 0 }];
    }
  }
  ctx.extras.scoreboard = [...rows.values()].sort((a, b) => (a.repo < b.repo ? -1 : a.repo > b.repo ? 1 : a.sha < b.sha ? -1 : 1));
}

export async function seedScoreboardDemo(ctx: HubContext, extras: unknown[]): Promise<void> {
  await saveAuthors(sbdb(ctx), extras as AuthorRow[]);
}

/** Stores commit authors (a commit sent again replaces its row). */
export async function saveAuthors(db: ReturnType<typeof sbdb>, rows: AuthorRow[]): Promise<number> {
  for (let i = 0; i < rows.length; i += 1000) {
    await db
      .insertInto('scoreboard_commits')
      .values(rows.slice(i, i + 1000))
      .onConflict((oc) => oc.columns(['repo', 'sha']).doUpdateSet((eb) => ({ author: eb.ref('excluded.author'), reverts: eb.ref('excluded.reverts') })))
      .execute();
  }
  return rows.length;
}
