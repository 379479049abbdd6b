// `ci-intel scoreboard export --out DIR`: the leaderboard as a static site for GitHub Pages —
// index.html (no script, every text escaped), scoreboard.json (the API's answer) and one SVG badge
// per team (badges/<team>.svg, the hub's badge style), ready to commit to a gh-pages branch.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { escapeXml, renderBadge, type BadgeColour } from '../../core/badge.js';
import { CATEGORIES, CATEGORY_TITLES } from './formula.js';
import type { Board } from './score.js';

const pts = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** The team's badge: its rank and points of the week (green for the leader, yellow with points, grey without). */
export function teamBadge(t: Board['teams'][number]): string {
  const colour: BadgeColour = t.points <= 0 ? 'grey' : t.rank === 1 ? 'green' : 'yellow';
  return renderBadge(`scoreboard ${t.name}`, `#${t.rank} · ${pts(t.points)} pts`, colour);
}

export function siteHtml(b: Board & { legend: string[] }): string {
  const e = escapeXml;
  const row = (cells: string[], tag = 'td') => `<tr>${cells.map((c) => `<${tag}>${e(c)}</${tag}>`).join('')}</tr>`;
  const teams = b.teams.map((t) => row([String(t.rank), t.name, pts(t.points), ...CATEGORIES.map((c) => pts(t.categories[c]))])).join('\n');
  const people = b.people.map((p) => row([String(p.rank), p.name, pts(p.points), p.teams.join(', ')])).join('\n');
  const badges = b.teams
    .map((t) => `<img src="badges/${encodeURIComponent(t.name)}.svg" alt="${e(`${t.name}: #${t.rank}, ${pts(t.points)} points`)}">`)
    .join(' ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(`Scoreboard, week ${b.week}`)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.4 system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em}table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #ddd;padding:.3em .8em;text-align:left}td:nth-child(n+3){text-align:right}</style>
</head><body>
<h1>${e(`Scoreboard, week ${b.week}`)}</h1>
<p>${e(`${b.from.slice(0, 10)} to ${b.to.slice(0, 10)} (exclusive)`)} · <a href="scoreboard.json">scoreboard.json</a></p>
<p>${badges}</p>
<h2>Teams</h2>
<table>${row(['#', 'team', 'points', ...CATEGORIES.map((c) => CATEGORY_TITLES[c])], 'th')}
${teams}</table>
<h2>People</h2>
${b.people.length ? `<table>${row(['#', 'person', 'points', 'teams'], 'th')}\n${people}</table>` : '<p>No points for anyone this week.</p>'}
<h2>How points are earned</h2>
<ul>${b.legend.map((l) => `<li>${e(l)}</li>`).join('')}</ul>
</body></html>
`;
}

/** Writes the site; returns the files written, relative to `out`, sorted. */
export function writeSite(out: string, b: Board & { legend: string[] }): string[] {
  mkdirSync(path.join(out, 'badges'), { recursive: true });
  const files: Array<[string, string]> = [
    ['index.html', siteHtml(b)],
    ['scoreboard.json', JSON.stringify(b, null, 2) + '\n'],
    ...b.teams.map((t): [string, string] => [`badges/${t.name}.svg`, teamBadge(t)]),
  ];
  for (const [f, body] of files) writeFileSync(path.join(out, f), body);
  return files.map(([f]) => f).sort();
}
