// Run Health: pipelines and jobs (with stage time budgets) and the latest failed runs.
import { api, band, card, chart, dur, durS, exportLinks, filterQuery, go, h, kpi, NO_DATA, num, pct, table, when } from '../../../core/web/index.js';
import { fmtMinutes } from '../minutes.js';

export async function healthPage(main: HTMLElement): Promise<void> {
  const [hh, failures, daily] = await Promise.all([
    api(`/api/v1/metrics/health${filterQuery()}`),
    api(`/api/v1/metrics/failures${filterQuery()}`),
    api(`/api/v1/metrics/export/daily.json${filterQuery()}`),
  ]);
  const t = hh.total;
  main.append(
    h('h1', {}, 'Run Health'),
    h(
      'div',
      { class: 'kpis' },
      kpi('runs', 'Runs', num(t.runs), t.runs),
      kpi('success-rate', 'Success rate', pct(t.success_rate), t.success_rate),
      kpi('duration-p95', 'Duration p95', dur(t.duration_p95_ms), t.duration_p95_ms),
      kpi('queue-p95', 'Queue p95', dur(t.queue_p95_ms), t.queue_p95_ms),
      kpi('retry-rate', 'Retry rate', pct(t.retry_rate), t.retry_rate),
      kpi('mttr', 'MTTR', fmtMinutes(t.mttr_median_s, NO_DATA), t.mttr_median_s),
    ),
    h(
      'p',
      { class: 'muted' },
      'Percentiles are approximate: quarter-octave buckets, within ±9.05% of the exact nearest-rank value. Success rate = success / (success + failed).',
    ),
    card(
      'Success rate per day',
      chart('success-per-day', {
        xAxis: { type: 'category', data: daily.items.map((d: any) => d.day) },
        yAxis: { type: 'value', min: 0, max: 1 },
        series: [
          {
            name: 'success rate',
            type: 'line',
            data: daily.items.map((d: any) => d.success_rate),
            markLine: { data: [{ yAxis: 0.9, name: 'alert below 90%' }] },
          },
        ],
      }),
    ),
    card(
      'Pipelines',
      exportLinks('pipelines'),
      table(
        'pipelines',
        [
          { key: 'repo', label: 'repo' },
          { key: 'workflow', label: 'workflow' },
          { key: 'runs', label: 'runs', num: true, fmt: (r) => num(r.runs) },
          { key: 'success_rate', label: 'success', num: true, fmt: (r) => pct(r.success_rate) },
          { key: 'duration_p50_ms', label: 'p50', num: true, fmt: (r) => dur(r.duration_p50_ms) },
          { key: 'duration_p95_ms', label: 'p95', num: true, fmt: (r) => dur(r.duration_p95_ms) },
          { key: 'queue_p95_ms', label: 'queue p95', num: true, fmt: (r) => dur(r.queue_p95_ms) },
          { key: 'retry_rate', label: 'retried', num: true, fmt: (r) => pct(r.retry_rate) },
          { key: 'mttr_median_s', label: 'MTTR', num: true, fmt: (r) => fmtMinutes(r.mttr_median_s, NO_DATA) },
        ],
        hh.pipelines,
        { onRow: (r) => go({ repo: r.repo }) },
      ),
    ),
    card(
      'Jobs and stage time budgets',
      exportLinks('jobs'),
      table(
        'jobs',
        [
          { key: 'repo', label: 'repo' },
          { key: 'job', label: 'job' },
          { key: 'executions', label: 'executions', num: true, fmt: (r) => num(r.executions) },
          { key: 'failure_rate', label: 'failed', num: true, fmt: (r) => pct(r.failure_rate) },
          { key: 'retry_rate', label: 'retried', num: true, fmt: (r) => pct(r.retry_rate) },
          { key: 'duration_p50_ms', label: 'p50', num: true, fmt: (r) => dur(r.duration_p50_ms) },
          { key: 'duration_p95_ms', label: 'p95', num: true, fmt: (r) => dur(r.duration_p95_ms) },
          {
            key: 'budget',
            label: 'budget (target / max)',
            value: (r) => r.budget?.status ?? '',
            fmt: (r) => (r.budget ? h('span', {}, band(r.budget.status), ` ${r.budget.stage} ${durS(r.budget.target_s)} / ${durS(r.budget.max_s)}`) : NO_DATA),
          },
        ],
        hh.jobs,
      ),
    ),
    card(
      'Latest failed runs',
      exportLinks('failures'),
      table(
        'failures',
        [
          { key: 'started_at', label: 'started', fmt: (r) => when(r.started_at) },
          { key: 'repo', label: 'repo' },
          { key: 'branch', label: 'branch' },
          { key: 'environment', label: 'env' },
          { key: 'failed_jobs', label: 'failed jobs', value: (r) => r.failed_jobs.join(', ') },
          { key: 'duration_ms', label: 'duration', num: true, fmt: (r) => dur(r.duration_ms) },
          { key: 'run_id', label: 'run', fmt: (r) => h('a', { href: `/?page=run&id=${r.run_id}` }, r.run_id.slice(0, 8)) },
        ],
        failures.items,
        { onRow: (r) => go({ page: 'run', id: r.run_id }), empty: 'No failed run in this window.' },
      ),
    ),
  );
}
