// Budgets in the store: what a PR's runs spent (core's `runs` and `costs`, the same columns the
// metrics pillar sums for the Cost page — read with SQL, not through that pillar), the overrides and
// their uses (this pillar's audit tables), and the check the gate and the hub's API share.
import { sql } from 'kysely';
import { newId } from '../../../core/identity.js';
import type { Redactor } from '../../../core/redact/index.js';
import type { DeliveryConfig } from '../config.js';
import { concurrencyPeaks, type ConcurrencyRow } from './concurrency.js';
import type { DeliveryDb } from '../tables.js';
import { budgetVerdict, type BudgetVerdict, type Override, type PipelineSpend } from './verdict.js';

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const iso = (d: Date | string) => new Date(d).toISOString();

/** Per pipeline: the runs of the PR and the sums of their reported cost, CPU/GPU seconds and CO2e. */
export async function prSpend(db: DeliveryDb, repo: string, pr: number): Promise<PipelineSpend[]> {
  const r = await sql<Record<string, unknown>>`
    select r.workflow, count(*)::int as runs, sum(c.usd)::float8 as usd, sum(c.cpu_seconds)::float8 as cpu_s,
      sum(c.gpu_seconds)::float8 as gpu_s, sum(c.carbon_g_co2e)::float8 as co2e_g
    from runs r left join costs c on c.run_id = r.run_id
    where r.repo = ${repo} and r.pr = ${pr}
    group by r.workflow order by r.workflow`.execute(db);
  return r.rows.map((x) => ({
    workflow: String(x.workflow),
    runs: Number(x.runs),
    usd: num(x.usd),
    cpu_s: num(x.cpu_s),
    gpu_s: num(x.gpu_s),
    co2e_g: num(x.co2e_g),
  }));
}

export interface NewOverride {
  repo: string;
  pr: number;
  reason: string;
  by: string;
  expiresAt: Date;
  source: 'cli' | 'api' | 'chatops';
  /** A given id makes the write idempotent (a redelivered ChatOps request stores one override). */
  id?: string;
}

export async function createOverride(db: DeliveryDb, redactor: Redactor, now: Date, o: NewOverride): Promise<Override> {
  const row = {
    override_id: o.id ?? newId(),
    repo: o.repo,
    pr: o.pr,
    // A reason is free text people type: it goes through the redactor like every stored text.
    reason: redactor.apply(o.reason),
    created_by: o.by,
    created_at: now,
    expires_at: o.expiresAt,
    source: o.source,
  };
  await db
    .insertInto('delivery_budget_overrides')
    .values(row)
    .onConflict((oc) => oc.column('override_id').doNothing())
    .execute();
  return { ...row, created_at: iso(now), expires_at: iso(o.expiresAt) };
}

export interface OverrideUse {
  used_at: string;
  used_by: string | null;
  over: unknown;
}
export type AuditedOverride = Override & { uses: OverrideUse[] };

/** Overrides newest first, each with its uses (oldest first); a limited token sees only its repositories. */
export async function listOverrides(
  db: DeliveryDb,
  f: { repo?: string; pr?: number; repoRegexes?: string[] | null; limit?: number },
): Promise<AuditedOverride[]> {
  let q = db.selectFrom('delivery_budget_overrides').selectAll();
  if (f.repoRegexes) q = q.where(sql<boolean>`repo ~ any(${f.repoRegexes}::text[])`);
  if (f.repo) q = q.where('repo', '=', f.repo);
  if (f.pr !== undefined) q = q.where('pr', '=', f.pr);
  const rows = await q
    .orderBy('created_at', 'desc')
    .orderBy('override_id')
    .limit(f.limit ?? 200)
    .execute();
  if (!rows.length) return [];
  const uses = await db
    .selectFrom('delivery_budget_override_uses')
    .selectAll()
    .where('override_id', '=', sql<string>`any(${rows.map((r) => r.override_id)}::text[])`)
    .orderBy('used_at')
    .orderBy('use_id')
    .execute();
  return rows.map((r) => ({
    ...r,
    pr: Number(r.pr),
    created_at: iso(r.created_at),
    expires_at: iso(r.expires_at),
    uses: uses
      .filter((u) => u.override_id === r.override_id)
      .map((u) => ({ used_at: iso(u.used_at), used_by: u.used_by, over: typeof u.over === 'string' ? (JSON.parse(u.over) as unknown) : u.over })),
  }));
}

/** How far back the concurrency peak is looked for (days). */
export const CONCURRENCY_DAYS = 30;

export type BudgetCheck = BudgetVerdict & { concurrency: ConcurrencyRow | null };

/**
 * The gate's check: the PR's spend against its budgets and overrides at `now`; when an override
 * lets an over-budget PR through, the use is recorded (who ran the gate, when, the figures). The
 * repository's concurrency cap and peak come with it (reported, not gated).
 */
export async function checkBudget(
  db: DeliveryDb,
  cfg: Pick<DeliveryConfig, 'budgets' | 'concurrency'>,
  q: { repo: string; pr: number; by: string | null },
  now: Date,
): Promise<BudgetCheck> {
  const [spend, overrides, peaks] = await Promise.all([
    prSpend(db, q.repo, q.pr),
    listOverrides(db, { repo: q.repo, pr: q.pr }),
    concurrencyPeaks(db, cfg.concurrency, { since: new Date(now.getTime() - CONCURRENCY_DAYS * 86_400_000), repo: q.repo }),
  ]);
  const v = budgetVerdict({ repo: q.repo, pr: q.pr, budgets: cfg.budgets, spend, overrides: overrides.map(({ uses: _u, ...o }) => o), now });
  if (v.override) {
    const over = v.lines.filter((l) => l.over).map((l) => ({ budget: l.budget, metric: l.metric, spent: l.spent, limit: l.limit }));
    await db
      .insertInto('delivery_budget_override_uses')
      .values({ use_id: newId(), override_id: v.override.override_id, used_at: now, used_by: q.by, over: JSON.stringify(over) })
      .execute();
  }
  return { ...v, concurrency: peaks[0] ?? null };
}
