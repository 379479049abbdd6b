// DORA: the four keys with their bands and targets, per week, per repository and environment, incidents and deployments.
import {
  api,
  band,
  card,
  chart,
  durS,
  exportLinks,
  filterQuery,
  go,
  h,
  kpi,
  NO_DATA,
  num,
  pct,
  perDay,
  showWindow,
  table,
  when,
} from '../../../core/web/index.js';
import { acrossBand } from './across.js';
import { fmtMinutes } from '../minutes.js';

export async function doraPage(main: HTMLElement): Promise<void> {
  const d = await api(`/api/v1/metrics/dora${filterQuery()}`);
  showWindow(d.window);
  const k = d.total;
  const a = d.across;
  const s = d.definitions.targets;
  // The 30-day targets (seed 004), e.g. "target at least weekly: met, elite several deploys a day: not met".
  const targetNote = (key: string, target: { initial: { label: string }; elite: { label: string } }) => {
    const m = k.targets[key];
    const t = (v: boolean | null) => (v === null ? 'no data' : v ? 'met' : 'not met');
    return `target ${target.initial.label}: ${t(m.initial)}, elite ${target.elite.label}: ${t(m.elite)}`;
  };
  main.append(
    h('h1', {}, `DORA — ${d.environments ? d.environments.join(' / ') : 'all environments'}`),
    h(
      'div',
      { class: 'kpis' },
      kpi(
        'deploy-frequency',
        'Deployment frequency',
        perDay(k.deployment_frequency_per_day),
        k.deployment_frequency_per_day,
        h(
          'span',
          {},
          acrossBand(
            a.deployment_frequency,
            'deployment frequency',
            perDay(a.deployment_frequency.median),
            `successful deployments ÷ ${k.window_days} days, all services (${num(k.deployments)} deployments)`,
          ),
          h('br', {}),
          targetNote('deployment_frequency', s.deploymentFrequency),
        ),
      ),
      kpi(
        'lead-time',
        'Lead time (median)',
        durS(k.lead_time_median_s),
        k.lead_time_median_s,
        h(
          'span',
          {},
          acrossBand(a.lead_time, 'median lead time', durS(a.lead_time.median), `median commit-to-deployment time over ${num(k.lead_time_samples)} commits`),
          h('br', {}),
          targetNote('lead_time', s.leadTime),
        ),
      ),
      kpi(
        'change-failure-rate',
        'Change failure rate',
        pct(k.change_failure_rate),
        k.change_failure_rate,
        h(
          'span',
          {},
          acrossBand(
            a.change_failure_rate,
            'change failure rate',
            pct(a.change_failure_rate.median),
            `failed or rolled-back deployments ÷ deployments (${num(k.failed)} of ${num(k.deployments)})`,
          ),
          h('br', {}),
          targetNote('change_failure_rate', s.changeFailureRate),
        ),
      ),
      kpi(
        'time-to-restore',
        'Time to restore (median)',
        fmtMinutes(k.time_to_restore_median_s, NO_DATA),
        k.time_to_restore_median_s,
        h(
          'span',
          {},
          acrossBand(
            a.time_to_restore,
            'median time to restore',
            fmtMinutes(a.time_to_restore.median, NO_DATA),
            `median time from a failed deployment to the next good one over ${num(k.incidents_restored)} restored incidents`,
          ),
          h('br', {}),
          targetNote('time_to_restore', s.timeToRestore),
        ),
      ),
      kpi('deployments', 'Deployments', num(k.deployments), k.deployments, `${k.failed} failed, ${k.incidents_open} open incidents`),
    ),
    h(
      'p',
      { class: 'muted' },
      `A deployment is a distinct (repo, environment, deployment_id); it failed when its final status failed or it rolled back. Lead time by exact commit ancestry; the first deployment is the baseline. Medians — ${d.definitions.percentiles}. Bands: ${d.definitions.bands.source}.`,
    ),
    h(
      'div',
      { class: 'grid' },
      card(
        'Deployments per week',
        chart('deploys-per-week', {
          legend: { top: 0 },
          xAxis: { type: 'category', data: d.weekly.map((w: any) => w.week) },
          yAxis: [{ type: 'value' }, { type: 'value', min: 0, max: 1 }],
          series: [
            { name: 'deployments', type: 'bar', data: d.weekly.map((w: any) => w.deployments), color: '#2f6fdf' },
            { name: 'change failure rate', type: 'line', yAxisIndex: 1, data: d.weekly.map((w: any) => w.change_failure_rate), color: '#d0393e' },
          ],
        }),
      ),
      card(
        'Median lead time per week (hours)',
        chart('lead-time-per-week', {
          xAxis: { type: 'category', data: d.weekly.map((w: any) => w.week) },
          yAxis: { type: 'value' },
          series: [
            {
              name: 'lead time (h)',
              type: 'line',
              data: d.weekly.map((w: any) => (w.lead_time_median_s === null ? null : +(w.lead_time_median_s / 3600).toFixed(2))),
              markLine: { data: [{ yAxis: 24, name: 'DORA elite < 1 day' }] },
            },
          ],
        }),
      ),
    ),
    card(
      'Per repository and environment',
      exportLinks('dora-groups'),
      table(
        'dora-groups',
        [
          { key: 'repo', label: 'repo' },
          { key: 'environment', label: 'environment' },
          { key: 'deployments', label: 'deployments', num: true },
          {
            key: 'deployment_frequency_per_day',
            label: 'per day',
            num: true,
            fmt: (r) => h('span', {}, perDay(r.deployment_frequency_per_day), ' ', band(r.bands.deployment_frequency)),
          },
          { key: 'lead_time_median_s', label: 'lead time', num: true, fmt: (r) => h('span', {}, durS(r.lead_time_median_s), ' ', band(r.bands.lead_time)) },
          {
            key: 'change_failure_rate',
            label: 'change failure',
            num: true,
            fmt: (r) => h('span', {}, pct(r.change_failure_rate), ' ', band(r.bands.change_failure_rate)),
          },
          {
            key: 'time_to_restore_median_s',
            label: 'restore',
            num: true,
            fmt: (r) => h('span', {}, fmtMinutes(r.time_to_restore_median_s, NO_DATA), ' ', band(r.bands.time_to_restore)),
          },
          { key: 'unlinked_deployments', label: 'unlinked', num: true },
        ],
        d.groups,
        { onRow: (r) => go({ repo: r.repo }) },
      ),
    ),
    card(
      'Incidents (failed deployment → restored)',
      exportLinks('incidents'),
      table(
        'incidents',
        [
          { key: 'failed_at', label: 'failed', fmt: (r) => when(r.failed_at) },
          { key: 'repo', label: 'repo' },
          { key: 'environment', label: 'env' },
          { key: 'failed_deployment_id', label: 'deployment' },
          { key: 'failures', label: 'failures', num: true },
          { key: 'restore_s', label: 'time to restore', num: true, fmt: (r) => (r.restore_s === null ? 'open' : fmtMinutes(r.restore_s)) },
        ],
        d.incidents,
        { empty: 'No failed deployment in this window.' },
      ),
    ),
    card(
      'Latest deployments',
      exportLinks('deployments'),
      table(
        'deployments',
        [
          { key: 'finished_at', label: 'finished', fmt: (r) => when(r.finished_at) },
          { key: 'repo', label: 'repo' },
          { key: 'environment', label: 'env' },
          { key: 'deployment_id', label: 'deployment' },
          { key: 'steps', label: 'reports', num: true },
          { key: 'outcome', label: 'outcome', fmt: (r) => band(r.outcome) },
          { key: 'commit_sha', label: 'commit', fmt: (r) => (r.commit_sha ?? '').slice(0, 10) },
        ],
        d.deployments,
      ),
    ),
  );
}
