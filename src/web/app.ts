// The ci-intel dashboard (issue 8): Overview, Run Health, DORA, Readiness, Cost & Carbon, plus the
// panels other pillars register (Tests, Mutation, Cache ...). Filters and the page live in the URL
// (shareable); reads ask for a token once (kept in localStorage) unless the hub runs in demo mode.
// Bundled by esbuild with echarts (no CDN, no network).
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { dur, durS, NO_DATA, num, pct, perDay, score, usd, when } from './format.js';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, CanvasRenderer]);

// ---------------------------------------------------------------- state, URL, API

interface Panel {
  id: string;
  title: string;
  page: string;
  api: string;
  order?: number;
  pillar: string;
}

const PAGES: Array<{ id: string; title: string }> = [
  { id: 'overview', title: 'Overview' },
  { id: 'health', title: 'Run Health' },
  { id: 'dora', title: 'DORA' },
  { id: 'readiness', title: 'Readiness' },
  { id: 'cost', title: 'Cost & Carbon' },
  { id: 'tests', title: 'Tests' },
  { id: 'mutation', title: 'Mutation' },
  { id: 'cache', title: 'Cache' },
];
const FILTERS = ['repo', 'branch', 'environment', 'window'] as const;
const TOKEN_KEY = 'ci-intel-token';

let demo = false;
let panels: Panel[] = [];
const charts: echarts.ECharts[] = [];

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;

function params(): URLSearchParams {
  return new URLSearchParams(location.search);
}

function filterQuery(extra: Record<string, string> = {}): string {
  const p = params();
  const q = new URLSearchParams();
  for (const f of FILTERS) {
    const v = p.get(f);
    if (v) q.set(f, v);
  }
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

function go(changes: Record<string, string | null>): void {
  const p = params();
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === '') p.delete(k);
    else p.set(k, v);
  }
  history.pushState(null, '', `/?${p.toString()}`);
  void render();
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function api<T = any>(path: string): Promise<T> {
  const token = localStorage.getItem(TOKEN_KEY);
  const res = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (res.status === 401 || res.status === 403) {
    const body = await res.json().catch(() => ({}));
    if (!demo || token) {
      await askToken(body?.error?.message ?? `the hub answered ${res.status}`);
      return api<T>(path);
    }
  }
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new HttpError(res.status, body?.error?.message ?? `${path}: ${res.status}`);
  }
  return (await res.json()) as T;
}

function askToken(reason: string): Promise<void> {
  const dlg = $<HTMLDialogElement>('#token-dialog');
  const form = $<HTMLFormElement>('#token-form');
  $('#token-error').textContent = localStorage.getItem(TOKEN_KEY) ? reason : '';
  localStorage.removeItem(TOKEN_KEY);
  return new Promise((resolve) => {
    form.onsubmit = (e) => {
      e.preventDefault();
      const v = (form.elements.namedItem('token') as HTMLInputElement).value.trim();
      if (!v) return;
      localStorage.setItem(TOKEN_KEY, v);
      dlg.close();
      resolve();
    };
    if (!dlg.open) dlg.showModal();
  });
}

// ---------------------------------------------------------------- DOM helpers

type Child = Node | string | null | undefined | false;
function h(tag: string, attrs: Record<string, string | number | boolean | null | undefined | ((e: Event) => void)> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : document.createTextNode(c));
  return el;
}

function add(parent: HTMLElement, ...children: Child[]): void {
  for (const c of children) if (c !== null && c !== undefined && c !== false) parent.append(c);
}

const raw = (v: unknown) => (v === null || v === undefined ? '' : String(v));

function kpi(id: string, label: string, value: string, rawValue: unknown, sub?: Child): HTMLElement {
  return h('div', { class: 'kpi', 'data-testid': `kpi-${id}` }, h('div', { class: 'label' }, label), h('div', { class: 'value', 'data-value': raw(rawValue) }, value), sub ? h('div', { class: 'sub' }, sub) : null);
}

function band(b: string | null | undefined): HTMLElement {
  return h('span', { class: `band ${b ?? 'none'}`, 'data-band': b ?? '' }, b ?? 'no data');
}

interface Col<T> {
  key: string;
  label: string;
  num?: boolean;
  fmt?: (row: T) => Child;
  value?: (row: T) => unknown;
}

