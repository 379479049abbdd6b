// Release readiness (seed 002 "Release Readiness System"; issue 8): CI pass rate over the last 10
// runs 40 %, test coverage 30 %, security 20 %, code quality 10 %; >= 95 excellent, 90–94 good,
// 80–89 fair, < 80 poor. A component without data is missing — never 0, never 100: the score is
// renormalized over the components present and says complete: false.
import { sql } from 'kysely';
import type { MetricsConfig } from './config.js';
import type { MetricsDb } from './dora-store.js';
import { tableExists } from '../../core/db/index.js';
import { repoAccess } from './filters.js';

export type ComponentId = 'ci' | 'coverage' | 'security' | 'quality';

export interface Component {
  id: ComponentId;
  weight: number;
  /** 0..100, or null when there is no data (missing). */
  score: number | null;
  /** What the score was computed from, so it explains itself. */
  inputs: Record<string, unknown>;
  explanation: string;
}

export type ReadinessBand = 'excellent' | 'good' | 'fair' | 'poor';

export interface Readiness {
  repo: string;
  branch: string | null;
  score: number | null;
  band: ReadinessBand | null;
  complete: boolean;
  missing: ComponentId[];
  components: Component[];
}

export function readinessBand(score: number): ReadinessBand {
  return score >= 95 ? 'excellent' : score >= 90 ? 'good' : score >= 80 ? 'fair' : 'poor';
}

/** Weighted mean over the components with data; null when none has data. */
export function combine(repo: string, branch: string | null, components: Component[]): Readiness {
  const present = components.filter((c) => c.score !== null && c.weight > 0);
  const wsum = present.reduce((s, c) => s + c.weight, 0);
  const score = wsum > 0 ? present.reduce((s, c) => s + c.weight * c.score!, 0) / wsum : null;
  const missing = components.filter((c) => c.score === null && c.weight > 0).map((c) => c.id);
  return { repo, branch, score, band: score === null ? null : readinessBand(score), complete: missing.length === 0 && score !== null, missing, components };
}

const clamp = (x: number) => Math.max(0, Math.min(100, x));

export interface ReadinessInputs {
  lastRuns: Array<{ run_id: string; status: string }>;
  coverage: { run_id: string; lines_pct: number } | null;
  security: {
    run_id: string | null;
    deny: number;
    warn: number;
    sarif_errors: number;
    sarif_tools: string[];
    /** Open violations of the latest recorded compliance check (`policy check --record`). */
    open_violation_errors?: number;
    open_violation_warnings?: number;
  } | null;
  quality: { run_id: string; errors: number; warnings: number; tools: string[] } | null;
}

/** The four components from their inputs (pure). */
export function components(inp: ReadinessInputs, cfg: MetricsConfig['readiness']): Component[] {
  const w = cfg.weights;
  const ok = inp.lastRuns.filter((r) => r.status === 'success').length;
  const ci: Component = {
    id: 'ci',
    weight: w.ci,
    score: inp.lastRuns.length ? (100 * ok) / inp.lastRuns.length : null,
    inputs: { runs: inp.lastRuns.length, success: ok, run_ids: inp.lastRuns.map((r) => r.run_id) },
    explanation: inp.lastRuns.length ? `${ok} of the last ${inp.lastRuns.length} finished runs passed` : 'no finished run',
  };
  const coverage: Component = {
    id: 'coverage',
    weight: w.coverage,
    score: inp.coverage ? clamp(inp.coverage.lines_pct * 100) : null,
    inputs: inp.coverage ? { run_id: inp.coverage.run_id, lines_pct: inp.coverage.lines_pct } : {},
    explanation: inp.coverage ? `line coverage ${(inp.coverage.lines_pct * 100).toFixed(1)}% in the latest run that measured it` : 'no run reported coverage',
  };
  const s = inp.security;
  const vErr = s?.open_violation_errors ?? 0;
  const vWarn = s?.open_violation_warnings ?? 0;
  const secPenalty = s
    ? s.deny * cfg.security.deny +
      s.warn * cfg.security.warn +
      s.sarif_errors * cfg.security.sarifError +
      vErr * cfg.security.violationError +
      vWarn * cfg.security.violationWarning
    : 0;
  const security: Component = {
    id: 'security',
    weight: w.security,
    score: s ? clamp(100 - secPenalty) : null,
    inputs: s ? { ...s, penalties: cfg.security } : {},
    explanation: s
      ? `100 − ${cfg.security.deny}×${s.deny} deny − ${cfg.security.warn}×${s.warn} warn − ${cfg.security.sarifError}×${s.sarif_errors} SARIF errors` +
        (vErr || vWarn
          ? ` − ${cfg.security.violationError}×${vErr} open compliance errors − ${cfg.security.violationWarning}×${vWarn} open compliance warnings`
          : '')
      : 'no policy results, security SARIF or compliance check',
  };
  const q = inp.quality;
  const quality: Component = {
    id: 'quality',
    weight: w.quality,
    score: q ? clamp(100 - q.errors * cfg.quality.error - q.warnings * cfg.quality.warning) : null,
    inputs: q ? { ...q, penalties: cfg.quality } : {},
    explanation: q
      ? `100 − ${cfg.quality.error}×${q.errors} lint errors − ${cfg.quality.warning}×${q.warnings} warnings`
      : 'no lint results (ESLint JSON or SARIF)',
  };
  return [ci, coverage, security, quality];
}

