// The Scheduler page: predicted vs actual duration of a repository's latest runs (p50 line, p90
// band, actual points), the rolling prediction error next to the mean of the last 3 runs, the error
// per job, each team's share of the queue time next to its share of the runs, and the runners to
// keep warm for the coming hour.
import { api, card, chart, dur, go, h, help, kpi, local, num, params, sig, table, type PageView } from '../../../core/web/index.js';

const SEND = 'Predictions appear as runs arrive: send run records (ci-intel ingest, or the GitHub/GitLab webhooks).';
const WINDOW = 20;
/** A percentage the API gives in percent, to 4 significant digits (errors can be far above 100 %). */
const pctOf = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${sig(v)}%`);

interface Pred {
  run_id: string;
  repo: string;
  job: string;
  predicted_at: string;
  p50_ms: number | null;
  p90_ms: number | null;
  actual_ms: number | null;
  naive_ms: number | null;
  ape_pct: number | null;
  method: string;
}

function predictedVsActual(preds: Pred[]): HTMLElement {
  const t = (p: Pred) => new Date(p.predicted_at).getTime();
  const s = (v: number | null) => (v === null ? null : v / 1000);
  return chart(
    'predicted-actual',
    {
      legend: { top: 0 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', name: 'seconds', scale: true },
      tooltip: { trigger: 'axis', valueFormatter: (v: number | null) => (v === null ? '–' : dur(v * 1000)) },
      series: [
        { name: 'predicted (median)', type: 'line', symbol: 'none', color: '#2f6fdf', data: preds.map((p) => [t(p), s(p.p50_ms)]) },
        {
          name: 'predicted (90th percentile)',
          type: 'line',
          symbol: 'none',
          color: '#9bb7ef',
          lineStyle: { type: 'dashed' },
          data: preds.map((p) => [t(p), s(p.p90_ms)]),
        },
        { name: 'actual', type: 'scatter', symbolSize: 6, color: '#333', data: preds.filter((p) => p.actual_ms !== null).map((p) => [t(p), s(p.actual_ms)]) },
      ],
    },
    { points: preds.length },
  );
}

/** Rolling MAPE over the last WINDOW finished runs, ours and the mean of the last 3. */
function mapeTrend(preds: Pred[]): HTMLElement {
  const done = preds.filter((p) => p.actual_ms !== null && p.p50_ms !== null && p.naive_ms !== null);
  const ours: [number, number][] = [];
  const naive: [number, number][] = [];
  for (let i = 0; i < done.length; i++) {
    const w = done.slice(Math.max(0, i - WINDOW + 1), i + 1);
    const m = (f: (p: Pred) => number) => (w.reduce((a, p) => a + Math.abs(f(p) - p.actual_ms!) / p.actual_ms!, 0) / w.length) * 100;
    const at = new Date(done[i]!.predicted_at).getTime();
    ours.push([at, m((p) => p.p50_ms!)]);
    naive.push([at, m((p) => p.naive_ms!)]);
  }
  return chart(
    'mape-trend',
    {
      legend: { top: 0 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', name: 'MAPE %', min: 0 },
      tooltip: { trigger: 'axis', valueFormatter: (v: number | null) => (v === null ? '–' : `${sig(v)} %`) },
      series: [
        { name: 'prediction', type: 'line', symbol: 'none', color: '#2f6fdf', data: ours },
        { name: 'mean of the last 3 runs', type: 'line', symbol: 'none', color: '#c07a16', data: naive },
      ],
    },
    { points: ours.length },
  );
}

export const schedulerPage: PageView = async (main) => {
  const chosen = params().get('repo');
  const ev = await api('/api/v1/scheduler/eval');
  main.append(h('h1', {}, 'Scheduler'));
  const series: any[] = ev.series;
  if (!series.length) {
    main.append(h('div', { class: 'empty', 'data-testid': 'empty-scheduler' }, `No finished run with a prediction yet. ${SEND}`));
    return;
  }
  const repo = chosen ?? [...series].sort((a, b) => b.scored - a.scored || a.repo.localeCompare(b.repo))[0].repo;
  const [preds, mine, fair, warm] = await Promise.all([
    api(`/api/v1/scheduler/predictions?repo=${encodeURIComponent(repo)}&limit=500`),
    api(`/api/v1/scheduler/eval?repo=${encodeURIComponent(repo)}`),
    api('/api/v1/scheduler/fairness'),
    api('/api/v1/scheduler/prewarm?window=1h&weeks=4'),
  ]);
  const p: Pred[] = preds.predictions;
  const o = mine.overall;
  main.append(
    h(
      'div',
      { class: 'kpis' },
      kpi(
        'mape',
        `Prediction error, ${repo}`,
        pctOf(o.mape_pct),
        o.mape_pct,
        help(
          `Mean absolute percentage error: the average of |predicted − actual| ÷ actual over ${num(o.scored)} finished runs and jobs, each predicted before it started from the runs before it only.`,
        ),
      ),
      kpi('naive', 'Mean of the last 3 runs, same runs', pctOf(o.naive_mape_pct), o.naive_mape_pct),
      kpi('within', 'Predicted within 10 %', pctOf(o.within_10_pct), o.within_10_pct),
      kpi(
        'fallback',
        'Predicted by the recent median',
        num(o.fallback_runs),
        o.fallback_runs,
        help(
          'When the model’s recent error is above the threshold (scheduler.fallbackAbovePct) and the median of the last runs did better, the median is used, and the run says so.',
        ),
      ),
    ),
    card(
      `Predicted vs actual duration, ${repo} (whole runs, latest ${num(p.length)})`,
      chosen ? null : h('p', { class: 'muted' }, 'The repository with the most predictions; choose another in the filters above.'),
      p.length ? predictedVsActual(p) : h('div', { class: 'empty' }, SEND),
    ),
    card(`Prediction error over the last ${WINDOW} finished runs`, p.length ? mapeTrend(p) : h('div', { class: 'empty' }, SEND)),
    h(
      'div',
      { class: 'grid' },
      card(
        'Error per job',
        table(
          'scheduler-jobs',
          [
            { key: 'repo', label: 'repository' },
            { key: 'job', label: 'job', fmt: (r) => `${r.workflow} / ${r.job}` },
            { key: 'scored', label: 'runs', num: true, fmt: (r) => num(r.scored) },
            { key: 'mape_pct', label: 'error', num: true, fmt: (r) => pctOf(r.mape_pct) },
            { key: 'naive_mape_pct', label: 'mean of last 3', num: true, fmt: (r) => pctOf(r.naive_mape_pct) },
            { key: 'within_10_pct', label: 'within 10 %', num: true, fmt: (r) => pctOf(r.within_10_pct) },
          ],
          series,
          { onRow: (r) => go({ repo: r.repo }) },
        ),
      ),
      card(
        'Queue time per team (last 30 days)',
        help(
          'A team’s share of all queue time next to its share of the runs; a fairness ratio above 1 means it waits more than its share. Repositories in no team count under their owner.',
        ),
        table(
          'scheduler-fairness',
          [
            { key: 'team', label: 'team' },
            { key: 'runs', label: 'runs', num: true, fmt: (r) => num(r.runs) },
            { key: 'mean_queue_ms', label: 'mean queue', num: true, fmt: (r) => dur(r.mean_queue_ms) },
            { key: 'queue_share_pct', label: 'queue share', num: true, fmt: (r) => pctOf(r.queue_share_pct) },
            { key: 'run_share_pct', label: 'run share', num: true, fmt: (r) => pctOf(r.run_share_pct) },
            { key: 'fairness_ratio', label: 'fairness ratio', num: true, fmt: (r) => (r.fairness_ratio === null ? '–' : sig(r.fairness_ratio)) },
          ],
          fair.teams,
          { empty: 'No run in the last 30 days.' },
        ),
      ),
    ),
    card(
      'Runners to keep warm, next hour',
      help(
        'The jobs that started in the same hour of the last 4 weeks, each at its predicted duration: runners busy on average, and runners to warm so the hour’s jobs run at their 90th-percentile duration without waiting (bursts inside the hour not counted).',
      ),
      table(
        'scheduler-prewarm',
        [
          { key: 'runner', label: 'runner class' },
          { key: 'warm', label: 'keep warm', num: true, fmt: (r) => num(r.warm) },
          { key: 'jobs_expected', label: 'jobs expected', num: true, fmt: (r) => sig(r.jobs_expected) },
          { key: 'mean_busy', label: 'busy on average', num: true, fmt: (r) => sig(r.mean_busy) },
        ],
        warm.runners,
        { empty: 'No job started in this hour of the last 4 weeks.' },
      ),
    ),
    card(
      'Latest predictions',
      table(
        'scheduler-predictions',
        [
          { key: 'predicted_at', label: 'predicted', fmt: (r) => local(r.predicted_at) },
          { key: 'p50_ms', label: 'predicted', num: true, fmt: (r) => dur(r.p50_ms) },
          { key: 'p90_ms', label: '90th percentile', num: true, fmt: (r) => dur(r.p90_ms) },
          { key: 'actual_ms', label: 'actual', num: true, fmt: (r) => dur(r.actual_ms) },
          { key: 'ape_pct', label: 'error', num: true, fmt: (r) => pctOf(r.ape_pct) },
          { key: 'method', label: 'how', fmt: (r) => (r.method === 'fallback-median' ? 'recent median' : r.method === 'none' ? 'no history yet' : 'model') },
        ],
        [...p].reverse().slice(0, 50),
      ),
    ),
  );
};

export const schedulerViews: Record<string, PageView> = { scheduler: schedulerPage };