function table<T extends Record<string, any>>(id: string, cols: Col<T>[], rows: T[], opts: { onRow?: (r: T) => void; empty?: string } = {}): HTMLElement {
  if (!rows.length) return h('div', { class: 'empty', 'data-testid': `table-${id}` }, opts.empty ?? 'No data for these filters.');
  const head = h('tr', {}, ...cols.map((c) => h('th', { class: c.num ? 'num' : '' }, c.label)));
  const body = rows.map((r) =>
    h(
      'tr',
      { class: opts.onRow ? 'click' : '', onclick: opts.onRow ? () => opts.onRow!(r) : undefined },
      ...cols.map((c) => {
        const v = c.value ? c.value(r) : r[c.key];
        const shown = c.fmt ? c.fmt(r) : v === null || v === undefined ? NO_DATA : String(v);
        return h('td', { class: c.num ? 'num' : '', 'data-col': c.key, 'data-value': raw(v) }, shown);
      }),
    ),
  );
  return h('table', { 'data-testid': `table-${id}` }, h('thead', {}, head), h('tbody', {}, ...body));
}

function exportLinks(name: string): HTMLElement {
  const q = filterQuery();
  return h('span', { class: 'exports' }, 'export', h('a', { href: `/api/v1/metrics/export/${name}.csv${q}`, 'data-testid': `export-${name}-csv` }, 'CSV'), h('a', { href: `/api/v1/metrics/export/${name}.json${q}` }, 'JSON'));
}

function card(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', {}, title), ...children);
}

function chart(id: string, option: echarts.EChartsCoreOption): HTMLElement {
  const el = h('div', { class: 'chart', 'data-testid': `chart-${id}` });
  requestAnimationFrame(() => {
    const c = echarts.init(el, undefined, { renderer: 'canvas' });
    c.setOption({ animation: false, tooltip: { trigger: 'axis' }, grid: { left: 50, right: 50, top: 30, bottom: 30 }, ...option });
    charts.push(c);
  });
  return el;
}

window.addEventListener('resize', () => charts.forEach((c) => c.resize()));

// ---------------------------------------------------------------- pages

