// `sbom diff` output: text for a terminal, Markdown for a pull-request comment, one JSON object.
import type { Finding, SbomDiff } from './diff.js';

const fmtRisk = (n: number) => n.toFixed(1);
const vexNote = (f: Finding) => (f.vex ? ` — VEX ${f.vex.status}${f.vex.justification ? ` (${f.vex.justification})` : ''}` : '');

export function gateLine(d: SbomDiff): string {
  const worst = d.blocking[0] ?? d.introduced.find((f) => !f.vex || !['not_affected', 'fixed'].includes(f.vex.status));
  const value = worst ? fmtRisk(worst.risk) : '0.0';
  const reason = d.pass
    ? d.introduced.length
      ? `no new vulnerability at or above risk ${fmtRisk(d.maxRisk)} without a VEX not_affected/fixed statement`
      : 'no new vulnerabilities'
    : `${d.blocking.length} new vulnerabilit${d.blocking.length === 1 ? 'y' : 'ies'} at or above risk ${fmtRisk(d.maxRisk)} without a VEX statement: ${d.blocking.map((f) => `${f.id} in ${f.component.name} ${f.component.version}`).join(', ')}`;
  return `${d.pass ? 'PASS' : 'FAIL'} gate=sbom-diff value=${value} max=${fmtRisk(d.maxRisk)} reason=${reason}`;
}

export function renderText(d: SbomDiff): string {
  const lines = [`SBOM diff: ${d.base.source} (${d.base.components} components) → ${d.head.source} (${d.head.components} components)`];
  for (const c of d.added) lines.push(`  added    ${c.name} ${c.version}`);
  for (const c of d.changed) lines.push(`  changed  ${c.name} ${c.from.join(', ')} → ${c.to.join(', ')}`);
  for (const c of d.removed) lines.push(`  removed  ${c.name} ${c.version}`);
  if (!d.added.length && !d.changed.length && !d.removed.length) lines.push('  no component added, changed or removed');
  lines.push(`New vulnerabilities: ${d.introduced.length}`);
  for (const f of d.introduced)
    lines.push(
      `  ${f.id.padEnd(20)} ${`${f.component.name} ${f.component.version}`.padEnd(22)} ${f.severity.padEnd(8)} risk ${fmtRisk(f.risk)}  ${f.title ?? ''}${vexNote(f)}`,
    );
  lines.push(gateLine(d));
  return `${lines.join('\n')}\n`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(d: SbomDiff): string {
  const out = [
    `### SBOM diff ${d.pass ? '✅' : '❌'}`,
    '',
    `\`${d.base.source}\` (${d.base.components} components) → \`${d.head.source}\` (${d.head.components} components)`,
    '',
  ];
  if (d.added.length || d.changed.length || d.removed.length) {
    out.push('| change | component | version |', '|---|---|---|');
    for (const c of d.added) out.push(`| added | ${cell(c.name)} | ${cell(c.version)} |`);
    for (const c of d.changed) out.push(`| changed | ${cell(c.name)} | ${cell(c.from.join(', '))} → ${cell(c.to.join(', '))} |`);
    for (const c of d.removed) out.push(`| removed | ${cell(c.name)} | ${cell(c.version)} |`);
    out.push('');
  }
  if (d.introduced.length) {
    out.push('| vulnerability | component | severity | risk | VEX |', '|---|---|---|---|---|');
    for (const f of d.introduced)
      out.push(
        `| ${f.url ? `[${f.id}](${f.url})` : f.id} | ${cell(`${f.component.name} ${f.component.version}`)} | ${f.severity} | ${fmtRisk(f.risk)} | ${f.vex ? f.vex.status : ''} |`,
      );
    out.push('');
  }
  out.push(`\`${gateLine(d)}\``);
  return `${out.join('\n')}\n`;
}

export function renderJson(d: SbomDiff): string {
  return `${JSON.stringify({ ...d, gate: gateLine(d) })}\n`;
}
