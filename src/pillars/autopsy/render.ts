// Output of an analysis: terminal text, `--json` lines and Markdown in the shape of seed 000's
// "Issue template" (build, root causes with fix, artifacts, repro steps).
import type { RootCause } from '../../core/model/index.js';

export interface AnalysisOutput {
  log: string;
  failed: boolean;
  root_causes: RootCause[];
}

function decided(rc: RootCause): string {
  // The abstention (analyze.ts UNEXPLAINED_ID): no rule matched, the classifier was not confident enough.
  if ('rule_id' in rc.decided_by && rc.decided_by.rule_id === 'structure.unexplained')
    return 'no rule matched and the classifier is not confident enough to name a cause';
  return 'rule_id' in rc.decided_by
    ? `rule ${rc.decided_by.rule_id} (matched ${JSON.stringify(rc.pattern.slice(0, 120))})`
    : `model ${rc.decided_by.model}, confidence ${rc.decided_by.confidence} (no rule matched)`;
}

const where = (rc: RootCause) => (rc.file ? ` ${rc.file}${rc.line ? `:${rc.line}` : ''}` : '');

export function renderText(a: AnalysisOutput): string {
  if (!a.failed) return `${a.log}: no failure found\n`;
  if (!a.root_causes.length) return `${a.log}: failed, but no root cause could be named\n`;
  const out: string[] = [`${a.log}: ${a.root_causes.length} root cause${a.root_causes.length > 1 ? 's' : ''}, most likely first`];
  a.root_causes.forEach((rc, i) => {
    out.push(`  ${i + 1}. [${rc.category}] ${rc.tool}${where(rc)} (${rc.severity})`);
    out.push(`     ${rc.message}`);
    for (const b of rc.evidence.before) out.push(`       | ${b}`);
    out.push(`  ${String(rc.evidence.line).padStart(5)}> | ${rc.evidence.text}`);
    for (const b of rc.evidence.after) out.push(`       | ${b}`);
    out.push(`     fix: ${rc.suggestion}`);
    if (rc.repro) out.push(`     repro: ${rc.repro}`);
    if (rc.docs_uri) out.push(`     docs: ${rc.docs_uri}`);
    out.push(`     why: ${decided(rc)}; signature ${rc.signature}`);
  });
  return out.join('\n') + '\n';
}

export function renderJson(a: AnalysisOutput): string {
  return JSON.stringify({ log: a.log, failed: a.failed, root_causes: a.root_causes }) + '\n';
}

export interface ReportContext {
  /** Build label: `#128`, a run id, or the log name. */
  build: string;
  /** Links to artifacts (logs, JUnit) when known. */
  artifacts?: Array<{ name: string; uri: string }>;
}

/** Markdown in the seed's issue-template shape. */
export function renderMarkdown(analyses: AnalysisOutput[], ctx: ReportContext): string {
  const causes = analyses.flatMap((a) => a.root_causes.map((rc) => ({ log: a.log, rc })));
  const out: string[] = [`## 🚨 Build ${ctx.build} root causes`, ''];
  if (!causes.length) out.push(analyses.some((a) => a.failed) ? '- failed, but no root cause could be named' : '- no failure found');
  for (const { rc } of causes) {
    out.push(`- **${rc.tool}**: ${rc.message.replace(/\s+/g, ' ')}${rc.file ? ` in \`${rc.file}${rc.line ? `:${rc.line}` : ''}\`` : ''} _(${rc.category})_`);
    out.push(`  - Fix: ${rc.suggestion}`);
    if (rc.docs_uri) out.push(`  - Docs: ${rc.docs_uri}`);
    out.push(`  - Why: ${decided(rc)}; signature \`${rc.signature}\``);
  }
  out.push('', '### Evidence', '');
  for (const { log, rc } of causes) {
    out.push(`\`${log}\` line ${rc.evidence.line}:`, '', '```text', ...rc.evidence.before, rc.evidence.text, ...rc.evidence.after, '```', '');
  }
  out.push('### Artifacts', '');
  const arts = ctx.artifacts?.length ? ctx.artifacts : analyses.map((a) => ({ name: a.log, uri: '' }));
  for (const a of arts) out.push(a.uri ? `- [${a.name}](${a.uri})` : `- ${a.name}`);
  out.push('', '### Repro steps', '');
  const repros = [...new Set(causes.map((c) => c.rc.repro).filter((r): r is string => !!r))];
  if (repros.length) out.push('```sh', ...repros, '```');
  else out.push('- no repro command shown in the log: re-run the failed step locally');
  return out.join('\n') + '\n';
}
