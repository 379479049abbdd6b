// The executive scorecard: one row per service — DORA bands (production), readiness, resilience,
// flake index, cost and CO2e per run — each with an arrow against the window before. Exports: CSV,
// and a standalone HTML page laid out for printing to PDF. Resilience is read from the mutation
// API (its latest main-branch point, and the last point before this window for the arrow).
import { api, band, card, durS, filterQuery, h, help, pct, perDay, sig, table, usd, type Col } from '../../../core/web/index.js';

type Dir = 'better' | 'worse' | 'same' | null;

/** The direction of a change where `up` is good (or bad, for cost and failure rates). */
function dir(now: number | null | undefined, before: number | null | undefined, upIsGood: boolean): Dir {
  if (now === null || now === undefined || before === null || before === undefined) return null;
  if (Math.abs(now - before) <= Math.abs(before) * 0.02) return 'same';
  return now > before === upIsGood ? 'better' : 'worse';
}

const ARROW: Record<Exclude<Dir, null>, string> = { better: '▲', worse: '▼', same: '▬' };

function arrow(d: Dir, now: number | null | undefined, before: number | null | undefined): HTMLElement | string {
  if (!d) return '';
  // ▲ always means "better", whichever way the number moved; the title says which way it moved.
  const moved = now! > before! ? 'up' : now! < before! ? 'down' : 'unchanged';
  return h('span', { class: `trend ${d}`, title: `${d} than the window before (${moved})`, 'data-trend': d }, ` ${ARROW[d]}`);
}

interface Row {
  repo: string;
  readiness: { score: number | null; band: string | null };
  security: { score: number; policy_deny: number; policy_warn: number; sarif_errors: number } | null;
  now: any;
  before: any;
  resilience: number | null;
  resilience_before: number | null;
}

const doraCell = (key: string, field: string, fmt: (v: number | null) => string, upIsGood: boolean): Col<Row> => ({
  key,
  label: key.replace(/_/g, ' '),
  value: (r) => r.now.dora?.bands[key] ?? null,
  fmt: (r) =>
    h(
      'span',
      {},
      band(r.now.dora?.bands[key] ?? null),
      ' ',
      fmt(r.now.dora?.[field] ?? null),
      arrow(dir(r.now.dora?.[field], r.before.dora?.[field], upIsGood), r.now.dora?.[field], r.before.dora?.[field]),
    ),
});

const COLS: Col<Row>[] = [
  { key: 'repo', label: 'service' },
  doraCell('deployment_frequency', 'deployment_frequency_per_day', perDay, true),
  doraCell('lead_time', 'lead_time_median_s', durS, false),
  doraCell('change_failure_rate', 'change_failure_rate', pct, false),
  doraCell('time_to_restore', 'time_to_restore_median_s', durS, false),
  {
    key: 'readiness',
    label: 'readiness',
    num: true,
    value: (r) => r.readiness.score,
    fmt: (r) => h('span', {}, r.readiness.score === null ? '–' : sig(r.readiness.score), ' ', band(r.readiness.band)),
  },
  {
    key: 'security',
    label: 'policies',
    num: true,
    value: (r) => (r.security ? r.security.policy_deny * 1000 + r.security.policy_warn : null),
    fmt: (r) =>
      r.security
        ? h(
            'span',
            { class: r.security.policy_deny || r.security.sarif_errors ? 'bad' : '' },
            `${r.security.policy_deny} deny · ${r.security.policy_warn} warn${r.security.sarif_errors ? ` · ${r.security.sarif_errors} SARIF errors` : ''}`,
          )
        : '–',
  },
  {
    key: 'resilience',
    label: 'resilience',
    num: true,
    value: (r) => r.resilience,
    fmt: (r) => h('span', {}, pct(r.resilience), arrow(dir(r.resilience, r.resilience_before, true), r.resilience, r.resilience_before)),
  },
  {
    key: 'flake_index',
    label: 'flake index',
    num: true,
    value: (r) => r.now.flake_index,
    fmt: (r) => h('span', {}, pct(r.now.flake_index, 2), arrow(dir(r.now.flake_index, r.before.flake_index, false), r.now.flake_index, r.before.flake_index)),
  },
  {
    key: 'usd_per_run',
    label: 'cost per run',
    num: true,
    value: (r) => r.now.usd_per_run,
    fmt: (r) => h('span', {}, usd(r.now.usd_per_run, 3), arrow(dir(r.now.usd_per_run, r.before.usd_per_run, false), r.now.usd_per_run, r.before.usd_per_run)),
  },
  {
    key: 'carbon_g_per_run',
    label: 'CO2e per run',
    num: true,
    value: (r) => r.now.carbon_g_per_run,
    fmt: (r) =>
      h(
        'span',
        {},
        r.now.carbon_g_per_run === null ? '–' : `${sig(r.now.carbon_g_per_run)} g`,
        arrow(dir(r.now.carbon_g_per_run, r.before.carbon_g_per_run, false), r.now.carbon_g_per_run, r.before.carbon_g_per_run),
      ),
  },
];

