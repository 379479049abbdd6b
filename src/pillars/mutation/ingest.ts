// Hub side of an uploaded report (POST /api/v1/runs/:id/mutation): parse, apply equivalence marks,
// score against the repo's latest main-branch run, store the normalized report (text redacted) and
// the derived rows. The agent wraps what only it can know (git churn, lcov coverage, the
// suppression file) in an envelope around the report.
import { CiError } from '../../core/errors.js';
import type { HubContext } from '../../core/registry.js';
import { controlParams, mutationConfig } from './config.js';
import type { MutationReport, ReportFormat } from './model.js';
import { parseReportText } from './reports/index.js';
import { isObject } from './reports/json.js';
import { afterSave, fileScoresOf, latestMain, runInfo, saveRun, storeReport } from './store.js';
import { mdb } from './tables.js';
import { summarize, type Summary } from './summary.js';
import { applyEquivalence, checkSuppressions, type Suppression } from './suppressions.js';
import type { ControlPoint } from './trend.js';

/** Marks the agent's envelope: `{"ci_intel_mutation": 1, "report": ..., "churn": ..., ...}`. */
export const ENVELOPE_KEY = 'ci_intel_mutation';

export interface Envelope {
  [ENVELOPE_KEY]: 1;
  format?: ReportFormat;
  /** The report: an object (JSON formats) or the file's text. */
  report: unknown;
  name?: string;
  churn?: Record<string, number>;
  coverage?: Record<string, number>;
  suppressions?: Suppression[];
}

export interface Unwrapped {
  text: string;
  name: string;
  format?: ReportFormat;
  churn?: Map<string, number>;
  coverage?: Map<string, number>;
  suppressions: Suppression[];
}

const numberMap = (v: unknown, where: string): Map<string, number> | undefined => {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new CiError('E_MUTATION_REPORT_INVALID', 'must be an object of numbers', { where });
  const m = new Map<string, number>();
  for (const [k, n] of Object.entries(v)) {
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0)
      throw new CiError('E_MUTATION_REPORT_INVALID', `${JSON.stringify(k)} must be a non-negative number`, { where });
    m.set(k, n);
  }
  return m;
};

/** The body as sent: a report in any supported format, or the agent's envelope around one. */
export function unwrap(body: string, format: ReportFormat | undefined): Unwrapped {
  const head = body.trimStart();
  if (head.startsWith('{') && head.slice(0, 200).includes(`"${ENVELOPE_KEY}"`)) {
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch {
      doc = null;
    }
    if (isObject(doc) && doc[ENVELOPE_KEY] === 1) {
      const e = doc as unknown as Envelope;
      const text = typeof e.report === 'string' ? e.report : JSON.stringify(e.report);
      return {
        text,
        name: `request body: /report${e.name ? ` (${e.name})` : ''}`,
        format: format ?? e.format,
        churn: numberMap(e.churn, 'request body: /churn'),
        coverage: numberMap(e.coverage, 'request body: /coverage'),
        suppressions: checkSuppressions(e.suppressions ?? [], 'request body: /suppressions'),
      };
    }
  }
  return { text: body, name: 'request body', format, suppressions: [] };
}

/** Redacts the text a report carries (source, reasons, descriptions, diffs) before it is stored. */
export function redactReport(ctx: Pick<HubContext, 'redactor'>, r: MutationReport): MutationReport {
  const red = (s: string | null) => (s === null ? null : ctx.redactor.apply(s));
  return {
    ...r,
    files: Object.fromEntries(Object.entries(r.files).map(([f, v]) => [f, { ...v, source: red(v.source) }])),
    mutants: r.mutants.map((m) => ({
      ...m,
      statusReason: red(m.statusReason),
      description: red(m.description),
      diff: red(m.diff),
      replacement: red(m.replacement),
    })),
  };
}

export interface IngestResult {
  run_id: string;
  repo: string;
  created: boolean;
  summary: Summary;
  control: ControlPoint | null;
}

export async function ingestMutationReport(
  ctx: HubContext,
  run: { run_id: string; repo: string; created: boolean },
  body: string,
  format?: ReportFormat,
): Promise<IngestResult> {
  const cfg = mutationConfig(ctx.config);
  const u = unwrap(body, format);
  const report = parseReportText(u.text, u.name, { format: u.format });
  const equivalence = applyEquivalence(report, u.suppressions, ctx.now());
  const db = mdb(ctx);
  const info = await runInfo(db, run.run_id);
  if (!info) throw new CiError('E_NOT_FOUND', `no run ${run.run_id}`);
  const base = await latestMain(db, info.repo, info);
  const summary = summarize({
    report,
    equivalence,
    thresholds: cfg.thresholds,
    baseline: base ? { source: `main@${base.run_id}`, score: base.score, files: await fileScoresOf(db, base.run_id) } : null,
    coverage: u.coverage,
    hotspot: { churn: u.churn },
  });
  const redacted = redactReport(ctx, report);
  // Hotspot diffs and survivor descriptions are stored too: redact them like the report.
  for (const h of summary.hotspots) for (const t of h.top) t.diff = t.diff === null ? null : ctx.redactor.apply(t.diff);
  const reportKey = await storeReport(ctx, info.run_id, redacted);
  const isMain = info.branch === cfg.mainBranch;
  await saveRun(db, {
    run: info,
    isMain,
    source: 'upload',
    summary,
    declaredScore: null,
    baselineRunId: base?.run_id ?? null,
    reportKey,
    now: ctx.now(),
  });
  const control = await afterSave(db, info, isMain, summary.score, summary.mutants_total, controlParams(cfg));
  return { run_id: info.run_id, repo: info.repo, created: run.created, summary, control };
}
