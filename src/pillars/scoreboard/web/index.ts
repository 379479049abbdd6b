// The Scoreboard page: the week's teams and people ranked by points, every outcome with the rule
// that ruled it out, the formula's legend; previous/next week links (?week=2026-W49).
import { api, card, go, h, help, kpi, local, num, params, table, type Col, type PageView } from '../../../core/web/index.js';

const TITLES: Record<string, string> = {
  red_fixed: 'red builds fixed fast',
  flaky_fixed: 'flaky tests fixed',
  resilience: 'resilience raised',
  coverage: 'coverage raised',
  savings: 'minutes and CO2e saved',
};
const CATS = Object.keys(TITLES);
const pts = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** Rank, name and points: the first columns of both rankings. */
const rankCols = (who: string): Col<any>[] => [
  { key: 'rank', label: '#', num: true },
  { key: 'name', label: who },
  { key: 'points', label: 'points', num: true, fmt: (r) => pts(r.points) },
];

export const scoreboardPage: PageView = async (main) => {
  const week = params().get('week');
  const b = await api(`/api/v1/scoreboard${week ? `?week=${encodeURIComponent(week)}` : ''}`);
  main.append(
    h('h1', {}, `Scoreboard, week ${b.week}`),
    h(
      'p',
      { class: 'muted' },
      h('a', { href: '#', 'data-testid': 'week-previous', onclick: (e: Event) => (e.preventDefault(), go({ week: b.previous })) }, `← ${b.previous}`),
      ` ${b.from.slice(0, 10)} to ${new Date(Date.parse(b.to) - 1).toISOString().slice(0, 10)} (UTC) `,
      h('a', { href: '#', 'data-testid': 'week-next', onclick: (e: Event) => (e.preventDefault(), go({ week: b.next })) }, `${b.next} →`),
    ),
  );
  const legend = help(h('ul', {}, ...b.legend.map((l: string) => h('li', {}, l))), 'how points are earned');
  if (!b.teams.length) {
    main.append(
      h('div', { class: 'empty', 'data-testid': 'empty-scoreboard' }, 'No team takes part yet: list the teams in scoreboard.teams in ci-intel.yml.'),
      legend,
    );
    return;
  }
  const leader = b.teams[0];
  const ruledOut = b.awards.filter((a: any) => a.ruled_out).length;
  main.append(
    h(
      'div',
      { class: 'kpis' },
      kpi('leader', 'Leading team', leader.points > 0 ? leader.name : 'nobody yet', leader.name, `${pts(leader.points)} points`),
      kpi('outcomes', 'Outcomes this week', num(b.awards.length), b.awards.length),
      kpi('ruled-out', 'Earned nothing under the rules', num(ruledOut), ruledOut, legend),
    ),
    card(
      'Teams',
      table(
        'scoreboard-teams',
        [
          ...rankCols('team'),
          ...CATS.map((c) => ({ key: c, label: TITLES[c]!, num: true, value: (r: any) => r.categories[c], fmt: (r: any) => pts(r.categories[c]) })),
        ],
        b.teams,
      ),
    ),
    card(
      'People',
      table('scoreboard-people', [...rankCols('person'), { key: 'teams', label: 'teams', fmt: (r) => r.teams.join(', ') }], b.people, {
        empty: 'No points for anyone this week.',
      }),
    ),
    card(
      'Outcomes',
      table(
        'scoreboard-awards',
        [
          { key: 'at', label: 'when', fmt: (r) => local(r.at) },
          { key: 'category', label: 'for', fmt: (r) => TITLES[r.category] ?? r.category },
          { key: 'repo', label: 'repository' },
          { key: 'person', label: 'who', fmt: (r) => r.person ?? `team (${r.teams.join(', ')})` },
          { key: 'points', label: 'points', num: true, fmt: (r) => pts(r.points) },
          { key: 'ruled_out', label: 'no points because', fmt: (r) => r.ruled_out ?? '' },
          { key: 'detail', label: 'what happened' },
        ],
        [...b.awards].reverse(),
        { empty: 'No outcome this week.' },
      ),
    ),
  );
};

export const scoreboardViews: Record<string, PageView> = { scoreboard: scoreboardPage };