/** The rows as CSV: raw values (no formatting) and each trend, one line per service. */
export function scorecardCsv(rows: Row[]): string {
  const q = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const head = [
    'service',
    'deployment_frequency_per_day',
    'deployment_frequency_band',
    'lead_time_median_s',
    'lead_time_band',
    'change_failure_rate',
    'change_failure_rate_band',
    'time_to_restore_median_s',
    'time_to_restore_band',
    'readiness',
    'readiness_band',
    'security_score',
    'policy_deny',
    'policy_warn',
    'security_sarif_errors',
    'resilience',
    'resilience_trend',
    'flake_index',
    'flake_index_trend',
    'usd_per_run',
    'usd_per_run_trend',
    'carbon_g_per_run',
    'carbon_g_per_run_trend',
  ];
  const lines = rows.map((r) => {
    const d = r.now.dora;
    return [
      r.repo,
      d?.deployment_frequency_per_day,
      d?.bands.deployment_frequency,
      d?.lead_time_median_s,
      d?.bands.lead_time,
      d?.change_failure_rate,
      d?.bands.change_failure_rate,
      d?.time_to_restore_median_s,
      d?.bands.time_to_restore,
      r.readiness.score,
      r.readiness.band,
      r.security?.score,
      r.security?.policy_deny,
      r.security?.policy_warn,
      r.security?.sarif_errors,
      r.resilience,
      dir(r.resilience, r.resilience_before, true),
      r.now.flake_index,
      dir(r.now.flake_index, r.before.flake_index, false),
      r.now.usd_per_run,
      dir(r.now.usd_per_run, r.before.usd_per_run, false),
      r.now.carbon_g_per_run,
      dir(r.now.carbon_g_per_run, r.before.carbon_g_per_run, false),
    ]
      .map(q)
      .join(',');
  });
  return [head.join(','), ...lines].join('\n') + '\n';
}

/** A standalone page for printing to PDF: the table as shown, with its own styles. */
function printable(tableEl: HTMLElement, title: string): string {
  const css = `body{font:12px system-ui,sans-serif;margin:24px;color:#1d232b}h1{font-size:18px}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left}td.num,th.num{text-align:right}.band{padding:1px 6px;border-radius:8px;font-size:11px;background:#eee}
.band.elite,.band.excellent{background:#d3f2de}.band.high,.band.good{background:#dcebff}.band.medium,.band.fair{background:#fff0c2}.band.low,.band.poor{background:#ffd9da}
.trend.better{color:#1f9d55}.trend.worse{color:#d0393e}.trend.same{color:#6a7480}@page{size:landscape}`;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${css}</style></head><body><h1>${esc(title)}</h1>${tableEl.outerHTML}<p>▲ better, ▼ worse, ▬ within 2% of the window before.</p></body></html>`;
}

function download(name: string, type: string, text: string): void {
  const a = h('a', { href: URL.createObjectURL(new Blob([text], { type })), download: name });
  document.body.append(a);
  a.click();
  a.remove();
}

export async function scorecardPage(main: HTMLElement): Promise<void> {
  const [s, m] = await Promise.all([api(`/api/v1/metrics/scorecard${filterQuery()}`), api('/api/v1/mutation/trends').catch(() => ({ repos: [] }))]);
  const since = Date.parse(s.window.since);
  // Resilience: the latest main-branch point, and the last one before this window (one call per repository with mutation data).
  const resil = new Map<string, { now: number | null; before: number | null }>();
  await Promise.all(
    (m.repos as Array<{ repo: string; score: number | null }>)
      .filter((x) => s.rows.some((r: Row) => r.repo === x.repo))
      .map(async (x) => {
        const series = await api(`/api/v1/mutation/trends?repo=${encodeURIComponent(x.repo)}`);
        const before = (series.points as Array<{ at: string; score: number | null }>).filter((p) => Date.parse(p.at) < since).at(-1);
        resil.set(x.repo, { now: x.score, before: before?.score ?? null });
      }),
  );
  const rows: Row[] = s.rows.map((r: any) => ({ ...r, resilience: resil.get(r.repo)?.now ?? null, resilience_before: resil.get(r.repo)?.before ?? null }));
  const title = `Scorecard — ${s.window.days} days to ${new Date().toLocaleDateString()}`;
  const tbl = table('scorecard', COLS, rows, {
    empty: 'No service has runs in this window: send pipeline runs (ci-intel ingest runs.ndjson, or the GitHub/GitLab webhooks) and deployments.',
  });
  main.append(
    h('h1', {}, 'Scorecard'),
    h(
      'p',
      { class: 'muted' },
      `One row per service: DORA bands of its production deployments, readiness, policy results (deny and warn decisions of its latest run with policy checks, error findings of its latest security scan), resilience (latest main-branch mutation report), flake index (mean of its runs'), cost and CO2e per run. Arrows compare with the ${s.window.days} days before: ▲ better, ▼ worse, ▬ within 2%.`,
      help(
        'Deployment frequency: successful deployments ÷ days. Lead time and time to restore: medians. Change failure rate: failed or rolled-back ÷ deployments. Readiness: weighted components (Readiness page). Flake index: runs with a failure a pass contradicted ÷ runs. Cost and CO2e: the runs’ cost records ÷ runs.',
      ),
    ),
    h(
      'div',
      { class: 'links' },
      h('button', { type: 'button', 'data-testid': 'scorecard-csv', onclick: () => download('scorecard.csv', 'text/csv', scorecardCsv(rows)) }, 'Download CSV'),
      h(
        'button',
        { type: 'button', 'data-testid': 'scorecard-html', onclick: () => download('scorecard.html', 'text/html', printable(tbl, title)) },
        'Download printable HTML (PDF-ready)',
      ),
    ),
    card(title, tbl),
  );
}