/**
 * Readiness of several repos in four queries (one per input, all repos at once). The runs considered
 * are those of `branch` when given, else of the first default branch (main, master, trunk) that has
 * CI runs, else all; deployment runs (with an environment) are not CI runs and are left out.
 */
export async function readinessOf(db: MetricsDb, repos: string[], branch: string | null, cfg: MetricsConfig): Promise<Readiness[]> {
  if (repos.length === 0) return [];
  const list = sql`select unnest(${repos.map((r) => r.toLowerCase())}::text[]) as repo`;
  const br = branch
    ? sql`select repo, ${branch}::text as branch from (${list}) l`
    : sql`select l.repo, (select d.b from unnest(${cfg.defaultBranches}::text[]) with ordinality as d(b, o)
          where exists (select 1 from runs x where x.repo = l.repo and x.branch = d.b and x.environment is null) order by d.o limit 1) as branch
        from (${list}) l`;
  const scope = sql`r.repo = br.repo and (br.branch is null or r.branch = br.branch) and r.environment is null`;
  const latestWith = (cond: ReturnType<typeof sql>) =>
    sql`(select r.run_id from runs r where ${scope} and ${cond} order by r.started_at desc, r.run_id desc limit 1)`;
  const [branches, last, cov, pol, fnd, vio] = await Promise.all([
    sql<{ repo: string; branch: string | null }>`${br}`.execute(db),
    sql<{ repo: string; run_id: string; status: string }>`
      select br.repo, x.run_id, x.status from (${br}) br cross join lateral (
        select r.run_id, r.status from runs r where ${scope} and r.status in ('success', 'failed')
        order by r.started_at desc, r.run_id desc limit ${cfg.readiness.lastRuns}) x`.execute(db),
    // No data is not zero (DESIGN.md): a null coverage is no coverage report, whatever the test
    // totals (the tests pillar stores a coverage-only upload with total = 0).
    sql<{ repo: string; run_id: string; lines_pct: number }>`
      select br.repo, x.run_id, x.lines_pct from (${br}) br cross join lateral (
        select r.run_id, t.coverage_lines as lines_pct from runs r join test_summaries t on t.run_id = r.run_id
        where ${scope} and t.coverage_lines is not null order by r.started_at desc, r.run_id desc limit 1) x`.execute(db),
    sql<{ repo: string; run_id: string; deny: number; warn: number }>`
      select br.repo, p.run_id, count(*) filter (where p.result = 'deny')::int as deny, count(*) filter (where p.result = 'warn')::int as warn
      from (${br}) br join policy_results p on p.run_id = ${latestWith(sql`exists (select 1 from policy_results q where q.run_id = r.run_id)`)}
      group by br.repo, p.run_id`.execute(db),
    sql<{ repo: string; run_id: string; category: string; tool: string; errors: number; warnings: number }>`
      select br.repo, f.run_id, f.category, f.tool, f.errors, f.warnings from (${br}) br cross join (values ('security'), ('quality')) c(category)
      join metrics_findings f on f.category = c.category
        and f.run_id = ${latestWith(sql`exists (select 1 from metrics_findings x where x.run_id = r.run_id and x.category = c.category)`)}
      order by br.repo, f.category, f.tool`.execute(db),
    openViolations(db, repos),
  ]);
  const by = <T extends { repo: string }>(rows: T[]) => {
    const m = new Map<string, T[]>();
    for (const r of rows) m.set(r.repo, [...(m.get(r.repo) ?? []), r]);
    return m;
  };
  const lastBy = by(last.rows);
  const covBy = by(cov.rows);
  const polBy = by(pol.rows);
  const fndBy = by(fnd.rows);
  return branches.rows.map(({ repo, branch: br0 }) => {
    const f = fndBy.get(repo) ?? [];
    const secF = f.filter((x) => x.category === 'security');
    const qualF = f.filter((x) => x.category === 'quality');
    const p = polBy.get(repo)?.[0];
    const v = vio.get(repo);
    // Security takes the latest run with policy results, the latest run with a security SARIF and
    // the violations the latest compliance check of the repository left open.
    const security =
      p || secF.length || v
        ? {
            run_id: p?.run_id ?? secF[0]?.run_id ?? null,
            deny: p?.deny ?? 0,
            warn: p?.warn ?? 0,
            sarif_errors: secF.reduce((s, x) => s + x.errors, 0),
            sarif_tools: secF.map((x) => x.tool).sort(),
            open_violation_errors: v?.errors ?? 0,
            open_violation_warnings: v?.warnings ?? 0,
          }
        : null;
    const quality = qualF.length
      ? {
          run_id: qualF[0]!.run_id,
          errors: qualF.reduce((s, x) => s + x.errors, 0),
          warnings: qualF.reduce((s, x) => s + x.warnings, 0),
          tools: qualF.map((x) => x.tool).sort(),
        }
      : null;
    const c = covBy.get(repo)?.[0];
    const comps = components(
      {
        lastRuns: (lastBy.get(repo) ?? []).map((x) => ({ run_id: x.run_id, status: x.status })),
        coverage: c ? { run_id: c.run_id, lines_pct: Number(c.lines_pct) } : null,
        security,
        quality,
      },
      cfg.readiness,
    );
    return combine(repo, br0, comps);
  });
}

