// The job report as people read it: Markdown for the sticky pull-request comment and the job
// summary, and check-run annotations at file:line — every failure, none silently dropped.
import { pct, type JobReport } from './analyze.js';

/** Marks our comment among a pull request's comments, so later runs edit it instead of adding one. */
export const COMMENT_MARKER = '<!-- ci-intel:report -->';

/** GitHub refuses comment bodies over 65,536 characters. */
export const MAX_COMMENT_CHARS = 65_536;

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  title: string;
  message: string;
}

const firstLine = (s: string | null) =>
  (s ?? '')
    .split('\n')
    .find((l) => l.trim() !== '')
    ?.trim() ?? '';
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
/** Text inside Markdown table cells and inline code: no pipes, backticks or newlines break out. */
const cell = (s: string) =>
  s
    .replace(/\|/g, '\\|')
    .replace(/`/g, "'")
    .replace(/\s*\n\s*/g, ' ');

export function gatesPassed(r: JobReport): boolean {
  return r.gates.every((g) => g.pass);
}

export function headline(r: JobReport): string {
  const failed = r.gates.filter((g) => !g.pass);
  if (!r.gates.length) return 'ci-intel: nothing to gate';
  return failed.length
    ? `ci-intel: ${failed.length} of ${r.gates.length} gates failed (${failed.map((g) => g.name).join(', ')})`
    : `ci-intel: all ${r.gates.length} gates passed`;
}

/**
 * The report in Markdown. `limit` bounds the text (a PR comment); what does not fit is cut at a
 * section boundary and the cut is said, with where to read the rest.
 */
export function renderMarkdown(r: JobReport, opts: { limit?: number; runUrl?: string | null; marker?: boolean } = {}): string {
  const sections: string[] = [];
  const head = [opts.marker ? COMMENT_MARKER : '', `### ${headline(r)}`, ''];
  if (r.gates.length) {
    head.push('| gate | result | |', '|---|---|---|');
    for (const g of r.gates) head.push(`| ${g.name} | ${g.pass ? 'passed' : '**failed**'} | ${cell(g.reason)} |`);
  }
  if (r.trace) head.push('', r.trace.url ? `Trace: [\`${r.trace.trace_id}\`](${r.trace.url})` : `Trace: \`${r.trace.trace_id}\``);
  sections.push(head.join('\n').trimStart());

  if (r.tests) {
    const t = r.tests;
    const lines = [`#### Tests: ${t.total} run, ${t.failures.length} failing, ${t.skipped} skipped`];
    for (const f of t.failures) {
      const where = f.file ? ` (${f.file}${f.line ? `:${f.line}` : ''})` : '';
      lines.push(`- \`${cell(clip(f.id, 200))}\`${where}${f.message ? ` — ${cell(clip(firstLine(f.message), 300))}` : ''}`);
    }
    sections.push(lines.join('\n'));
  }
  for (const l of r.logs) {
    if (!l.root_causes.length) continue;
    const lines = [`#### Why ${l.log} failed`];
    for (const c of l.root_causes) {
      lines.push(`- **${c.category}** (${c.tool}) ${cell(clip(c.message, 300))} — line ${c.evidence.line}: \`${cell(clip(c.evidence.text.trim(), 200))}\``);
      if (c.suggestion) lines.push(`  ${cell(clip(c.suggestion, 300))}`);
      if (c.repro) lines.push(`  reproduce: \`${cell(clip(c.repro, 200))}\``);
    }
    sections.push(lines.join('\n'));
  }
  if (r.mutation && r.mutation.score !== null) {
    const m = r.mutation;
    const lines = [
      `#### Test resilience: ${pct(m.score!)}${m.label ? ` — ${m.label}` : ''}`,
      `${m.killed} of ${m.mutants_total - m.equiv} mutants caught${m.delta_vs_main !== null ? `, ${m.delta_vs_main >= 0 ? '+' : ''}${(m.delta_vs_main * 100).toFixed(1)} points against the baseline` : ''}.`,
    ];
    for (const h of m.hotspots.slice(0, 3)) lines.push(`- ${h.file}: ${h.survived + h.no_coverage} mutants undetected`);
    sections.push(lines.join('\n'));
  }
  if (r.determinism?.length) sections.push(determinismSection(r.determinism));
  if (r.coverage) {
    sections.push(
      `#### Coverage: ${r.coverage.lines_pct === null ? 'no line data' : `${r.coverage.lines_pct.toFixed(1)}% of lines`} in ${r.coverage.files} files`,
    );
  }

  const all = sections.join('\n\n') + '\n';
  if (!opts.limit || all.length <= opts.limit) return all;
  const where = opts.runUrl ? `the run on the hub: ${opts.runUrl}` : 'the job summary and the check run';
  const note = (cut: number) =>
    `\n\n_The report is longer than a comment may be: ${cut} section${cut === 1 ? '' : 's'} cut here. Read all of it in ${where}._\n`;
  let out = sections[0]!;
  let used = 1;
  for (const s of sections.slice(1)) {
    if (out.length + 2 + s.length + note(sections.length - used).length > opts.limit) break;
    out += `\n\n${s}`;
    used++;
  }
  // A first section too long on its own (hundreds of failing tests) is cut by lines.
  if (out.length + note(1).length > opts.limit) out = out.slice(0, opts.limit - note(1).length - 2).replace(/\n[^\n]*$/, '');
  return out + note(sections.length - used || 1);
}

