// The run-detail page (`/?page=run&id=...`): a run as GET /api/v1/runs/:id returns it — jobs, tests,
// findings, policies — and what each pillar derived for it (`analyses`), rendered generically.
// It belongs to no pillar: the run is core's, the analyses are every pillar's.
import { add, api, band, card, dur, filterQuery, genericView, h, kpi, local, NO_DATA, num, params, pct, table, usd } from '../core/web/index.js';
import { evidenceSection } from '../pillars/supply-chain/web/evidence.js';
import { failureSection } from './autopsy.js';

/** Links to the run on its CI, its commit and its pull request (the hub builds them for its code hosts). */
function ciLinks(
  r: any,
  links: { ci_run: string | null; commit: string | null; pr: string | null } | null,
  trace?: { trace_id?: string; trace_url?: string | null },
): HTMLElement {
  const gl = r.provider === 'gitlab';
  const link = (testid: string, label: string, href: string | null | undefined) =>
    href ? h('a', { href, target: '_blank', rel: 'noopener', 'data-testid': testid }, label) : h('span', { class: 'muted', 'data-testid': testid }, label);
  return h(
    'div',
    { class: 'links' },
    link('link-ci-run', r.provider_run_id ? `CI run ${r.provider_run_id}` : 'CI run: not reported', links?.ci_run),
    link('link-commit', r.commit_sha ? `commit ${r.commit_sha.slice(0, 10)}` : 'commit: not reported', links?.commit),
    r.pr ? link('link-pr', `${gl ? 'merge request !' : 'pull request #'}${r.pr}`, links?.pr) : null,
    trace?.trace_url ? link('link-trace', `trace ${String(trace.trace_id).slice(0, 12)}`, trace.trace_url) : null,
    links ? null : h('span', { class: 'muted' }, '(links appear for runs reported by GitHub or GitLab)'),
  );
}

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
    ciLinks(r, detail.links ?? null, detail.analyses?.traces),
    h(
      'div',
      { class: 'kpis' },
      kpi('run-duration', 'Duration', dur(r.duration_ms), r.duration_ms),
      kpi('run-queue', 'Queue', dur(r.queue_ms), r.queue_ms),
      kpi('run-commit', 'Commit', (r.commit_sha ?? NO_DATA).slice(0, 10), r.commit_sha),
      kpi('run-started', 'Started', local(r.started_at), r.started_at),
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
    await failureSection(id, detail.analyses?.autopsy),
    evidenceSection(id, detail.analyses?.['supply-chain']),
    // Analyses with a designed section above; the others are rendered generically.
    ...Object.entries(detail.analyses ?? {})
      .filter(([pillar]) => pillar !== 'autopsy' && pillar !== 'supply-chain')
      .map(([pillar, a]) => card(`Analysis: ${pillar}`, genericView(a, `analysis-${pillar}`))),
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