async function overview(main: HTMLElement): Promise<void> {
  const o = await api(`/api/v1/metrics/overview${filterQuery()}`);
  setWindow(o.window);
  const hh = o.health;
  const k = o.dora.total;
  main.append(
    h('h1', {}, 'Overview'),
    h(
      'div',
      { class: 'kpis' },
      kpi('runs', 'Runs', num(hh.runs), hh.runs),
      kpi('success-rate', 'Success rate', pct(hh.success_rate), hh.success_rate, `${num(hh.failed)} failed`),
      kpi('duration-p50', 'Duration p50', dur(hh.duration_p50_ms), hh.duration_p50_ms, '≈ ±9%'),
      kpi('duration-p95', 'Duration p95', dur(hh.duration_p95_ms), hh.duration_p95_ms, '≈ ±9%'),
      kpi('mttr', 'MTTR (pipelines)', durS(hh.mttr_median_s), hh.mttr_median_s, `${hh.recoveries} recoveries`),
      kpi('deploy-frequency', 'Deploys (production)', perDay(k.deployment_frequency_per_day), k.deployment_frequency_per_day, band(k.bands.deployment_frequency)),
      kpi('lead-time', 'Lead time (median)', durS(k.lead_time_median_s), k.lead_time_median_s, band(k.bands.lead_time)),
      kpi('change-failure-rate', 'Change failure rate', pct(k.change_failure_rate), k.change_failure_rate, band(k.bands.change_failure_rate)),
      kpi('time-to-restore', 'Time to restore', durS(k.time_to_restore_median_s), k.time_to_restore_median_s, band(k.bands.time_to_restore)),
      kpi('readiness-min', 'Readiness (lowest repo)', score(o.readiness.min), o.readiness.min, `${o.readiness.incomplete} of ${o.readiness.repos} incomplete`),
      kpi('cost', 'CI cost', usd(hh.usd), hh.usd, `${num(hh.carbon_g / 1000, 1)} kg CO2e`),
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
  await pillarPanels(main, (p) => p.page === 'overview' && p.pillar !== 'metrics');
}

async function health(main: HTMLElement): Promise<void> {
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
      kpi('mttr', 'MTTR', durS(t.mttr_median_s), t.mttr_median_s),
    ),
    h('p', { class: 'muted' }, 'Percentiles are approximate: quarter-octave buckets, within ±9.05% of the exact nearest-rank value. Success rate = success / (success + failed).'),
    card(
      'Success rate per day',
      chart('success-per-day', {
        xAxis: { type: 'category', data: daily.items.map((d: any) => d.day) },
        yAxis: { type: 'value', min: 0, max: 1 },
        series: [{ name: 'success rate', type: 'line', data: daily.items.map((d: any) => d.success_rate), markLine: { data: [{ yAxis: 0.9, name: 'seed 004 alert' }] } }],
      }),
    ),
    card(
      'Pipelines',
      exportLinks('pipelines'),
      table('pipelines', [
        { key: 'repo', label: 'repo' },
        { key: 'workflow', label: 'workflow' },
        { key: 'runs', label: 'runs', num: true, fmt: (r) => num(r.runs) },
        { key: 'success_rate', label: 'success', num: true, fmt: (r) => pct(r.success_rate) },
        { key: 'duration_p50_ms', label: 'p50', num: true, fmt: (r) => dur(r.duration_p50_ms) },
        { key: 'duration_p95_ms', label: 'p95', num: true, fmt: (r) => dur(r.duration_p95_ms) },
        { key: 'queue_p95_ms', label: 'queue p95', num: true, fmt: (r) => dur(r.queue_p95_ms) },
        { key: 'retry_rate', label: 'retried', num: true, fmt: (r) => pct(r.retry_rate) },
        { key: 'mttr_median_s', label: 'MTTR', num: true, fmt: (r) => durS(r.mttr_median_s) },
      ], hh.pipelines, { onRow: (r) => go({ repo: r.repo }) }),
    ),
    card(
      'Jobs and stage budgets (seed 001)',
      exportLinks('jobs'),
      table('jobs', [
        { key: 'repo', label: 'repo' },
        { key: 'job', label: 'job' },
        { key: 'executions', label: 'executions', num: true, fmt: (r) => num(r.executions) },
        { key: 'failure_rate', label: 'failed', num: true, fmt: (r) => pct(r.failure_rate) },
        { key: 'retry_rate', label: 'retried', num: true, fmt: (r) => pct(r.retry_rate) },
        { key: 'duration_p50_ms', label: 'p50', num: true, fmt: (r) => dur(r.duration_p50_ms) },
        { key: 'duration_p95_ms', label: 'p95', num: true, fmt: (r) => dur(r.duration_p95_ms) },
        { key: 'budget', label: 'budget (target / max)', value: (r) => r.budget?.status ?? '', fmt: (r) => (r.budget ? h('span', {}, band(r.budget.status), ` ${r.budget.stage} ${durS(r.budget.target_s)} / ${durS(r.budget.max_s)}`) : NO_DATA) },
      ], hh.jobs),
    ),
    card(
      'Latest failed runs',
      exportLinks('failures'),
      table('failures', [
        { key: 'started_at', label: 'started', fmt: (r) => r.started_at.replace('T', ' ').slice(0, 16) },
        { key: 'repo', label: 'repo' },
        { key: 'branch', label: 'branch' },
        { key: 'environment', label: 'env' },
        { key: 'failed_jobs', label: 'failed jobs', value: (r) => r.failed_jobs.join(', ') },
        { key: 'duration_ms', label: 'duration', num: true, fmt: (r) => dur(r.duration_ms) },
        { key: 'run_id', label: 'run', fmt: (r) => h('a', { href: `/?page=run&id=${r.run_id}` }, r.run_id.slice(0, 8)) },
      ], failures.items, { onRow: (r) => go({ page: 'run', id: r.run_id }), empty: 'No failed run in this window.' }),
    ),
  );
}

