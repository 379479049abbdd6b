// The report of `repro` and `repro diff`: a verdict per artifact with its classified differences
// and the fix per class — as text, Markdown (the PR summary) or one JSON object per artifact.
import { DIFF_CLASSES, type ArtifactVerdict, type DiffClass } from './model.js';
import { ecosystemOfArtifact, hintFor, type Ecosystem } from './hints.js';

export interface ReportVerdict extends ArtifactVerdict {
  hints: { class: DiffClass; fix: string }[];
}

/** Adds the fix for each class found, for the artifact's ecosystem (or the work tree's). */
export function withHints(v: ArtifactVerdict, eco?: Ecosystem): ReportVerdict {
  const e =
    eco && eco !== 'generic'
      ? eco
      : ecosystemOfArtifact(
          v.artifact,
          v.differences.map((d) => d.where),
        );
  const hints = DIFF_CLASSES.filter((c) => v.classes[c]).map((c) => ({ class: c, fix: hintFor(c, e) }));
  return { ...v, hints };
}

const classList = (v: ArtifactVerdict) =>
  DIFF_CLASSES.filter((c) => v.classes[c])
    .map((c) => `${c} ${v.classes[c]}`)
    .join(', ');

export function renderText(vs: ReportVerdict[]): string {
  const lines: string[] = [];
  for (const v of vs) {
    lines.push(`${v.artifact}: ${v.verdict}${v.verdict === 'reproducible' ? '' : ` — ${classList(v) || 'nothing classified'}`}`);
    for (const d of v.differences) lines.push(`  ${d.class.padEnd(17)} ${d.where}  ${d.detail}`);
    const shown = v.differences.length;
    const total = Object.values(v.classes).reduce((s, n) => s + (n ?? 0), 0);
    if (total > shown) lines.push(`  … and ${total - shown} more of the same classes`);
    for (const n of v.notes) lines.push(`  note: ${n}`);
    for (const h of v.hints) lines.push(`  fix (${h.class}): ${h.fix}`);
  }
  const bad = vs.filter((v) => v.verdict !== 'reproducible').length;
  lines.push(`${vs.length - bad} of ${vs.length} artifact${vs.length === 1 ? '' : 's'} reproducible`);
  return lines.join('\n') + '\n';
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(vs: ReportVerdict[], title = 'Reproducible build check'): string {
  const bad = vs.filter((v) => v.verdict !== 'reproducible').length;
  const out = [`### ${title}: ${vs.length - bad} of ${vs.length} artifacts reproducible`, '', '| artifact | verdict | differences |', '|---|---|---|'];
  for (const v of vs) out.push(`| \`${mdCell(v.artifact)}\` | ${v.verdict} | ${mdCell(classList(v)) || '—'} |`);
  for (const v of vs.filter((x) => x.verdict !== 'reproducible')) {
    out.push('', `<details><summary><code>${v.artifact}</code>: ${classList(v)}</summary>`, '');
    for (const d of v.differences.slice(0, 10)) out.push(`- **${d.class}** \`${mdCell(d.where)}\`: ${mdCell(d.detail)}`);
    for (const h of v.hints) out.push(`- fix (${h.class}): ${mdCell(h.fix)}`);
    out.push('', '</details>');
  }
  return out.join('\n') + '\n';
}

export const renderJsonLines = (vs: ReportVerdict[]) => vs.map((v) => JSON.stringify(v)).join('\n') + (vs.length ? '\n' : '');
