// The Tests page: the flaky board of every repository the reader may see (or the one chosen), each
// test's recent history as a strip, the flake index per suite type over time, the slowest tests and
// the quarantine with owners and expiry. One API call: GET /api/v1/tests/board.
import { api, card, chart, dur, filterQuery, go, h, help, kpi, local, num, pct, type PageView, table } from '../../../core/web/index.js';

const SEND = 'Send test reports from CI: ci-intel tests parse junit.xml --hub URL --token TOKEN (JUnit XML, go test -json, cargo test, TAP or CTRF).';

/** Pass / fail / flaky per run, oldest first: one square each, a click opens the run. */
function strip(runs: Array<{ run_id: string; outcome: string }>): HTMLElement {
  return h(
    'span',
    { class: 'strip', 'data-testid': 'history-strip' },
    ...runs.map((r) =>
      h('a', {
        class: `cell ${r.outcome}`,
        title: `${r.outcome} — open the run`,
        href: `/?page=run&id=${r.run_id}`,
        onclick: (e: Event) => (e.preventDefault(), go({ page: 'run', id: r.run_id })),
      }),
    ),
  );
}

export const testsPage: PageView = async (main) => {
  const b = await api(`/api/v1/tests/board${filterQuery()}`);
  const where = b.repo ?? 'all repositories';
  main.append(
    h('h1', {}, 'Tests'),
    h(
      'div',
      { class: 'kpis' },
      kpi(
        'flaky-tests',
        'Flaky tests',
        num(b.flaky_total),
        b.flaky_total,
        help(`Tests of ${where} with at least one failure a pass on the same commit contradicted, in the last ${b.days} days.`),
      ),
      kpi('quarantined', 'Quarantined', num(b.quarantine.length), b.quarantine.length, 'active entries'),
      kpi('slowest', 'Slowest test (median)', dur(b.slowest[0]?.p50_ms), b.slowest[0]?.p50_ms, b.slowest[0]?.test_id ?? ''),
    ),
    card(
      `Flaky tests, ${where} (${b.days} days)`,
      table(
        'flaky-board',
        [
          { key: 'test_id', label: 'test' },
          { key: 'repo', label: 'repository', fmt: (r) => h('a', { href: '#', onclick: (e: Event) => (e.preventDefault(), go({ repo: r.repo })) }, r.repo) },
          { key: 'flake_rate', label: 'flake rate', num: true, fmt: (r) => pct(r.flake_rate) },
          { key: 'flaky_events', label: 'failures contradicted by a pass', num: true, fmt: (r) => `${num(r.flaky_events)} of ${num(r.executions)}` },
          { key: 'first_seen', label: 'first seen' },
          { key: 'last_seen', label: 'last seen' },
          { key: 'owner', label: 'owner' },
          { key: 'quarantined_until', label: 'quarantined until', fmt: (r) => (r.quarantined_until ? local(r.quarantined_until) : 'not quarantined') },
          {
            key: 'history',
            label: `last runs (oldest → newest)`,
            value: (r) => r.history.map((x: any) => x.outcome[0]).join(''),
            fmt: (r) => strip(r.history),
          },
        ],
        b.flaky,
        {
          empty: `No flaky test in ${where} in the last ${b.days} days. ${SEND} A test is flaky when a failure and a pass share a commit (a retry or a rerun).`,
        },
      ),
      b.flaky_total > b.flaky.length ? h('p', { class: 'muted' }, `The ${num(b.flaky.length)} worst of ${num(b.flaky_total)} flaky tests.`) : null,
    ),
    card(
      'Flake index per suite type (runs with a flaky failure / runs, per day)',
      b.trend.length ? chart('flake-trend', trendOption(b.trend)) : h('div', { class: 'empty' }, `No test results in the last ${b.days} days. ${SEND}`),
    ),
    h(
      'div',
      { class: 'grid' },
      card(
        'Slowest tests (median of passing runs)',
        table(
          'slowest-tests',
          [
            { key: 'test_id', label: 'test' },
            { key: 'repo', label: 'repository' },
            { key: 'p50_ms', label: 'median', num: true, fmt: (r) => dur(r.p50_ms) },
            { key: 'max_ms', label: 'slowest', num: true, fmt: (r) => dur(r.max_ms) },
            { key: 'executions', label: 'runs', num: true, fmt: (r) => num(r.executions) },
          ],
          b.slowest,
          { empty: `No passing test with a duration yet. ${SEND}` },
        ),
      ),
      card(
        'Quarantine',
        table(
          'quarantine',
          [
            { key: 'test_id', label: 'test' },
            { key: 'repo', label: 'repository' },
            { key: 'owner', label: 'owner' },
            { key: 'reason', label: 'why' },
            { key: 'quarantined_at', label: 'since', fmt: (r) => local(r.quarantined_at) },
            { key: 'expires_at', label: 'expires', fmt: (r) => (r.expires_at ? local(r.expires_at) : 'no expiry') },
          ],
          b.quarantine,
          { empty: 'No test is quarantined: a test is quarantined when it is flaky in enough of its recent runs (tests.quarantine in the config).' },
        ),
      ),
    ),
  );
};

function trendOption(trend: Array<{ day: string; suite_type: string; flake_index: number | null }>) {
  const days = [...new Set(trend.map((t) => t.day))].sort();
  const suites = [...new Set(trend.map((t) => t.suite_type))].sort();
  const at = new Map(trend.map((t) => [`${t.suite_type}\0${t.day}`, t.flake_index]));
  return {
    legend: { top: 0 },
    xAxis: { type: 'category', data: days },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } },
    tooltip: { trigger: 'axis', valueFormatter: (v: number | null) => pct(v) },
    series: suites.map((s) => ({ name: s, type: 'line', connectNulls: false, data: days.map((d) => at.get(`${s}\0${d}`) ?? null) })),
  };
}

export const testsViews: Record<string, PageView> = { tests: testsPage };