async function dora(main: HTMLElement): Promise<void> {
  const d = await api(`/api/v1/metrics/dora${filterQuery()}`);
  setWindow(d.window);
  const k = d.total;
  const s = d.definitions.seed004;
  const seedNote = (key: string, label: string) => {
    const m = k.seed004[key];
    const t = (v: boolean | null) => (v === null ? 'no data' : v ? 'met' : 'not met');
    return `seed 004: ${label} — initial ${t(m.initial)}, elite ${t(m.elite)}`;
  };
  main.append(
    h('h1', {}, `DORA — ${d.environments ? d.environments.join(' / ') : 'all environments'}`),
    h(
      'div',
      { class: 'kpis' },
      kpi('deploy-frequency', 'Deployment frequency', perDay(k.deployment_frequency_per_day), k.deployment_frequency_per_day, h('span', {}, band(k.bands.deployment_frequency), ' ', seedNote('deployment_frequency', s.deploymentFrequency.elite.label))),
      kpi('lead-time', 'Lead time (median)', durS(k.lead_time_median_s), k.lead_time_median_s, h('span', {}, band(k.bands.lead_time), ' ', seedNote('lead_time', s.leadTime.elite.label))),
      kpi('change-failure-rate', 'Change failure rate', pct(k.change_failure_rate), k.change_failure_rate, h('span', {}, band(k.bands.change_failure_rate), ' ', seedNote('change_failure_rate', s.changeFailureRate.elite.label))),
      kpi('time-to-restore', 'Time to restore (median)', durS(k.time_to_restore_median_s), k.time_to_restore_median_s, h('span', {}, band(k.bands.time_to_restore), ' ', seedNote('time_to_restore', s.timeToRestore.elite.label))),
      kpi('deployments', 'Deployments', num(k.deployments), k.deployments, `${k.failed} failed, ${k.incidents_open} open incidents`),
    ),
    h('p', { class: 'muted' }, `A deployment is a distinct (repo, environment, deployment_id); it failed when its final status failed or it rolled back. Lead time by exact commit ancestry; the first deployment is the baseline. Medians — ${d.definitions.percentiles}. Bands: ${d.definitions.bands.source}.`),
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
          series: [{ name: 'lead time (h)', type: 'line', data: d.weekly.map((w: any) => (w.lead_time_median_s === null ? null : +(w.lead_time_median_s / 3600).toFixed(2))), markLine: { data: [{ yAxis: 24, name: 'DORA elite < 1 day' }] } }],
        }),
      ),
    ),
    card(
      'Per repository and environment',
      exportLinks('dora-groups'),
      table('dora-groups', [
        { key: 'repo', label: 'repo' },
        { key: 'environment', label: 'environment' },
        { key: 'deployments', label: 'deployments', num: true },
        { key: 'deployment_frequency_per_day', label: 'per day', num: true, fmt: (r) => h('span', {}, perDay(r.deployment_frequency_per_day), ' ', band(r.bands.deployment_frequency)) },
        { key: 'lead_time_median_s', label: 'lead time', num: true, fmt: (r) => h('span', {}, durS(r.lead_time_median_s), ' ', band(r.bands.lead_time)) },
        { key: 'change_failure_rate', label: 'change failure', num: true, fmt: (r) => h('span', {}, pct(r.change_failure_rate), ' ', band(r.bands.change_failure_rate)) },
        { key: 'time_to_restore_median_s', label: 'restore', num: true, fmt: (r) => h('span', {}, durS(r.time_to_restore_median_s), ' ', band(r.bands.time_to_restore)) },
        { key: 'unlinked_deployments', label: 'unlinked', num: true },
      ], d.groups, { onRow: (r) => go({ repo: r.repo }) }),
    ),
    card(
      'Incidents (failed deployment → restored)',
      exportLinks('incidents'),
      table('incidents', [
        { key: 'failed_at', label: 'failed', fmt: (r) => r.failed_at.replace('T', ' ').slice(0, 16) },
        { key: 'repo', label: 'repo' },
        { key: 'environment', label: 'env' },
        { key: 'failed_deployment_id', label: 'deployment' },
        { key: 'failures', label: 'failures', num: true },
        { key: 'restore_s', label: 'time to restore', num: true, fmt: (r) => (r.restore_s === null ? 'open' : durS(r.restore_s)) },
      ], d.incidents, { empty: 'No failed deployment in this window.' }),
    ),
    card(
      'Latest deployments',
      exportLinks('deployments'),
      table('deployments', [
        { key: 'finished_at', label: 'finished', fmt: (r) => r.finished_at.replace('T', ' ').slice(0, 16) },
        { key: 'repo', label: 'repo' },
        { key: 'environment', label: 'env' },
        { key: 'deployment_id', label: 'deployment' },
        { key: 'steps', label: 'reports', num: true },
        { key: 'outcome', label: 'outcome', fmt: (r) => band(r.outcome) },
        { key: 'commit_sha', label: 'commit', fmt: (r) => (r.commit_sha ?? '').slice(0, 10) },
      ], d.deployments),
    ),
  );
}

