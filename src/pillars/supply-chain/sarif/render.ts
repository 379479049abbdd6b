// Text, Markdown and JSON for the SARIF report (one line per issue, stable order).
import type { ReportedIssue, SarifReport } from './report.js';

const where = (i: ReportedIssue) => `${i.file || '(no file)'}${i.line ? `:${i.line}` : ''}`;
const cwe = (i: ReportedIssue) => (i.cwes.length ? ` (${i.cwes.map((c) => `CWE-${c}`).join(', ')})` : '');
const firstLine = (s: string) => {
  const l = s.split('\n')[0]!;
  return l.length > 140 ? `${l.slice(0, 139)}…` : l;
};
function supText(i: ReportedIssue): string {
  const s = i.suppression;
  if (!s) return '';
  if (s.source === 'sarif') return ` — suppressed in source: ${s.reason}`;
  const day = s.expires!.slice(0, 10);
  return s.expired ? ` — suppression expired ${day} (${s.reason})` : ` — suppressed until ${day}${s.by ? ` by ${s.by}` : ''}: ${s.reason}`;
}

function summary(r: SarifReport): string {
  const merged = r.counts.findings - r.counts.open;
  return (
    `${r.counts.findings} finding${r.counts.findings === 1 ? '' : 's'} from ${r.tools.length} tool${r.tools.length === 1 ? '' : 's'} (${r.tools.join(', ')}) → ` +
    `${r.counts.open} issue${r.counts.open === 1 ? '' : 's'}${merged > 0 ? ` (${merged} duplicate report${merged === 1 ? '' : 's'} merged)` : ''}` +
    (r.has_base ? `: ${r.counts.new} new, ${r.counts.open - r.counts.new} already in the base, ${r.counts.fixed} fixed` : '') +
    (r.counts.suppressed ? `; ${r.counts.suppressed} suppressed` : '')
  );
}

function density(r: SarifReport): string | null {
  if (r.per_kloc === null) return null;
  return `${r.per_kloc} open issues per 1,000 lines of code (${r.kloc!.toFixed(1)} thousand lines)${r.max_per_kloc !== null ? `, limit ${r.max_per_kloc}` : ''}`;
}

export function renderSarifText(r: SarifReport): string {
  const out = [summary(r)];
  for (const i of r.issues)
    out.push(
      `${i.state.padEnd(5)}  ${i.severity.padEnd(8)}  ${where(i)}  ${firstLine(i.message)}${cwe(i)}  [${i.reports.join('; ')}]  id ${i.id}${supText(i)}`,
    );
  const d = density(r);
  if (d) out.push(d);
  out.push(r.pass ? `PASS: no newly introduced issue at ${r.fail_on} or above` : `FAIL: ${r.reasons.join('; ')}`);
  return `${out.join('\n')}\n`;
}

const md = (s: string) => s.replace(/[|\\`*_<>[\]]/g, (c) => `\\${c}`);

export function renderSarifMarkdown(r: SarifReport): string {
  const out = [`### Static analysis: ${r.pass ? 'passed' : 'failed'}`, '', md(summary(r)), ''];
  if (!r.pass) out.push(`**${md(r.reasons.join('; '))}**`, '');
  const shown = r.issues.filter((i) => i.state !== 'open' || !r.has_base);
  if (shown.length) {
    out.push('| | Severity | Where | Issue | Reported by |', '|---|---|---|---|---|');
    for (const i of shown)
      out.push(
        `| ${i.state} | ${i.severity} | \`${md(where(i))}\` | ${md(firstLine(i.message))}${md(cwe(i))}${md(supText(i))} | ${md(i.reports.join(', '))} |`,
      );
    out.push('');
  }
  const d = density(r);
  if (d) out.push(md(d), '');
  return `${out.join('\n')}`;
}

export const renderSarifJson = (r: SarifReport) => `${JSON.stringify(r)}\n`;
