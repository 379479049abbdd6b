// Findings of several tools and tool versions → one issue per flaw (rule + location + fingerprint).
// Two findings are one issue when they sit on the same line text of the same file (the line hash)
// and either come from the same tool and rule (any version: ESLint 8 and 9 re-reporting `no-eval`)
// or name the same weakness (clang's CWE-119 and Flawfinder's CWE-120 on one strcpy).
import { createHash } from 'node:crypto';
import { sameWeakness } from './cwe.js';
import { severityRank, type SarifFinding, type Severity } from './normalize.js';

export interface SarifIssue {
  /** Stable id: the smallest of its findings' keys (sha256 of tool, rule and line hash), 16 hex digits. */
  id: string;
  /** Every finding key it holds: a suppression or a base issue matching any of them matches the issue. */
  keys: string[];
  severity: Severity;
  file: string;
  line: number;
  line_hash: string;
  cwes: number[];
  /** `tool@version rule` of each report, sorted. */
  reports: string[];
  tools: string[];
  rules: string[];
  message: string;
  suppressed?: { justification: string };
}

export const findingKey = (f: Pick<SarifFinding, 'tool' | 'rule_id' | 'line_hash'>) =>
  createHash('sha256').update(`${f.tool}\0${f.rule_id}\0${f.line_hash}`).digest('hex').slice(0, 16);

/** True when two issues (e.g. of the base and of the change, or an issue and a finding) are the same flaw. */
export function sameIssue(a: Pick<SarifIssue, 'line_hash' | 'keys' | 'cwes'>, b: Pick<SarifIssue, 'line_hash' | 'keys' | 'cwes'>): boolean {
  if (a.line_hash !== b.line_hash) return false;
  if (a.keys.some((k) => b.keys.includes(k))) return true;
  return a.cwes.length > 0 && b.cwes.length > 0 && sameWeakness(a.cwes, b.cwes);
}

const uniqSorted = <T>(xs: T[]) => [...new Set(xs)].sort();

/** Deduplicates findings into issues, sorted by severity (worst first), file and line. */
export function dedupe(findings: SarifFinding[]): SarifIssue[] {
  const byLine = new Map<string, SarifIssue[]>();
  const sorted = [...findings].sort((a, b) => `${a.tool}\0${a.rule_id}\0${a.tool_version}`.localeCompare(`${b.tool}\0${b.rule_id}\0${b.tool_version}`));
  for (const f of sorted) {
    const list = byLine.get(f.line_hash) ?? [];
    byLine.set(f.line_hash, list);
    const key = findingKey(f);
    const report = `${f.tool}${f.tool_version ? `@${f.tool_version}` : ''} ${f.rule_id}`;
    const hit = list.find((i) => sameIssue(i, { line_hash: f.line_hash, keys: [key], cwes: f.cwes }));
    if (!hit) {
      list.push({
        id: key,
        keys: [key],
        severity: f.severity,
        file: f.file,
        line: f.line,
        line_hash: f.line_hash,
        cwes: f.cwes,
        reports: [report],
        tools: [f.tool],
        rules: [f.rule_id],
        message: f.message,
        ...(f.suppressed ? { suppressed: f.suppressed } : {}),
      });
      continue;
    }
    hit.keys = uniqSorted([...hit.keys, key]);
    hit.id = hit.keys[0]!;
    if (severityRank(f.severity) > severityRank(hit.severity)) [hit.severity, hit.message] = [f.severity, f.message];
    hit.cwes = uniqSorted([...hit.cwes, ...f.cwes]).sort((a, b) => a - b);
    hit.reports = uniqSorted([...hit.reports, report]);
    hit.tools = uniqSorted([...hit.tools, f.tool]);
    hit.rules = uniqSorted([...hit.rules, f.rule_id]);
    if (!hit.suppressed && f.suppressed) hit.suppressed = f.suppressed;
  }
  return [...byLine.values()]
    .flat()
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.file.localeCompare(b.file) || a.line - b.line || a.id.localeCompare(b.id));
}