async function readiness(main: HTMLElement): Promise<void> {
  const r = await api(`/api/v1/metrics/readiness${filterQuery()}`);
  main.append(
    h('h1', {}, 'Release readiness'),
    h('p', { class: 'muted' }, `Seed 002: CI pass rate over the last 10 runs ${r.weights.ci}%, coverage ${r.weights.coverage}%, security ${r.weights.security}%, code quality ${r.weights.quality}%. ≥ 95 excellent, 90–94 good, 80–89 fair, < 80 poor. A component without data is missing: the score renormalizes over the others and is marked incomplete.`),
    card(
      'Repositories',
      exportLinks('readiness'),
      table('readiness', [
        { key: 'repo', label: 'repo' },
        { key: 'branch', label: 'branch' },
        { key: 'score', label: 'score', num: true, fmt: (x) => score(x.score) },
        { key: 'band', label: 'band', fmt: (x) => band(x.band) },
        { key: 'complete', label: 'complete', fmt: (x) => (x.complete ? 'yes' : `no — missing ${x.missing.join(', ')}`) },
        ...(['ci', 'coverage', 'security', 'quality'] as const).map((id) => ({
          key: id,
          label: id,
          num: true,
          value: (x: any) => x.components.find((c: any) => c.id === id)?.score ?? null,
          fmt: (x: any) => {
            const c = x.components.find((cc: any) => cc.id === id);
            return c?.score === null || c?.score === undefined ? h('span', { class: 'band missing' }, 'missing') : score(c.score);
          },
        })),
      ], r.items, { onRow: (x) => go({ repo: x.repo }) }),
    ),
    ...r.items.slice(0, 12).map((x: any) =>
      card(
        `${x.repo} — ${score(x.score)}`,
        h(
          'table',
          { class: 'components' },
          h('thead', {}, h('tr', {}, h('th', {}, 'component'), h('th', { class: 'num' }, 'weight'), h('th', { class: 'num' }, 'score'), h('th', {}, 'from'))),
          h('tbody', {}, ...x.components.map((c: any) => h('tr', {}, h('td', {}, c.id), h('td', { class: 'num' }, String(c.weight)), h('td', { class: 'num' }, c.score === null ? 'missing' : score(c.score)), h('td', {}, c.explanation)))),
        ),
      ),
    ),
  );
}

async function cost(main: HTMLElement): Promise<void> {
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
        yAxis: [{ type: 'value', name: 'USD' }, { type: 'value', name: 'kg CO2e' }],
        series: [
          { name: 'USD', type: 'bar', data: c.weekly.map((w: any) => +w.usd.toFixed(2)), color: '#2f6fdf' },
          { name: 'kg CO2e', type: 'line', yAxisIndex: 1, data: c.weekly.map((w: any) => +(w.carbon_g / 1000).toFixed(3)), color: '#1f9d55' },
        ],
      }),
    ),
    card(
      'Per pipeline',
      exportLinks('cost-repos'),
      table('cost-repos', [
        { key: 'repo', label: 'repo' },
        { key: 'workflow', label: 'workflow' },
        { key: 'runs', label: 'runs', num: true, fmt: (r) => num(r.runs) },
        { key: 'usd', label: 'USD', num: true, fmt: (r) => usd(r.usd) },
        { key: 'usd_per_run', label: 'USD / run', num: true, fmt: (r) => usd(r.usd_per_run, 3) },
        { key: 'carbon_g', label: 'kg CO2e', num: true, fmt: (r) => num(r.carbon_g / 1000, 2) },
        { key: 'kwh', label: 'kWh', num: true, fmt: (r) => num(r.kwh, 2) },
      ], c.pipelines),
    ),
  );
}

