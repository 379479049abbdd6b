// Cost and CO2e budgets of a pull request (issue 22 item 4; seed 000 "Enforce budgets: block PRs
// exceeding cost or CO2e limits without explicit override"). Pure: the budgets of ci-intel.yml, what
// the PR's runs spent per pipeline, its overrides and the instant → one line per limit and a verdict.
//
// Which budgets apply: those whose repository pattern admits the PR's repository (and whose `pr`, if
// set, is this PR), grouped by pipeline (`workflow`, or all pipelines together); in each group only
// the most specific apply — a PR's own budget over a named repository's over `acme/*` over `**` — so an
// organisation default can be raised or lowered for one repository or one PR.
import { CiError } from '../../../core/errors.js';
import { compileRepoPattern } from '../../../core/tokens.js';
import type { BudgetConfig } from '../config.js';

export const BUDGET_METRICS = ['usd', 'cpu_s', 'gpu_s', 'co2e_g'] as const;
export type BudgetMetric = (typeof BUDGET_METRICS)[number];

const LIMIT_KEY: Record<BudgetMetric, 'usd' | 'cpuSeconds' | 'gpuSeconds' | 'co2eGrams'> = {
  usd: 'usd',
  cpu_s: 'cpuSeconds',
  gpu_s: 'gpuSeconds',
  co2e_g: 'co2eGrams',
};

/** What a PR's runs of one pipeline spent; null = none of its runs reported that figure (no data is not zero). */
export interface PipelineSpend {
  workflow: string;
  runs: number;
  usd: number | null;
  cpu_s: number | null;
  gpu_s: number | null;
  co2e_g: number | null;
}

export interface Override {
  override_id: string;
  repo: string;
  pr: number;
  reason: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  source: string;
}

export interface BudgetLine {
  /** The budget's name, or its repository pattern (and pipeline). */
  budget: string;
  /** Where it is declared: `/delivery/budgets/<index>`. */
  pointer: string;
  workflow: string | null;
  metric: BudgetMetric;
  runs: number;
  spent: number | null;
  limit: number;
  /** spent / limit (null without data or with a zero limit). */
  ratio: number | null;
  over: boolean;
}

export interface BudgetVerdict {
  repo: string;
  pr: number;
  pass: boolean;
  runs: number;
  lines: BudgetLine[];
  /** The override that let an over-budget PR through. */
  override: Override | null;
  /** The newest override that had expired (said in the reason when nothing else lets the PR through). */
  expired: Override | null;
  /** The highest share of a budget used (1 = exactly at the limit). */
  worst: number | null;
  reason: string;
}

/** A PR's own budget 3, a named repository 2, a pattern within one level (`acme/*`) 1, a `**` pattern 0. */
export const specificity = (b: { repo: string; pr?: number }) => (b.pr !== undefined ? 3 : !b.repo.includes('*') ? 2 : b.repo.includes('**') ? 0 : 1);

/** Does the configured repository pattern at `where` admit `repo`? A bad pattern is a configuration error naming its place. */
export function admits(pattern: string, repo: string, where: string): boolean {
  try {
    return compileRepoPattern(pattern)(repo);
  } catch (e) {
    throw new CiError('E_CONFIG_INVALID', (e as Error).message, { where, hint: 'owner/name, or a pattern such as acme/* or **' });
  }
}

/** The budgets that hold this PR, with their index in the configuration (for the JSON pointer). */
export function budgetsFor(budgets: BudgetConfig[], repo: string, pr: number): Array<{ b: BudgetConfig; index: number }> {
  const matching = budgets
    .map((b, index) => ({ b, index }))
    .filter(({ b, index }) => admits(b.repo, repo, `ci-intel.yml: /delivery/budgets/${index}/repo`) && (b.pr === undefined || b.pr === pr));
  const best = new Map<string, number>();
  for (const { b } of matching) best.set(b.workflow ?? '', Math.max(best.get(b.workflow ?? '') ?? -1, specificity(b)));
  return matching.filter(({ b }) => specificity(b) === best.get(b.workflow ?? ''));
}

const sum = (xs: Array<number | null>) => (xs.some((x) => x !== null) ? xs.reduce<number>((a, x) => a + (x ?? 0), 0) : null);

/** Figures as people read them: money in cents, seconds whole, grams to one decimal. */
export function fmtFigure(metric: BudgetMetric, v: number | null): string {
  if (v === null) return 'no data';
  if (metric === 'usd') return `${v.toFixed(2)} USD`;
  if (metric === 'co2e_g') return `${(Math.round(v * 10) / 10).toLocaleString('en-US')} g CO2e`;
  return `${Math.round(v).toLocaleString('en-US')} ${metric === 'cpu_s' ? 'CPU' : 'GPU'}-seconds`;
}

