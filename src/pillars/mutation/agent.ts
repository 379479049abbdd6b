// Agent side of `ci-intel mutation report` / `mutation run`: everything that needs the checkout
// (git churn, source for diffs, lcov, the suppression file) or a baseline (another report, or the
// latest main-branch run from the hub or the local store), assembled around the pure analysis.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CiError } from '../../core/errors.js';
import { detectRunIdentity } from '../../core/identity.js';
import type { CliContext } from '../../core/registry.js';
import type { HubTarget } from '../../core/upload.js';
import { hubCall } from '../../core/hub-api.js';
import { compareReports, type Comparison } from './compare.js';
import { mutationConfig, type MutationConfig } from './config.js';
import { readLcov } from './coverage.js';
import { churnSince, gitRoot } from './git.js';
import { ENVELOPE_KEY, type Envelope } from './ingest.js';
import type { MutationReport, ReportFormat } from './model.js';
import { loadReportInput, readReport } from './reports/index.js';
import { fileScoresOf, latestMain, loadReport } from './store.js';
import { mdb } from './tables.js';
import { summarize, type Baseline, type Summary } from './summary.js';
import { applyEquivalence, loadSuppressions, type Suppression } from './suppressions.js';

export interface AgentReportOptions {
  format?: ReportFormat;
  /** A report path, or `main` (the latest main-branch run from the hub or the store). */
  baseline?: string;
  suppressions?: string;
  coverage?: string;
  /** Project root the report's paths are relative to (default: the working directory). */
  root?: string;
  repo?: string;
  /** Store flags for `--baseline main` without a hub. */
  storeFlags?: Record<string, unknown>;
  hub?: HubTarget | null;
}

export interface AgentAnalysis {
  report: MutationReport;
  summary: Summary;
  suppressions: Suppression[];
  churn: Map<string, number>;
  coverage?: Map<string, number>;
  config: MutationConfig;
}

/** Commits per report file in the churn window, or an empty map outside a git checkout. */
export function reportChurn(report: MutationReport, root: string, days: number, now: Date): Map<string, number> {
  const top = gitRoot(root);
  if (!top) return new Map();
  const byRepoPath = churnSince(top, new Date(now.getTime() - days * 86_400_000));
  const out = new Map<string, number>();
  for (const file of new Set(report.mutants.map((m) => m.file))) {
    const rel = path.relative(top, path.resolve(root, file)).split(path.sep).join('/');
    const n = byRepoPath.get(rel);
    if (n) out.set(file, n);
  }
  return out;
}

function repoOf(opts: AgentReportOptions, ctx: CliContext): string {
  const repo = opts.repo ?? detectRunIdentity(ctx.env)?.repo;
  if (!repo)
    throw new CiError('E_USAGE', '--baseline main needs the repository', {
      hint: 'pass --repo owner/name (detected automatically in GitHub Actions and GitLab CI)',
    });
  return repo.toLowerCase();
}

/** The latest main-branch run, from the hub when one is configured, else from the local store. */
async function mainBaseline(opts: AgentReportOptions, ctx: CliContext): Promise<{ baseline: Baseline; report: MutationReport | null }> {
  const repo = repoOf(opts, ctx);
  if (opts.hub) {
    const b = await hubCall<{ run_id: string; score: number; files: Record<string, number | null>; report: MutationReport | null }>(
      opts.hub,
      `/api/v1/mutation/baseline?repo=${encodeURIComponent(repo)}`,
    );
    return { baseline: { source: `main@${b.run_id}`, score: b.score, files: new Map(Object.entries(b.files)) }, report: b.report };
  }
  const hub = await ctx.openHub(opts.storeFlags ?? {});
  try {
    const db = mdb(hub);
    const b = await latestMain(db, repo);
    if (!b)
      throw new CiError('E_NOT_FOUND', `no scored main-branch mutation run for ${repo} in the store`, { hint: 'pass --hub, or --baseline <report file>' });
    const row = await db.selectFrom('mutation_runs').select(['report_key']).where('run_id', '=', b.run_id).executeTakeFirstOrThrow();
    return {
      baseline: { source: `main@${b.run_id}`, score: b.score, files: await fileScoresOf(db, b.run_id) },
      report: row.report_key ? await loadReport(hub, row.report_key) : null,
    };
  } finally {
    await hub.close();
  }
}

export async function analyzeReportFile(file: string, opts: AgentReportOptions, ctx: CliContext, flags: Record<string, unknown> = {}): Promise<AgentAnalysis> {
  const config = mutationConfig(ctx.config(flags));
  const root = path.resolve(opts.root ?? '.');
  const report = readReport(file, { format: opts.format, root });
  const supFile = opts.suppressions ?? config.suppressions;
  const suppressions = loadSuppressions(supFile, opts.suppressions !== undefined);
  const equivalence = applyEquivalence(report, suppressions, ctx.now());

  let baseline: Baseline | null = null;
  let comparison: Comparison | undefined;
  if (opts.baseline === 'main') {
    const b = await mainBaseline(opts, ctx);
    baseline = b.baseline;
    if (b.report) comparison = compareReports(b.report, report);
  } else if (opts.baseline) {
    const baseReport = readReport(opts.baseline, { format: opts.format, root });
    applyEquivalence(baseReport, suppressions, ctx.now());
    comparison = compareReports(baseReport, report);
    const files = new Map(comparison.files.map((f) => [f.file, f.base_score]));
    baseline = { source: `report:${opts.baseline}`, score: comparison.base_score, files };
  }

  const churn = reportChurn(report, root, config.churnDays, ctx.now());
  const coverage = opts.coverage ? readLcov(opts.coverage, root) : undefined;
  const summary = summarize({
    report,
    equivalence,
    thresholds: config.thresholds,
    baseline,
    coverage,
    comparison,
    hotspot: {
      churn,
      readSource: (f) => {
        const p = path.resolve(root, f);
        return existsSync(p) ? readFileSync(p, 'utf8') : null;
      },
    },
  });
  return { report, summary, suppressions, churn, coverage, config };
}

/** The upload body: the report as read plus what only the agent knows. */
export function envelope(file: string, a: AgentAnalysis): Envelope {
  const input = loadReportInput(file, a.report.format);
  return {
    [ENVELOPE_KEY]: 1,
    format: a.report.format,
    name: path.basename(input.name),
    report: input.text,
    churn: Object.fromEntries(a.churn),
    ...(a.coverage ? { coverage: Object.fromEntries(a.coverage) } : {}),
    suppressions: a.suppressions,
  };
}