async function run(main: HTMLElement): Promise<void> {
  const id = params().get('id') ?? '';
  const [detail, findings] = await Promise.all([api(`/api/v1/runs/${encodeURIComponent(id)}`), api(`/api/v1/runs/${encodeURIComponent(id)}/findings`).catch(() => ({ items: [] }))]);
  const r = detail.run;
  add(main, 
    h('p', {}, h('a', { href: `/?page=health${filterQuery().replace('?', '&')}` }, '← Run Health')),
    h('h1', { 'data-testid': 'run-title' }, `${r.repo} · ${r.branch ?? ''} · `, band(r.status)),
    h(
      'div',
      { class: 'kpis' },
      kpi('run-duration', 'Duration', dur(r.duration_ms), r.duration_ms),
      kpi('run-queue', 'Queue', dur(r.queue_ms), r.queue_ms),
      kpi('run-commit', 'Commit', (r.commit_sha ?? NO_DATA).slice(0, 10), r.commit_sha),
      kpi('run-started', 'Started', (r.started_at ?? '').replace('T', ' ').slice(0, 19), r.started_at),
      r.cost ? kpi('run-cost', 'Cost', usd(r.cost.usd, 3), r.cost.usd) : null,
    ),
    card(
      'Jobs',
      table('run-jobs', [
        { key: 'name', label: 'job' },
        { key: 'status', label: 'status', fmt: (j) => band(j.status === 'success' ? 'success' : j.status === 'failed' ? 'failed' : 'other') },
        { key: 'attempt', label: 'attempt', num: true },
        { key: 'duration_ms', label: 'duration', num: true, fmt: (j) => dur(j.duration_ms) },
        { key: 'queue_ms', label: 'queue', num: true, fmt: (j) => dur(j.queue_ms) },
        { key: 'cache_hit', label: 'cache hit' },
      ], r.jobs),
    ),
    r.tests && r.tests.total > 0
      ? card('Tests', h('div', { class: 'kpis' }, kpi('tests-total', 'Tests', num(r.tests.total), r.tests.total), kpi('tests-failed', 'Failed', num(r.tests.failed), r.tests.failed), kpi('coverage', 'Line coverage', pct(r.tests.coverage_lines), r.tests.coverage_lines)))
      : card('Tests', h('div', { class: 'empty' }, 'This run reported no tests.')),
    findings.items.length
      ? card('Findings (SARIF / lint)', table('run-findings', [{ key: 'category', label: 'category' }, { key: 'tool', label: 'tool' }, { key: 'errors', label: 'errors', num: true }, { key: 'warnings', label: 'warnings', num: true }], findings.items))
      : null,
    ...Object.entries(detail.analyses ?? {}).map(([pillar, a]) => card(`Analysis: ${pillar}`, genericView(a, `analysis-${pillar}`))),
    r.policies?.length ? card('Policies', table('run-policies', [{ key: 'policy_id', label: 'policy' }, { key: 'result', label: 'result' }, { key: 'reason', label: 'reason' }], r.policies)) : null,
  );
}

/** Renders what another pillar's panel API returns: scalars as KPIs, arrays of objects as tables. */
function genericView(data: any, id: string): HTMLElement {
  const box = h('div', {});
  if (data === null || data === undefined) return h('div', { class: 'empty' }, 'No data.');
  if (Array.isArray(data)) data = { items: data };
  if (typeof data !== 'object') return h('div', {}, String(data));
  const scalars = Object.entries(data).filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v));
  if (scalars.length) box.append(h('div', { class: 'kpis' }, ...scalars.slice(0, 12).map(([k, v]) => kpi(`${id}-${k}`, k.replace(/_/g, ' '), typeof v === 'number' ? (Number.isInteger(v) ? num(v) : num(v, 3)) : when(String(v)), v))));
  for (const [k, v] of Object.entries(data)) {
    if (Array.isArray(v)) {
      const rows = v.slice(0, 50).filter((x) => x && typeof x === 'object') as Record<string, unknown>[];
      const keys = [...new Set(rows.flatMap((x) => Object.keys(x)))].slice(0, 10);
      box.append(h('h2', {}, k.replace(/_/g, ' ')), table(`${id}-${k}`, keys.map((kk) => ({ key: kk, label: kk.replace(/_/g, ' '), value: (x: any) => (x[kk] !== null && typeof x[kk] === 'object' ? JSON.stringify(x[kk]) : x[kk]) })), rows, { empty: 'Nothing yet.' }));
    } else if (v && typeof v === 'object') box.append(h('h2', {}, k.replace(/_/g, ' ')), h('pre', {}, JSON.stringify(v, null, 1)));
  }
  return box;
}

