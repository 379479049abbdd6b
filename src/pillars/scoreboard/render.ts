// What people read of a board: the legend of the formula (CLI help, Markdown, the page and the
// static site all show these lines), a plain-text table and Markdown.
import { CATEGORIES, CATEGORY_TITLES, POINTS } from './formula.js';
import type { Board } from './score.js';
import type { ScoreboardConfig } from './config.js';

/** The formula in words, with this hub's settings. */
export function legend(cfg: Pick<ScoreboardConfig, 'dailyCap' | 'fixWindowHours' | 'stableRuns' | 'trailingWeeks' | 'defaultBranches'>): string[] {
  return [
    `red builds fixed fast: ${POINTS.redFixed} points for turning a red ${cfg.defaultBranches.join('/')} green, less in proportion to the hours it stayed red, nothing after ${cfg.fixWindowHours} h`,
    `flaky tests fixed: ${POINTS.flakyFixed} points when a flaky test then passes ${cfg.stableRuns} runs in a row without being quarantined`,
    `resilience raised: ${POINTS.resilience} points when a chaos fault the pipeline failed or degraded under is recovered from`,
    `coverage raised: ${POINTS.coveragePerPoint} points per percentage point of line coverage above the previous high, only if more mutants are killed`,
    `minutes and CO2e saved (team): ${POINTS.per10Minutes} point per 10 pipeline minutes and ${POINTS.per100Grams} per 100 g CO2e below the median of the ${cfg.trailingWeeks} weeks before`,
    `no points for: re-running the same commit, reverting your own breaking commit, quarantining a test, coverage that kills no more mutants, runs with fewer tests than before`,
    `at most ${cfg.dailyCap} points per person per day, and per repository's savings per week`,
  ];
}

const pts = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - s.length));

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows]
    .map((r) =>
      r
        .map((c, i) => pad(c, w[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const CAT_HEAD = CATEGORIES.map((c) => CATEGORY_TITLES[c]);

export function renderText(b: Board, legendLines: string[]): string {
  if (!b.teams.length) return `week ${b.week}: no team takes part (set scoreboard.teams in ci-intel.yml)\n`;
  const teams = table(
    ['#', 'team', 'points', ...CAT_HEAD],
    b.teams.map((t) => [String(t.rank), t.name, pts(t.points), ...CATEGORIES.map((c) => pts(t.categories[c]))]),
  );
  const people = b.people.length
    ? table(
        ['#', 'person', 'points', ...CAT_HEAD.slice(0, 4)],
        b.people.map((p) => [String(p.rank), p.name, pts(p.points), ...CATEGORIES.slice(0, 4).map((c) => pts(p.categories[c]))]),
      )
    : 'no points for anyone this week';
  const out = b.awards.filter((a) => a.ruled_out).length;
  return (
    `week ${b.week} (${b.from.slice(0, 10)} to ${b.to.slice(0, 10)}, exclusive)\n\nteams\n${teams}\n\npeople\n${people}\n\n` +
    `${b.awards.length} outcomes, ${out} earned nothing under the rules (--json lists each with its reason)\n\nhow points are earned\n` +
    legendLines.map((l) => `  - ${l}`).join('\n') +
    '\n'
  );
}

const mdRow = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;

export function renderMarkdown(b: Board, legendLines: string[]): string {
  const lines = [`## Scoreboard, week ${b.week}`, ''];
  if (!b.teams.length) return `${lines.join('\n')}\nNo team takes part (set \`scoreboard.teams\` in ci-intel.yml).\n`;
  lines.push(mdRow(['#', 'team', 'points', ...CAT_HEAD]), mdRow(['---', '---', '---:', ...CAT_HEAD.map(() => '---:')]));
  for (const t of b.teams) lines.push(mdRow([String(t.rank), t.name, pts(t.points), ...CATEGORIES.map((c) => pts(t.categories[c]))]));
  lines.push('', mdRow(['#', 'person', 'points', 'teams']), mdRow(['---', '---', '---:', '---']));
  for (const p of b.people) lines.push(mdRow([String(p.rank), p.name, pts(p.points), p.teams.join(', ')]));
  lines.push('', '<details><summary>How points are earned</summary>', '', ...legendLines.map((l) => `- ${l}`), '', '</details>', '');
  return lines.join('\n');
}
