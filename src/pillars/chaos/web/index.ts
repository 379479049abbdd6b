// The Chaos page: resilience under injected faults — per target and fault, the score of this
// window beside the previous one (a bar chart), and the figures behind it.
import { api, card, chart, dur, h, help, kpi, num, params, pct, score, table, type PageView } from '../../../core/web/index.js';

const SEND =
  'Record trials from CI: ci-intel chaos run --fault F --record --hub URL --token T -- STEP, or ci-intel chaos plan plan.yml; runs whose records carry chaos[] items count too.';

export const chaosPage: PageView = async (main) => {
  const p = params();
  const days = Number(p.get('window') ?? '30') || 30;
  const repo = p.get('repo');
  const r = await api(`/api/v1/chaos/report?since=${days}d${repo ? `&repo=${encodeURIComponent(repo)}` : ''}`);
  main.append(h('h1', {}, 'Chaos'));
  const groups: any[] = r.groups;
  if (!groups.length) {
    main.append(h('div', { class: 'empty', 'data-testid': 'empty-chaos' }, `No chaos trial in this window. ${SEND}`));
    return;
  }
  const trials = groups.reduce((n, g) => n + g.trials, 0);
  const recovered = groups.reduce((n, g) => n + g.trials - g.failed, 0);
  const label = (g: any) => `${repo ? '' : `${g.repo} · `}${g.target} · ${g.fault}`;
  main.append(
    h(
      'div',
      { class: 'kpis' },
      kpi('chaos-trials', 'Chaos trials', num(trials), trials),
      kpi(
        'chaos-recovery',
        'Recovered',
        pct(recovered / trials),
        recovered / trials,
        help('Trials whose step finally succeeded (after retries, or slower than its budget) over all trials.'),
      ),
    ),
    card(
      'Resilience score per target and fault, this window and the one before',
      chart(
        'chaos-scores',
        {
          legend: { top: 0 },
          grid: { left: 200 },
          xAxis: { type: 'value', min: 0, max: 100, name: 'score' },
          yAxis: { type: 'category', data: groups.map(label) },
          series: [
            { name: 'this window', type: 'bar', data: groups.map((g) => g.score) },
            { name: 'the window before', type: 'bar', data: groups.map((g) => g.previous_score) },
          ],
        },
        { bars: groups.length },
      ),
      help(
        `Each trial scores 1 when the step recovered, 0.5 when it succeeded slower than its budget, 0 when it failed; the bar is the mean, in percent. A repository's score weighs faults: ${Object.entries(
          r.weights,
        )
          .map(([f, w]) => `${f} ×${String(w)}`)
          .join(', ')}.`,
      ),
    ),
    card(
      'Trials',
      table(
        'chaos-groups',
        [
          { key: 'repo', label: 'repository' },
          { key: 'target', label: 'target' },
          { key: 'fault', label: 'fault' },
          { key: 'trials', label: 'trials', num: true, fmt: (g) => num(g.trials) },
          { key: 'recovery_rate', label: 'recovered', num: true, fmt: (g) => pct(g.recovery_rate) },
          { key: 'mean_retries', label: 'mean retries', num: true, fmt: (g) => (g.mean_retries === null ? '–' : num(g.mean_retries, 1)) },
          { key: 'mean_added_ms', label: 'added time', num: true, fmt: (g) => (g.mean_added_ms === null ? '–' : dur(g.mean_added_ms)) },
          { key: 'score', label: 'score', num: true, fmt: (g) => score(g.score) },
          { key: 'trend', label: 'trend', num: true, fmt: (g) => (g.trend === null ? 'no earlier trials' : `${g.trend > 0 ? '+' : ''}${score(g.trend)}`) },
        ],
        groups,
      ),
    ),
  );
};

export const chaosViews: Record<string, PageView> = { chaos: chaosPage };
