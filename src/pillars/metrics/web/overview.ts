// Overview: run health, the DORA keys, readiness and cost at a glance; other pillars' overview panels follow (the shell adds them).
import { api, card, chart, dur, durS, filterQuery, h, help, kpi, NO_DATA, num, pct, perDay, score, showWindow, usd } from '../../../core/web/index.js';
import { acrossBand } from './across.js';
import { fmtMinutes } from '../minutes.js';

export async function overviewPage(main: HTMLElement): Promise<void> {
  const o = await api(`/api/v1/metrics/overview${filterQuery()}`);
  showWindow(o.window);
  const hh = o.health;
  const k = o.dora.total;
  const a = o.dora.across;
  main.append(
    h('h1', {}, 'Overview'),
    h(
      'div',
      { class: 'kpis' },
      kpi('runs', 'Runs', num(hh.runs), hh.runs, help('Pipeline runs that started in the window, with the filters above.')),
      kpi(
        'success-rate',
        'Success rate',
        pct(hh.success_rate),
        hh.success_rate,
        h(
          'span',
          {},
          `${num(hh.failed)} failed`,
          help(`successful ÷ (successful + failed) runs: ${num(hh.success)} ÷ ${num(hh.success + hh.failed)}; canceled runs left out.`),
        ),
      ),
      kpi(
        'duration-p50',
        'Duration p50',
        dur(hh.duration_p50_ms),
        hh.duration_p50_ms,
        h('span', {}, '≈ ±9%', help(`The median run duration of ${num(hh.runs)} runs, from daily histograms (quarter-octave buckets, within ±9%).`)),
      ),
      kpi(
        'duration-p95',
        'Duration p95',
        dur(hh.duration_p95_ms),
        hh.duration_p95_ms,
        h('span', {}, '≈ ±9%', help(`95% of ${num(hh.runs)} runs took at most this long (daily histograms, within ±9%).`)),
      ),
      kpi(
        'mttr',
        'MTTR (pipelines)',
        fmtMinutes(hh.mttr_median_s, NO_DATA),
        hh.mttr_median_s,
        h(
          'span',
          {},
          `${hh.recoveries} recoveries`,
          help(`Median time from a pipeline's first failed run to its next successful one, over ${num(hh.recoveries)} recoveries.`),
        ),
      ),
      kpi(
        'deploy-frequency',
        'Deploys (production)',
        perDay(k.deployment_frequency_per_day),
        k.deployment_frequency_per_day,
        acrossBand(
          a.deployment_frequency,
          'deployment frequency',
          perDay(a.deployment_frequency.median),
          `successful production deployments ÷ ${k.window_days} days, all services (${num(k.deployments)} deployments)`,
        ),
      ),
      kpi(
        'lead-time',
        'Lead time (median)',
        durS(k.lead_time_median_s),
        k.lead_time_median_s,
        acrossBand(
          a.lead_time,
          'median lead time',
          durS(a.lead_time.median),
          `median commit-to-production time over ${num(k.lead_time_samples)} commits of all services`,
        ),
      ),
      kpi(
        'change-failure-rate',
        'Change failure rate',
        pct(k.change_failure_rate),
        k.change_failure_rate,
        acrossBand(
          a.change_failure_rate,
          'change failure rate',
          pct(a.change_failure_rate.median),
          `failed or rolled-back deployments ÷ deployments (${num(k.failed)} of ${num(k.deployments)})`,
        ),
      ),
      kpi(
        'time-to-restore',
        'Time to restore',
        durS(k.time_to_restore_median_s),
        k.time_to_restore_median_s,
        acrossBand(
          a.time_to_restore,
          'median time to restore',
          durS(a.time_to_restore.median),
          `median time from a failed deployment to the next good one over ${num(k.incidents_restored)} restored incidents`,
        ),
      ),
      kpi(
        'readiness-min',
        'Readiness (lowest repo)',
        score(o.readiness.min),
        o.readiness.min,
        h(
          'span',
          {},
          `${o.readiness.incomplete} of ${o.readiness.repos} incomplete`,
          help(`The lowest of ${num(o.readiness.scored)} repositories' readiness scores (weighted components, 0–100; the Readiness page shows each).`),
        ),
      ),
      kpi(
        'cost',
        'CI cost',
        usd(hh.usd),
        hh.usd,
        h('span', {}, `${num(hh.carbon_g / 1000, 1)} kg CO2e`, help(`The sum of the cost and carbon the runs reported (${num(hh.runs)} runs in the window).`)),
      ),
    ),
  );
  const days = o.daily.map((d: any) => d.day);
  main.append(
    h(
      'div',
      { class: 'grid' },
      card(
        'Runs per day',
        chart('runs-per-day', {
          legend: { top: 0 },
          xAxis: { type: 'category', data: days },
          yAxis: [{ type: 'value' }, { type: 'value', min: 0, max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } }],
          series: [
            { name: 'success', type: 'bar', stack: 'runs', data: o.daily.map((d: any) => d.success), color: '#1f9d55' },
            { name: 'failed', type: 'bar', stack: 'runs', data: o.daily.map((d: any) => d.failed), color: '#d0393e' },
            { name: 'success rate', type: 'line', yAxisIndex: 1, data: o.daily.map((d: any) => d.success_rate), color: '#2f6fdf' },
          ],
        }),
      ),
      card(
        'Duration per day (p50 / p95, minutes)',
        chart('duration-per-day', {
          legend: { top: 0 },
          xAxis: { type: 'category', data: days },
          yAxis: { type: 'value' },
          series: [
            { name: 'p50', type: 'line', data: o.daily.map((d: any) => (d.duration_p50_ms === null ? null : +(d.duration_p50_ms / 60000).toFixed(2))) },
            { name: 'p95', type: 'line', data: o.daily.map((d: any) => (d.duration_p95_ms === null ? null : +(d.duration_p95_ms / 60000).toFixed(2))) },
          ],
        }),
      ),
    ),
  );
}
