// The Reproducible builds page: per artifact, the share of checks that reproduced per day (a line
// chart), the commit its current drift began at, and the latest verdicts with their differences per
// class.
import { api, card, chart, h, help, kpi, local, num, params, pct, table, type PageView } from '../../../core/web/index.js';

const SEND =
  'Record checks from CI: ci-intel repro --record --hub URL --token T --repo OWNER/NAME --commit SHA -- BUILD, or ci-intel repro diff A B --record … for two builds you already have.';

export const determinismPage: PageView = async (main) => {
  const p = params();
  const days = Number(p.get('window') ?? '90') || 90;
  const repo = p.get('repo');
  const q = `?days=${days}${repo ? `&repo=${encodeURIComponent(repo)}` : ''}`;
  const [rates, hist] = await Promise.all([api(`/api/v1/determinism/artifacts${q}`), api(`/api/v1/determinism/history${q}`)]);
  main.append(h('h1', {}, 'Reproducible builds'));
  const artifacts: any[] = rates.artifacts;
  if (!artifacts.length) {
    main.append(h('div', { class: 'empty', 'data-testid': 'empty-determinism' }, `No reproducibility check in this window. ${SEND}`));
    return;
  }
  const label = (a: any) => `${repo ? '' : `${a.repo} · `}${a.artifact}`;
  const history: any[] = hist.artifacts;
  const allDays = [...new Set(history.flatMap((a) => a.days.map((d: any) => d.day)))].sort();
  const latest = new Map(history.map((a) => [`${a.repo}\n${a.artifact}`, a.latest]));
  const checks = artifacts.reduce((n, a) => n + a.checks, 0);
  main.append(
    h(
      'div',
      { class: 'kpis' },
      kpi(
        'determinism-rate',
        'Reproducible checks',
        pct(rates.reproducible_rate / 100),
        rates.reproducible_rate,
        help('Checks whose two builds gave the same bytes, over all checks in the window, all artifacts.'),
      ),
      kpi('determinism-checks', 'Checks', num(checks), checks),
      kpi('determinism-drifting', 'Drifting now', num(rates.drifting), rates.drifting, help('Artifacts whose latest check did not reproduce.')),
    ),
    card(
      'Reproducible checks per artifact and day',
      chart(
        'determinism-rate',
        {
          legend: { top: 0, type: 'scroll' },
          tooltip: { trigger: 'axis' },
          xAxis: { type: 'category', data: allDays },
          yAxis: { type: 'value', min: 0, max: 100, name: '% reproducible' },
          series: history.map((a) => {
            const by = new Map<string, any>(a.days.map((d: any) => [d.day, d]));
            return {
              name: label(a),
              type: 'line',
              connectNulls: true,
              data: allDays.map((d) => {
                const x = by.get(d);
                return x ? Math.round((1000 * x.reproducible) / x.checks) / 10 : null;
              }),
            };
          }),
        },
        { artifacts: history.length, days: allDays.length },
      ),
      help('Each point: the checks of that day (UTC) whose two builds were the same, in percent. A day without a check has no point.'),
    ),
    card(
      'Latest verdict per artifact',
      table(
        'determinism-artifacts',
        [
          { key: 'repo', label: 'repository' },
          { key: 'artifact', label: 'artifact' },
          { key: 'latest', label: 'latest verdict' },
          {
            key: 'classes',
            label: 'differences',
            fmt: (a) =>
              Object.entries(latest.get(`${a.repo}\n${a.artifact}`)?.classes ?? {})
                .map(([c, n]) => `${c} ${num(n as number)}`)
                .join(', ') || '–',
          },
          { key: 'rate_percent', label: 'reproducible', num: true, fmt: (a) => pct(a.rate_percent / 100) },
          { key: 'checks', label: 'checks', num: true, fmt: (a) => num(a.checks) },
          { key: 'first_drift_commit', label: 'drifting since', fmt: (a) => (a.first_drift_commit ? a.first_drift_commit.slice(0, 12) : '–') },
          { key: 'last_checked', label: 'last checked', fmt: (a) => local(a.last_checked) },
        ],
        artifacts,
      ),
      help('Drifting since: the first commit of the checks that have not reproduced since the last one that did.'),
    ),
  );
};

export const determinismViews: Record<string, PageView> = { determinism: determinismPage };
