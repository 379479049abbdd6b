// The SARIF report and gate: a change's deduplicated issues against its base commit's — new, still
// open, fixed — with suppressions applied, findings per thousand lines of code, and the verdict
// "no newly introduced issue at or above --fail-on, at most --max-per-kloc open" (seed 000's
// "gate on findings-per-KLoC, newly introduced highs").
import { readFileSync } from 'node:fs';
import { forEachSourceFile } from '../../../core/source-files.js';
import { sameIssue, type SarifIssue } from './dedup.js';
import { severityRank, type Severity } from './normalize.js';
import { suppressionOf, type Suppression } from './suppressions.js';

export type IssueState = 'new' | 'open' | 'fixed';

export interface ReportedIssue extends SarifIssue {
  state: IssueState;
  /** Set when a suppression covers it: active ones take it out of the gate, expired ones say so. */
  suppression?: { reason: string; by: string; expires: string | null; expired: boolean; source: 'file' | 'sarif' };
}

export interface SarifReport {
  pass: boolean;
  fail_on: Severity;
  /** Whether a base was given: without one every issue counts as new. */
  has_base: boolean;
  issues: ReportedIssue[];
  counts: { new: number; open: number; fixed: number; suppressed: number; findings: number; gating: number };
  by_severity: Record<Severity, number>;
  kloc: number | null;
  per_kloc: number | null;
  max_per_kloc: number | null;
  tools: string[];
  reasons: string[];
}

/** Thousands of non-blank lines in the repository's source files (dependencies and build output skipped). */
export function countKloc(root: string): number {
  let lines = 0;
  forEachSourceFile(root, 4 * 1024 * 1024, (_rel, abs) => {
    for (const l of readFileSync(abs, 'utf8').split('\n')) if (l.trim()) lines++;
  });
  return lines / 1000;
}

export interface CompareOptions {
  failOn: Severity;
  suppressions: Suppression[];
  now: Date;
  kloc: number | null;
  maxPerKloc: number | null;
  findings: number;
}

/** Compares the change's issues with the base's (null: no base) and decides. */
export function compareIssues(head: SarifIssue[], base: SarifIssue[] | null, o: CompareOptions): SarifReport {
  const issues: ReportedIssue[] = [];
  for (const h of head) {
    const state: IssueState = base && base.some((b) => sameIssue(b, h)) ? 'open' : 'new';
    const sup = suppressionOf(h, o.suppressions, o.now);
    const suppression = sup
      ? { reason: sup.s.reason, by: sup.s.by, expires: sup.s.expires.toISOString(), expired: sup.state === 'expired', source: 'file' as const }
      : h.suppressed
        ? { reason: h.suppressed.justification, by: '', expires: null, expired: false, source: 'sarif' as const }
        : undefined;
    issues.push({ ...h, state, ...(suppression ? { suppression } : {}) });
  }
  for (const b of base ?? []) if (!head.some((h) => sameIssue(b, h))) issues.push({ ...b, state: 'fixed' });
  const live = issues.filter((i) => i.state !== 'fixed');
  const active = (i: ReportedIssue) => i.suppression !== undefined && !i.suppression.expired;
  const unsuppressed = live.filter((i) => !active(i));
  const gating = unsuppressed.filter((i) => i.state === 'new' && severityRank(i.severity) >= severityRank(o.failOn));
  const perKloc = o.kloc && o.kloc > 0 ? Math.round((unsuppressed.length / o.kloc) * 100) / 100 : null;
  const reasons: string[] = [];
  if (gating.length) reasons.push(`${gating.length} ${base ? 'newly introduced' : 'open'} issue${gating.length === 1 ? '' : 's'} at ${o.failOn} or above`);
  if (o.maxPerKloc !== null && perKloc !== null && perKloc > o.maxPerKloc) reasons.push(`${perKloc} open issues per 1,000 lines, above ${o.maxPerKloc}`);
  const bySev = { critical: 0, high: 0, medium: 0, low: 0 } as Record<Severity, number>;
  for (const i of unsuppressed) bySev[i.severity]++;
  const order = { new: 0, open: 1, fixed: 2 } as const;
  issues.sort(
    (a, b) =>
      order[a.state] - order[b.state] ||
      severityRank(b.severity) - severityRank(a.severity) ||
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.id.localeCompare(b.id),
  );
  return {
    pass: reasons.length === 0,
    fail_on: o.failOn,
    has_base: base !== null,
    issues,
    counts: {
      new: live.filter((i) => i.state === 'new').length,
      open: live.length,
      fixed: issues.length - live.length,
      suppressed: live.filter(active).length,
      findings: o.findings,
      gating: gating.length,
    },
    by_severity: bySev,
    kloc: o.kloc,
    per_kloc: perKloc,
    max_per_kloc: o.maxPerKloc,
    tools: [...new Set(head.flatMap((i) => i.tools))].sort(),
    reasons,
  };
}