async function pillarPanels(main: HTMLElement, pick: (p: Panel) => boolean): Promise<number> {
  const list = panels.filter(pick).sort((a, b) => (a.order ?? 50) - (b.order ?? 50) || a.id.localeCompare(b.id));
  for (const p of list) {
    const box = card(p.title);
    box.setAttribute('data-testid', `panel-${p.id}`);
    main.append(box);
    try {
      let data;
      try {
        data = await api(`${p.api}${filterQuery()}`);
      } catch (e) {
        // A panel API may not take every filter: ask again with none.
        if (e instanceof HttpError && e.status === 400) data = await api(p.api);
        else throw e;
      }
      box.append(genericView(data, p.id));
    } catch (e) {
      const need = /required property '([a-z_]+)'/.exec((e as Error).message);
      box.append(h('div', { class: 'empty' }, need ? `Choose a ${need[1]} in the filters above to see this panel.` : `Could not load: ${(e as Error).message}`));
    }
  }
  return list.length;
}

async function pillarPage(main: HTMLElement, page: string, title: string): Promise<void> {
  main.append(h('h1', {}, title));
  const n = await pillarPanels(main, (p) => p.page === page || (p.pillar === page && p.page !== 'overview'));
  if (!n) main.append(h('div', { class: 'empty', 'data-testid': 'empty-page' }, `No ${title.toLowerCase()} panel yet: the ${page} pillar registers its panels here when it is installed and has data.`));
}

// ---------------------------------------------------------------- shell

function setWindow(w: { since: string; until: string } | undefined): void {
  if (w) $('#window-span').textContent = `${w.since.slice(0, 10)} → ${w.until.slice(0, 16).replace('T', ' ')} UTC`;
}

async function loadFilters(): Promise<void> {
  const f = await api('/api/v1/metrics/filters');
  const repo = $<HTMLSelectElement>('select[name=repo]');
  for (const r of f.repos) repo.append(h('option', { value: r }, r));
  const env = $<HTMLSelectElement>('select[name=environment]');
  env.append(h('option', { value: 'production' }, `production (${f.production.join(', ')})`));
  for (const e of f.environments) if (!f.production.includes(e)) env.append(h('option', { value: e }, e));
  const bl = $('#branches');
  for (const b of f.branches) bl.append(h('option', { value: b }));
}

function syncFilters(): void {
  const p = params();
  const form = $<HTMLFormElement>('#filters');
  for (const f of FILTERS) {
    const el = form.elements.namedItem(f) as HTMLInputElement | HTMLSelectElement;
    el.value = p.get(f) ?? (f === 'window' ? '30' : '');
  }
}

async function render(): Promise<void> {
  for (const c of charts.splice(0)) c.dispose();
  const page = params().get('page') ?? 'overview';
  document.querySelectorAll('#nav a').forEach((a) => a.classList.toggle('active', a.getAttribute('data-page') === page));
  syncFilters();
  const main = $('#main');
  const fresh = h('div', { 'data-testid': `page-${page}`, 'data-loading': 'true' });
  main.replaceChildren(fresh);
  const title = PAGES.find((p) => p.id === page)?.title ?? 'ci-intel';
  document.title = `${title} · ci-intel`;
  try {
    if (page === 'overview') await overview(fresh);
    else if (page === 'health') await health(fresh);
    else if (page === 'dora') await dora(fresh);
    else if (page === 'readiness') await readiness(fresh);
    else if (page === 'cost') await cost(fresh);
    else if (page === 'run') await run(fresh);
    else await pillarPage(fresh, page, title);
  } catch (e) {
    fresh.append(h('div', { class: 'empty bad', 'data-testid': 'error' }, `Could not load this page: ${(e as Error).message}`));
  }
  fresh.setAttribute('data-loading', 'false');
}

async function start(): Promise<void> {
  const info = await (await fetch('/api/v1/pillars')).json();
  demo = Boolean(info.demo);
  panels = info.pillars.flatMap((p: any) => (p.panels ?? []).map((x: any) => ({ ...x, pillar: p.id })));
  $('#mode').textContent = demo ? 'demo mode: synthetic data, reads need no token' : '';
  const nav = $('#nav');
  for (const p of PAGES) {
    nav.append(
      h('a', {
        href: `/?page=${p.id}`,
        'data-page': p.id,
        onclick: (e: Event) => {
          e.preventDefault();
          go({ page: p.id, id: null });
        },
      }, p.title),
    );
  }
  const form = $<HTMLFormElement>('#filters');
  form.addEventListener('change', (e) => {
    const t = e.target as HTMLInputElement;
    go({ [t.name]: t.value || null });
  });
  form.addEventListener('submit', (e) => e.preventDefault());
  window.addEventListener('popstate', () => void render());
  await loadFilters().catch(() => {});
  await render();
}

void start();
