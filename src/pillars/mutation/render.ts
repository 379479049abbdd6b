// Renders a Summary for people: a terminal block, and a PR-comment-ready Markdown summary (issue 6
// "Outputs": score, delta, label, top 5 hotspots). Machines read `--json` (the Summary itself).
import type { Summary } from './summary.js';

export const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
export const pts = (d: number | null) => (d === null ? 'n/a' : `${d >= 0 ? '+' : '−'}${Math.abs(d * 100).toFixed(1)} pts`);

function headline(s: Summary): string {
  if (s.score === null) return 'no mutation data (no valid mutants: nothing was scored)';
  const delta = s.delta_vs_main === null ? '' : `, ${pts(s.delta_vs_main)} vs ${s.baseline?.source ?? 'baseline'}`;
  return `resilience ${pct(s.score)} (${s.killed} killed of ${s.mutants_total - s.equiv} scored${s.equiv ? `, ${s.equiv} equivalent excluded` : ''})${delta} — ${s.label}`;
}

export function formatText(s: Summary, name: string): string {
  const c = s.counts;
  const out = [
    `${name}: ${headline(s)}`,
    `  mutants ${s.mutants_total} valid · killed ${c.killed} · timeout ${c.timeout} · survived ${c.survived} · no coverage ${c.no_coverage} · equivalent ${c.equivalent}` +
      ` · not scored: compile errors ${c.compile_error}, runtime errors ${c.runtime_error}, ignored ${c.ignored}${c.pending ? `, pending ${c.pending}` : ''}`,
  ];
  if (s.equivalents.expired.length) out.push(`  warning: ${s.equivalents.expired.length} equivalent mark(s) expired: ${s.equivalents.expired.join(', ')}`);
  if (s.equivalents.contradicted.length)
    out.push(`  warning: ${s.equivalents.contradicted.length} mark(s) on mutants a test killed (not applied): ${s.equivalents.contradicted.join(', ')}`);
  if (s.equivalents.stale.length) out.push(`  note: ${s.equivalents.stale.length} mark(s) match no mutant any more: ${s.equivalents.stale.join(', ')}`);
  if (s.comparison) {
    const k = s.comparison;
    out.push(`  vs baseline: ${k.newly_survived.length} newly survived, ${k.newly_killed.length} newly killed, ${k.new.length} new, ${k.gone.length} gone`);
  }
  if (s.hotspots.length) {
    out.push('  hotspots (undetected × (1 + churn)):');
    for (const h of s.hotspots) {
      out.push(`    ${h.file}  score ${pct(h.score)}  survived ${h.survived}  no coverage ${h.no_coverage}  churn ${h.churn}`);
      for (const t of h.top) {
        out.push(`      ${h.file}:${t.line} ${t.mutator} [${t.status}] ${t.fingerprint}`);
        if (t.diff) out.push(...t.diff.split('\n').map((l) => `        ${l}`));
        else if (t.description) out.push(`        ${t.description}`);
      }
    }
  }
  return out.join('\n') + '\n';
}

const esc = (s: string) => s.replace(/\|/g, '\\|');

export function formatMarkdown(s: Summary): string {
  const c = s.counts;
  const badge = s.label === null ? 'no data' : s.level === 'fail' ? '`weak-tests` (below the failing threshold)' : `\`${s.label}\``;
  const out: string[] = [];
  out.push(`### Mutation testing: ${s.score === null ? 'no data' : `${pct(s.score)} resilience`}`);
  out.push('');
  if (s.score === null) {
    out.push('No valid mutants were tested, so there is no score (no data is not zero).');
    return out.join('\n') + '\n';
  }
  out.push(`**Label:** ${badge} · **Delta vs ${s.baseline?.source ?? 'main'}:** ${s.delta_vs_main === null ? 'no baseline' : pts(s.delta_vs_main)}`);
  out.push('');
  out.push('| mutants | killed | timeout | survived | no coverage | equivalent | resilience |');
  out.push('|---:|---:|---:|---:|---:|---:|---:|');
  out.push(`| ${s.mutants_total} | ${c.killed} | ${c.timeout} | ${c.survived} | ${c.no_coverage} | ${c.equivalent} | ${pct(s.score)} |`);
  out.push('');
  out.push(`Resilience = killed / (mutants − equivalent); thresholds: warn < ${s.thresholds.score_warn}, fail < ${s.thresholds.score_fail}.`);
  if (s.comparison) {
    const k = s.comparison;
    out.push('');
    out.push(
      `Compared with the baseline: **${k.newly_survived.length}** newly survived, ${k.newly_killed.length} newly killed, ${k.new.length} new, ${k.gone.length} gone.`,
    );
  }
  if (s.hotspots.length) {
    out.push('');
    out.push('#### Top hotspots');
    out.push('');
    out.push('| file | resilience | survived | no coverage | churn |');
    out.push('|---|---:|---:|---:|---:|');
    for (const h of s.hotspots) out.push(`| \`${esc(h.file)}\` | ${pct(h.score)} | ${h.survived} | ${h.no_coverage} | ${h.churn} |`);
    out.push('');
    out.push('<details><summary>Surviving mutants</summary>');
    out.push('');
    for (const h of s.hotspots) {
      for (const t of h.top) {
        out.push(`\`${esc(h.file)}:${t.line}\` ${t.mutator} (${t.status.replace('_', ' ')}, \`${t.fingerprint}\`)`);
        out.push('');
        out.push('```diff');
        out.push(t.diff ?? `# ${t.description ?? 'no source in the report'}`);
        out.push('```');
        out.push('');
      }
    }
    out.push('</details>');
  }
  return out.join('\n') + '\n';
}