const LABEL: Record<BudgetMetric, string> = { usd: 'cost', cpu_s: 'CPU time', gpu_s: 'GPU time', co2e_g: 'carbon' };

export const lineText = (l: BudgetLine) =>
  `${l.over ? 'OVER' : 'ok  '}  ${l.budget}: ${LABEL[l.metric]} ${fmtFigure(l.metric, l.spent)} of ${fmtFigure(l.metric, l.limit)}` +
  `${l.ratio === null ? '' : ` (${Math.round(l.ratio * 100)} %)`}, ${l.runs} run${l.runs === 1 ? '' : 's'}`;

const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

export function budgetVerdict(i: {
  repo: string;
  pr: number;
  budgets: BudgetConfig[];
  spend: PipelineSpend[];
  overrides: Override[];
  now: Date;
}): BudgetVerdict {
  const lines: BudgetLine[] = [];
  for (const { b, index } of budgetsFor(i.budgets, i.repo, i.pr)) {
    const limits = BUDGET_METRICS.filter((m) => b[LIMIT_KEY[m]] !== undefined);
    if (!limits.length)
      throw new CiError('E_CONFIG_INVALID', 'a budget without a limit', {
        where: `ci-intel.yml: /delivery/budgets/${index}`,
        hint: 'give at least one of usd, cpuSeconds, gpuSeconds, co2eGrams',
      });
    const rows = i.spend.filter((s) => b.workflow === undefined || s.workflow === b.workflow);
    const runs = rows.reduce((a, s) => a + s.runs, 0);
    const label = b.name ?? `${b.repo}${b.pr !== undefined ? ` #${b.pr}` : ''} ${b.workflow ? `pipeline ${b.workflow}` : 'all pipelines'}`;
    for (const metric of limits) {
      const limit = b[LIMIT_KEY[metric]]!;
      const spent = sum(rows.map((s) => s[metric]));
      lines.push({
        budget: label,
        pointer: `/delivery/budgets/${index}`,
        workflow: b.workflow ?? null,
        metric,
        runs,
        spent,
        limit,
        ratio: spent === null || limit === 0 ? null : spent / limit,
        over: spent !== null && spent > limit,
      });
    }
  }
  lines.sort((a, b) => a.pointer.localeCompare(b.pointer, 'en', { numeric: true }) || BUDGET_METRICS.indexOf(a.metric) - BUDGET_METRICS.indexOf(b.metric));
  const runs = i.spend.reduce((a, s) => a + s.runs, 0);
  const ratios = lines.map((l) => l.ratio).filter((r): r is number => r !== null);
  const worst = ratios.length ? Math.max(...ratios) : null;
  const mine = i.overrides.filter((o) => o.repo === i.repo && o.pr === i.pr && Date.parse(o.created_at) <= i.now.getTime());
  const active = mine.filter((o) => Date.parse(o.expires_at) > i.now.getTime()).sort((a, b) => b.expires_at.localeCompare(a.expires_at))[0] ?? null;
  const expired = active ? null : (mine.sort((a, b) => b.expires_at.localeCompare(a.expires_at))[0] ?? null);
  const base = { repo: i.repo, pr: i.pr, runs, lines, worst, expired };
  const pr = `${i.repo} #${i.pr}`;
  if (!lines.length) return { ...base, pass: true, override: null, reason: `no budget covers ${i.repo} (delivery.budgets in ci-intel.yml)` };
  const over = lines.filter((l) => l.over);
  if (!over.length) {
    const top = lines.reduce((a, l) => ((l.ratio ?? -1) > (a.ratio ?? -1) ? l : a));
    return {
      ...base,
      pass: true,
      override: null,
      reason: runs
        ? `${pr} is within its budgets (highest: ${LABEL[top.metric]} ${fmtFigure(top.metric, top.spent)} of ${fmtFigure(top.metric, top.limit)})`
        : `no runs of ${pr} recorded: nothing spent yet`,
    };
  }
  const what = over.map((l) => `${LABEL[l.metric]} ${fmtFigure(l.metric, l.spent)} of ${fmtFigure(l.metric, l.limit)} (${l.budget})`).join(', ');
  if (active)
    return {
      ...base,
      pass: true,
      override: active,
      reason: `${pr} is over budget: ${what}; let through by the override of ${active.created_by} until ${when(active.expires_at)}: ${active.reason}`,
    };
  const why = expired
    ? `the override of ${expired.created_by} expired ${when(expired.expires_at)}`
    : `no override (ci-intel budget override --repo ${i.repo} --pr ${i.pr} --reason WHY --by YOU --expires 7d)`;
  return { ...base, pass: false, override: null, reason: `${pr} is over budget: ${what}; ${why}` };
}
