// What one pipeline job produced, analysed offline: its test reports (failures with file:line),
// its logs (root causes), its mutation report (resilience, label) and its coverage; then the gates
// over them. `ci-intel report` renders and publishes this; nothing here talks to a network.
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { expandGlob } from '../../core/glob.js';
import { CiError } from '../../core/errors.js';
import type { RootCause } from '../../core/model/index.js';
import { Redactor } from '../../core/redact/index.js';
import { redactorOptions } from '../../core/redact/pii.js';
import type { CliContext } from '../../core/registry.js';
import { analyzeStream, redactCauses } from '../../pillars/autopsy/analyze.js';
import { shippedClassifier } from '../../pillars/autopsy/classify.js';
import { ruleSet } from '../../pillars/autopsy/rules.js';
import { analyzeReportFile, type AgentAnalysis } from '../../pillars/mutation/agent.js';
import type { Summary as MutationSummary } from '../../pillars/mutation/summary.js';
import { mergeCoverage, parseCoverageFile, totals } from '../../pillars/test-reports/coverage/index.js';
import { parseReportCases } from '../../pillars/test-reports/parsers/index.js';
import type { CommitVerdict } from '../../pillars/determinism/store.js';

export interface ReportInputs {
  junit: string[];
  logs: string[];
  coverage: string[];
  mutation?: string;
  /** Coverage (lines, percent) below which the coverage gate fails; none = no gate. */
  minCoverage?: number;
}

export interface TestFailure {
  id: string;
  name: string;
  status: 'failed' | 'errored';
  message: string | null;
  file: string | null;
  line: number | null;
  report: string;
}

export interface LogFinding {
  log: string;
  failed: boolean;
  root_causes: RootCause[];
}

export interface Gate {
  name: string;
  pass: boolean;
  reason: string;
}

export interface JobReport {
  tests: { reports: string[]; total: number; passed: number; failed: number; errored: number; skipped: number; failures: TestFailure[] } | null;
  logs: LogFinding[];
  mutation: MutationSummary | null;
  coverage: { files: number; lines_pct: number | null } | null;
  gates: Gate[];
  /** The reproducibility verdicts the hub stores for the run's commit (`repro --record`); absent without a hub or results. */
  determinism?: CommitVerdict[] | null;
  /** The run's trace (the pipeline's own trace id when it set TRACEPARENT) and its link from `traces.traceUrl`. */
  trace?: { trace_id: string; url: string | null } | null;
}

/** The files of each glob, in order, each once; a glob that names nothing is an error naming it. */
export function filesOf(globs: string[], flag: string): string[] {
  const out: string[] = [];
  for (const g of globs) {
    const files = expandGlob(g);
    if (!files.length)
      throw new CiError('E_INPUT_UNREADABLE', `${flag} ${g} names no file`, {
        where: flag,
        hint: 'check the path or pattern (quote it so the shell does not expand it)',
      });
    for (const f of files) if (!out.includes(f)) out.push(f);
  }
  return out;
}

/** The report, and the mutation analysis whole (an upload sends what only the agent knows: churn, suppressions). */
export async function analyzeJob(inputs: ReportInputs, ctx: CliContext): Promise<{ report: JobReport; mutation: AgentAnalysis | null }> {
  const config = ctx.config();
  const redactor = new Redactor(redactorOptions(config.redact));
  const report: JobReport = { tests: null, logs: [], mutation: null, coverage: null, gates: [] };
  let analysis: AgentAnalysis | null = null;
  const workspace = ctx.env.GITHUB_WORKSPACE ?? ctx.env.CI_PROJECT_DIR ?? process.cwd();

  if (inputs.junit.length) {
    const t = { reports: inputs.junit, total: 0, passed: 0, failed: 0, errored: 0, skipped: 0, failures: [] as TestFailure[] };
    for (const file of inputs.junit) {
      const { summary, cases } = await parseReportCases(file);
      t.total += summary.tests;
      t.passed += summary.passed;
      t.failed += summary.failed;
      t.errored += summary.errored;
      t.skipped += summary.skipped;
      // A test that failed and then passed on a retry is flaky, not failed: only its last attempt counts.
      const last = new Map(cases.map((c) => [c.id, c]));
      for (const c of last.values()) {
        if (c.status !== 'failed' && c.status !== 'errored') continue;
        t.failures.push({
          id: c.id,
          name: c.name,
          status: c.status,
          message: c.message === null ? null : redactor.apply(c.message),
          file: c.file ? repoPath(c.file, workspace) : null,
          line: c.line ?? null,
          report: file,
        });
      }
    }
    report.tests = t;
    const failing = t.failures.length;
    report.gates.push({
      name: 'tests',
      pass: failing === 0,
      reason: failing ? `${failing} failing test${failing === 1 ? '' : 's'}` : `${t.total} tests, none failing`,
    });
  }

  if (inputs.logs.length) {
    const rules = ruleSet([]);
    const classifier = shippedClassifier();
    for (const log of inputs.logs) {
      const a = await analyzeStream(createReadStream(log), rules, { classifier, assumeFailed: false, context: 3, maxCauses: 5 });
      report.logs.push({ log, failed: a.failed, root_causes: redactCauses(a.root_causes, redactor) });
    }
  }

  if (inputs.mutation) {
    analysis = await analyzeReportFile(inputs.mutation, {}, ctx);
    const m = analysis.summary;
    report.mutation = m;
    if (m.score !== null) {
      report.gates.push({
        name: 'mutation',
        pass: m.level !== 'fail',
        reason: `resilience ${pct(m.score)} (fail below ${pct(m.thresholds.score_fail)}, warn below ${pct(m.thresholds.score_warn)})`,
      });
    }
  }

  if (inputs.coverage.length) {
    const merged = mergeCoverage(await Promise.all(inputs.coverage.map((f) => parseCoverageFile(f))));
    const linesPct = totals(merged.files).lines;
    report.coverage = { files: merged.files.length, lines_pct: linesPct };
    if (inputs.minCoverage !== undefined) {
      const pass = linesPct !== null && linesPct >= inputs.minCoverage;
      report.gates.push({
        name: 'coverage',
        pass,
        reason: `lines ${linesPct === null ? 'unknown' : `${linesPct.toFixed(1)}%`} (minimum ${inputs.minCoverage}%)`,
      });
    }
  }
  return { report, mutation: analysis };
}

/** A path as the repository knows it: stacks name absolute paths under the job's workspace. */
export function repoPath(file: string, workspace: string): string {
  const p = file.startsWith('file://') ? file.slice(7) : file;
  if (!path.isAbsolute(p)) return p;
  const rel = path.relative(workspace, p);
  return rel.startsWith('..') || path.isAbsolute(rel) ? p : rel.split(path.sep).join('/');
}

export const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
