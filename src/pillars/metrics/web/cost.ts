// Cost & Carbon: totals, per week and per pipeline.
import { api, card, h, chart, exportLinks, filterQuery, kpi, num, table, usd } from '../../../core/web/index.js';

export async function costPage(main: HTMLElement): Promise<void> {
  const c = await api(`/api/v1/metrics/cost${filterQuery()}`);
  const t = c.total;
  main.append(
    h('h1', {}, 'Cost & Carbon'),
    h(
      'div',
      { class: 'kpis' },
      kpi('cost', 'Cost', usd(t.usd), t.usd),
      kpi('cost-per-run', 'Cost per run', usd(t.usd_per_run, 3), t.usd_per_run),
      kpi('carbon', 'Carbon', `${num(t.carbon_g / 1000, 2)} kg`, t.carbon_g),
      kpi('carbon-per-run', 'Carbon per run', `${num(t.carbon_g_per_run, 2)} g`, t.carbon_g_per_run),
      kpi('energy', 'Energy', `${num(t.kwh, 2)} kWh`, t.kwh),
    ),
    card(
      'Per week',
      exportLinks('cost-weekly'),
      chart('cost-per-week', {
        legend: { top: 0 },
        xAxis: { type: 'category', data: c.weekly.map((w: any) => w.week) },
        yAxis: [
          { type: 'value', name: 'USD' },
          { type: 'value', name: 'kg CO2e' },
        ],
        series: [
          { name: 'USD', type: 'bar', data: c.weekly.map((w: any) => +w.usd.toFixed(2)), color: '#2f6fdf' },
          { name: 'kg CO2e', type: 'line', yAxisIndex: 1, data: c.weekly.map((w: any) => +(w.carbon_g / 1000).toFixed(3)), color: '#1f9d55' },
        ],
      }),
    ),
    card(
      'Per pipeline',
      exportLinks('cost-repos'),
      table(
        'cost-repos',
        [
          { key: 'repo', label: 'repo' },
          { key: 'workflow', label: 'workflow' },
          { key: 'runs', label: 'runs', num: true, fmt: (r) => num(r.runs) },
          { key: 'usd', label: 'USD', num: true, fmt: (r) => usd(r.usd) },
          { key: 'usd_per_run', label: 'USD / run', num: true, fmt: (r) => usd(r.usd_per_run, 3) },
          { key: 'carbon_g', label: 'kg CO2e', num: true, fmt: (r) => num(r.carbon_g / 1000, 2) },
          { key: 'kwh', label: 'kWh', num: true, fmt: (r) => num(r.kwh, 2) },
        ],
        c.pipelines,
      ),
    ),
  );
}
