// The Compliance page: per repository, the policy violations open now (by severity), those fixed in
// the last 30 days and the age of the oldest open one; for the chosen repository, open findings
// over its recorded checks, the open violations with the commit that brought them, and the fixed.
import { api, card, chart, go, h, help, kpi, local, num, params, table, type PageView } from '../../../core/web/index.js';

const SEND = 'Record checks from CI: ci-intel policy check . --record --hub URL --token T (the commit and repository come from the CI environment).';
const DAY = 86_400_000;

/** "12 d" for an age in days, from an ISO time. */
const age = (iso: string | null) => (iso ? `${num(Math.max(0, Math.floor((Date.now() - new Date(iso).getTime()) / DAY)))} d` : '–');
const short = (sha: string | null) => (sha ? sha.slice(0, 10) : '–');

function trend(checks: any[]): HTMLElement {
  const t = (c: any) => new Date(c.checked_at).getTime();
  return chart(
    'compliance-trend',
    {
      legend: { top: 0 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', name: 'findings', minInterval: 1 },
      tooltip: { trigger: 'axis' },
      series: [
        { name: 'errors', type: 'line', step: 'end', color: '#c0392b', data: checks.map((c) => [t(c), c.errors]) },
        { name: 'warnings', type: 'line', step: 'end', color: '#c07a16', data: checks.map((c) => [t(c), c.warnings]) },
      ],
    },
    { points: checks.length },
  );
}

export const compliancePage: PageView = async (main) => {
  const chosen = params().get('repo');
  const sum = await api('/api/v1/compliance/summary?since=30d');
  main.append(h('h1', {}, 'Compliance'));
  const repos: any[] = sum.repos;
  if (!repos.length) {
    main.append(h('div', { class: 'empty', 'data-testid': 'empty-compliance' }, `No compliance check recorded yet. ${SEND}`));
    return;
  }
  const total = (k: string) => repos.reduce((s, r) => s + r[k], 0);
  const repo = chosen ?? [...repos].sort((a, b) => b.open_errors - a.open_errors || b.open_warnings - a.open_warnings || a.repo.localeCompare(b.repo))[0].repo;
  const [owner, name] = [repo.slice(0, repo.lastIndexOf('/')), repo.slice(repo.lastIndexOf('/') + 1)];
  const [open, fixed] = await Promise.all([
    api(`/api/v1/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/policy-violations?state=open&since=90d`),
    api(`/api/v1/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/policy-violations?state=fixed&since=30d`),
  ]);
  main.append(
    h(
      'div',
      { class: 'kpis' },
      kpi(
        'open-errors',
        'Open errors, all repositories',
        num(total('open_errors')),
        total('open_errors'),
        help(
          'Findings of error severity (unpinned actions, script injection, secrets on command lines …) in the latest recorded check of each repository. They also lower its release readiness.',
        ),
      ),
      kpi('open-warnings', 'Open warnings', num(total('open_warnings')), total('open_warnings')),
      kpi('fixed', 'Fixed in the last 30 days', num(total('fixed_recently')), total('fixed_recently')),
      kpi('repos', 'Repositories checked', num(repos.length), repos.length),
    ),
    card(
      'Repositories',
      table(
        'compliance-repos',
        [
          { key: 'repo', label: 'repository' },
          { key: 'open_errors', label: 'open errors', num: true, fmt: (r) => num(r.open_errors) },
          { key: 'open_warnings', label: 'open warnings', num: true, fmt: (r) => num(r.open_warnings) },
          { key: 'fixed_recently', label: 'fixed (30 days)', num: true, fmt: (r) => num(r.fixed_recently) },
          { key: 'oldest_open_at', label: 'oldest open', num: true, fmt: (r) => age(r.oldest_open_at) },
          { key: 'last_checked_at', label: 'last check', fmt: (r) => `${local(r.last_checked_at)} · ${short(r.last_checked_commit)}` },
        ],
        repos,
        { onRow: (r) => go({ repo: r.repo }) },
      ),
    ),
    card(
      `Open findings per check, ${repo}`,
      chosen ? null : h('p', { class: 'muted' }, 'The repository with the most open errors; choose another in the table above.'),
      open.checks.length ? trend(open.checks) : h('div', { class: 'empty' }, `No check of ${repo} in the last 90 days. ${SEND}`),
    ),
    card(
      `Open violations, ${repo}`,
      table(
        'compliance-open',
        [
          { key: 'severity', label: 'severity' },
          { key: 'rule', label: 'rule' },
          { key: 'file', label: 'where', fmt: (r) => `${r.file}:${r.line}` },
          { key: 'message', label: 'finding' },
          { key: 'first_seen_at', label: 'open for', num: true, fmt: (r) => age(r.first_seen_at) },
          { key: 'first_seen_commit', label: 'since commit', fmt: (r) => short(r.first_seen_commit) },
        ],
        open.violations,
        { empty: 'Nothing open: the latest check found no violation.' },
      ),
    ),
    card(
      `Fixed in the last 30 days, ${repo}`,
      table(
        'compliance-fixed',
        [
          { key: 'rule', label: 'rule' },
          { key: 'file', label: 'where', fmt: (r) => `${r.file}:${r.line}` },
          { key: 'first_seen_at', label: 'opened', fmt: (r) => local(r.first_seen_at) },
          { key: 'fixed_at', label: 'fixed', fmt: (r) => local(r.fixed_at) },
          { key: 'fixed_in', label: 'in commit', fmt: (r) => short(r.fixed_in) },
        ],
        fixed.violations,
        { empty: 'Nothing fixed in the last 30 days.' },
      ),
    ),
  );
};

export const complianceViews: Record<string, PageView> = { compliance: compliancePage };