/**
 * Open compliance violations per repository (the compliance pillar's `policy_violations`, read with
 * SQL as domain data, docs/DECISIONS.md D-compliance-4); none when that pillar is not assembled.
 * A repository with a recorded check and nothing open counts as checked and clean.
 */
async function openViolations(db: MetricsDb, repos: string[]): Promise<Map<string, { errors: number; warnings: number }>> {
  const out = new Map<string, { errors: number; warnings: number }>();
  if (!(await tableExists(db, 'policy_checks'))) return out;
  const rows = await sql<{ repo: string; errors: number; warnings: number }>`
    select c.repo,
      (select count(*) from policy_violations v where v.repo = c.repo and v.fixed_in is null and v.severity = 'error')::int as errors,
      (select count(*) from policy_violations v where v.repo = c.repo and v.fixed_in is null and v.severity = 'warning')::int as warnings
    from (select distinct repo from policy_checks where repo = any(${repos.map((r) => r.toLowerCase())}::text[])) c`.execute(db);
  for (const r of rows.rows) out.set(r.repo, { errors: r.errors, warnings: r.warnings });
  return out;
}

export async function readinessFor(db: MetricsDb, repo: string, branch: string | null, cfg: MetricsConfig): Promise<Readiness> {
  return (await readinessOf(db, [repo], branch, cfg))[0]!;
}

/** Readiness of every repo the caller may see (or one), sorted by repo. */
export async function readinessAll(
  db: MetricsDb,
  opts: { repo?: string; branch?: string; repoRegexes: string[] | null },
  cfg: MetricsConfig,
): Promise<Readiness[]> {
  const repos = opts.repo
    ? [opts.repo.toLowerCase()]
    : (
        await sql<{ repo: string }>`select distinct d.repo from metrics_run_daily d where ${repoAccess('d.repo', opts.repoRegexes)} order by 1`.execute(db)
      ).rows.map((x) => x.repo);
  return readinessOf(db, repos, opts.branch ?? null, cfg);
}
