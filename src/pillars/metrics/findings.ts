// Security and code-quality findings for release readiness (issue 8; seed 002): SARIF 2.1.0 files
// (any scanner or linter) and ESLint's JSON formatter output, reduced to counts per level and rule.
// Pure: parse a buffer, return summaries; bad input throws a CiError naming the JSON pointer.
import { CiError } from '../../core/errors.js';

export type FindingCategory = 'security' | 'quality';
export type Level = 'error' | 'warning' | 'note';

export interface RuleCount {
  rule_id: string;
  level: Level;
  count: number;
}

export interface FindingSummary {
  format: 'sarif' | 'eslint';
  tool: string;
  errors: number;
  warnings: number;
  notes: number;
  rules: RuleCount[];
}

/** Largest report accepted (after decompression): CodeQL SARIF for big repos runs to tens of MB. */
export const MAX_REPORT_BYTES = 128 * 1024 * 1024;

const LINTERS =
  /eslint|ruff|pylint|flake8|golangci|rubocop|stylelint|clippy|ktlint|checkstyle|spotbugs|pmd|shellcheck|hadolint|biome|oxlint|tflint|yamllint|markdownlint/i;

/** Where an uploaded SARIF counts when the caller does not say: linters are quality, scanners security. */
export function defaultCategory(tool: string): FindingCategory {
  return LINTERS.test(tool) ? 'quality' : 'security';
}

function bad(where: string, msg: string, file: string): never {
  throw new CiError('E_REPORT_INVALID', `${file}: ${msg}`, {
    where: `${file}: ${where || '/'}`,
    hint: 'send a SARIF 2.1.0 log (`version: "2.1.0"`, `runs[]`) or ESLint output from `eslint -f json`',
  });
}

export function parseFindings(buf: Buffer | string, file = 'report'): FindingSummary[] {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof buf === 'string' ? buf : buf.toString('utf8'));
  } catch (e) {
    bad('', `not JSON: ${(e as Error).message}`, file);
  }
  if (Array.isArray(doc)) return [parseEslint(doc, file)];
  if (doc && typeof doc === 'object' && Array.isArray((doc as { runs?: unknown }).runs)) return parseSarif(doc as SarifLog, file);
  return bad('', 'neither a SARIF log (an object with runs[]) nor ESLint JSON (an array of file results)', file);
}

interface SarifRule {
  id?: string;
  defaultConfiguration?: { level?: string; enabled?: boolean };
}
interface SarifResult {
  ruleId?: string;
  ruleIndex?: number;
  rule?: { id?: string; index?: number };
  level?: string;
  kind?: string;
  suppressions?: unknown[];
}
interface SarifLog {
  version?: string;
  runs: Array<{ tool?: { driver?: { name?: string; rules?: SarifRule[] } }; results?: SarifResult[] }>;
}

const LEVELS = new Set(['error', 'warning', 'note', 'none']);

function parseSarif(log: SarifLog, file: string): FindingSummary[] {
  if (log.version !== undefined && log.version !== '2.1.0') bad('/version', `SARIF version ${JSON.stringify(log.version)} is not 2.1.0`, file);
  return log.runs.map((run, i) => {
    const driver = run.tool?.driver;
    if (!driver || typeof driver.name !== 'string') bad(`/runs/${i}/tool/driver/name`, 'the run names no tool', file);
    const rules = Array.isArray(driver.rules) ? driver.rules : [];
    const byId = new Map(rules.filter((r) => typeof r?.id === 'string').map((r) => [r.id!, r]));
    const counts = new Map<string, RuleCount>();
    const s: FindingSummary = { format: 'sarif', tool: driver.name, errors: 0, warnings: 0, notes: 0, rules: [] };
    (run.results ?? []).forEach((r, j) => {
      if (!r || typeof r !== 'object') bad(`/runs/${i}/results/${j}`, 'a result must be an object', file);
      // Only failures count: kind pass/open/informational/notApplicable/review are not findings, and a
      // suppressed result was reviewed away (SARIF 2.1.0 §3.27.9, §3.27.23).
      if (r.kind !== undefined && r.kind !== 'fail') return;
      if (Array.isArray(r.suppressions) && r.suppressions.length > 0) return;
      const idx = r.ruleIndex ?? r.rule?.index;
      const rule = (typeof idx === 'number' ? rules[idx] : undefined) ?? byId.get(r.ruleId ?? r.rule?.id ?? '');
      // §3.27.10: the level defaults to the rule's default configuration, else "warning".
      const level = r.level ?? rule?.defaultConfiguration?.level ?? 'warning';
      if (!LEVELS.has(level)) bad(`/runs/${i}/results/${j}/level`, `unknown level ${JSON.stringify(level)}`, file);
      if (level === 'none') return;
      const ruleId = r.ruleId ?? r.rule?.id ?? rule?.id ?? '(no rule)';
      tally(s, counts, ruleId, level as Level);
    });
    s.rules = sortRules(counts);
    return s;
  });
}

function parseEslint(files: unknown[], file: string): FindingSummary {
  const s: FindingSummary = { format: 'eslint', tool: 'ESLint', errors: 0, warnings: 0, notes: 0, rules: [] };
  const counts = new Map<string, RuleCount>();
  files.forEach((f, i) => {
    const messages = (f as { messages?: unknown })?.messages;
    if (!f || typeof f !== 'object' || !Array.isArray(messages)) bad(`/${i}`, 'an ESLint file result needs messages[]', file);
    messages.forEach((m: { ruleId?: string | null; severity?: number; fatal?: boolean }, j: number) => {
      if (m?.severity !== 1 && m?.severity !== 2) bad(`/${i}/messages/${j}/severity`, 'severity must be 1 (warning) or 2 (error)', file);
      // A fatal message (parse error) has no rule: it is an error of its own.
      tally(s, counts, m.ruleId ?? (m.fatal ? '(parse error)' : '(no rule)'), m.severity === 2 ? 'error' : 'warning');
    });
  });
  s.rules = sortRules(counts);
  return s;
}

function tally(s: FindingSummary, counts: Map<string, RuleCount>, ruleId: string, level: Level) {
  if (level === 'error') s.errors++;
  else if (level === 'warning') s.warnings++;
  else s.notes++;
  const k = `${level}\u0000${ruleId}`;
  const c = counts.get(k);
  if (c) c.count++;
  else counts.set(k, { rule_id: ruleId, level, count: 1 });
}

const ORDER: Record<Level, number> = { error: 0, warning: 1, note: 2 };
function sortRules(counts: Map<string, RuleCount>): RuleCount[] {
  return [...counts.values()].sort((a, b) => ORDER[a.level] - ORDER[b.level] || b.count - a.count || (a.rule_id < b.rule_id ? -1 : 1));
}
