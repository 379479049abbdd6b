// The run-detail page (`/?page=run&id=...`): a run as GET /api/v1/runs/:id returns it — jobs, tests,
// findings, policies — and what each pillar derived for it (`analyses`), rendered generically.
// It belongs to no pillar: the run is core's, the analyses are every pillar's.
import { add, api, band, card, dur, filterQuery, genericView, h, kpi, NO_DATA, num, params, pct, table, usd } from '../core/web/index.js';

export async function runPage(main: HTMLElement): Promise<void> {
  const id = params().get('id') ?? '';
  const [detail, findings] = await Promise.all([
    api(`/api/v1/runs/${encodeURIComponent(id)}`),
    api(`/api/v1/runs/${encodeURIComponent(id)}/findings`).catch(() => ({ items: [] })),
  ]);
  const r = detail.run;
  add(
    main,
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
      table(
        'run-jobs',
        [
          { key: 'name', label: 'job' },
          { key: 'status', label: 'status', fmt: (j) => band(j.status === 'success' ? 'success' : j.status === 'failed' ? 'failed' : 'other') },
          { key: 'attempt', label: 'attempt', num: true },
          { key: 'duration_ms', label: 'duration', num: true, fmt: (j) => dur(j.duration_ms) },
          { key: 'queue_ms', label: 'queue', num: true, fmt: (j) => dur(j.queue_ms) },
          { key: 'cache_hit', label: 'cache hit' },
        ],
        r.jobs,
      ),
    ),
    r.tests && r.tests.total > 0
      ? card(
          'Tests',
          h(
            'div',
            { class: 'kpis' },
            kpi('tests-total', 'Tests', num(r.tests.total), r.tests.total),
            kpi('tests-failed', 'Failed', num(r.tests.failed), r.tests.failed),
            kpi('coverage', 'Line coverage', pct(r.tests.coverage_lines), r.tests.coverage_lines),
          ),
        )
      : card('Tests', h('div', { class: 'empty' }, 'This run reported no tests.')),
    findings.items.length
      ? card(
          'Findings (SARIF / lint)',
          table(
            'run-findings',
            [
              { key: 'category', label: 'category' },
              { key: 'tool', label: 'tool' },
              { key: 'errors', label: 'errors', num: true },
              { key: 'warnings', label: 'warnings', num: true },
            ],
            findings.items,
          ),
        )
      : null,
    ...Object.entries(detail.analyses ?? {}).map(([pillar, a]) => card(`Analysis: ${pillar}`, genericView(a, `analysis-${pillar}`))),
    r.policies?.length
      ? card(
          'Policies',
          table(
            'run-policies',
            [
              { key: 'policy_id', label: 'policy' },
              { key: 'result', label: 'result' },
              { key: 'reason', label: 'reason' },
            ],
            r.policies,
          ),
        )
      : null,
  );
}