/** The commit's reproducibility verdicts: a row per artifact with its classes and the first difference, the fix per drifting artifact. */
function determinismSection(vs: NonNullable<JobReport['determinism']>): string {
  const ok = vs.filter((v) => v.verdict === 'reproducible').length;
  const lines = [
    `#### Reproducible builds: ${ok} of ${vs.length} artifact${vs.length === 1 ? '' : 's'} reproducible`,
    '',
    '| artifact | verdict | differences | first |',
    '|---|---|---|---|',
  ];
  for (const v of vs) {
    const classes = Object.entries(v.classes)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ');
    const first = v.first_difference ? `\`${cell(clip(v.first_difference.where, 120))}\` ${cell(clip(v.first_difference.detail, 160))}` : '';
    lines.push(`| ${cell(v.artifact)} | ${v.verdict === 'reproducible' ? v.verdict : `**${v.verdict}**`} | ${classes} | ${first} |`);
  }
  for (const v of vs) if (v.hint) lines.push(`- fix for ${cell(v.artifact)}: ${cell(clip(v.hint, 300))}`);
  return lines.join('\n');
}

/** One annotation per failing test, per root cause and per failed gate; a failure without a file is put on its report or log. */
export function annotations(r: JobReport, inputs: { mutation?: string; coverage?: string[] }): Annotation[] {
  const out: Annotation[] = [];
  for (const f of r.tests?.failures ?? []) {
    const line = f.line ?? 1;
    out.push({
      path: f.file ?? f.report,
      start_line: line,
      end_line: line,
      annotation_level: 'failure',
      title: clip(`${f.status === 'errored' ? 'Error in' : 'Failed'}: ${f.id}`, 255),
      message: clip(f.message ?? `${f.id} ${f.status}`, 64_000),
    });
  }
  for (const l of r.logs) {
    for (const c of l.root_causes) {
      const onFile = c.file !== null && c.line !== null;
      out.push({
        path: onFile ? c.file! : l.log,
        start_line: onFile ? c.line! : c.evidence.line,
        end_line: onFile ? c.line! : c.evidence.line,
        annotation_level: c.severity === 'error' ? 'failure' : c.severity === 'warn' ? 'warning' : 'notice',
        title: clip(`${c.category} (${c.tool})`, 255),
        message: clip([c.message, c.evidence.text.trim(), c.suggestion].filter(Boolean).join('\n'), 64_000),
      });
    }
  }
  for (const g of r.gates) {
    if (g.pass || g.name === 'tests') continue; // failing tests are annotated one by one above
    out.push({
      // On the file the gate judged: GitHub refuses an annotation without a file path.
      path: (g.name === 'mutation' ? inputs.mutation : inputs.coverage?.[0]) ?? 'ci-intel',
      start_line: 1,
      end_line: 1,
      annotation_level: 'failure',
      title: `Gate ${g.name} failed`,
      message: g.reason,
    });
  }
  return out;
}
