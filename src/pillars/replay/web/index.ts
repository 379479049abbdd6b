// The Infrastructure page: drift per environment and its trend, and the infrastructure changes
// (Terraform/Ansible applies, plans, drift checks) recorded on the hub, with their outcome.
import { api, card, chart, filterQuery, h, help, kpi, local, num, table, type PageView } from '../../../core/web/index.js';

const SEND =
  'Record runs from CI: ci-intel replay record --plan plan.json --apply apply.json --env prod --hub URL --token T; drift checks with --drift (terraform plan -refresh-only -json, or ansible-playbook --check --diff).';
const short = (sha: string | null) => (sha ? sha.slice(0, 10) : '–');

function driftTrend(envs: any[]): HTMLElement {
  const day = (d: string) => Date.parse(`${d}T12:00:00Z`);
  return chart(
    'replay-drift-trend',
    {
      legend: { top: 0 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', name: 'drifted items', minInterval: 1 },
      series: envs.map((e) => ({
        name: `${e.repo} · ${e.environment}`,
        type: 'line',
        step: 'end',
        data: e.trend.map((t: any) => [day(t.day), t.drifted_items]),
      })),
    },
    { series: envs.length, points: envs.reduce((n, e) => n + e.trend.length, 0) },
  );
}

const stateOf = (e: any) => (e.persists ? 'drift persists' : e.drifted_now ? 'drifted' : 'clean');

export const infraPage: PageView = async (main) => {
  const q = filterQuery();
  const [drift, recs] = await Promise.all([api(`/api/v1/replay/drift${q}`), api(`/api/v1/replay/records${q}`)]);
  main.append(h('h1', {}, 'Infrastructure'));
  const envs: any[] = drift.environments;
  const records: any[] = recs.records;
  if (!envs.length && !records.length) {
    main.append(h('div', { class: 'empty', 'data-testid': 'empty-infra' }, `No infrastructure run recorded in this window. ${SEND}`));
    return;
  }
  const applies = records.filter((r) => r.kind === 'apply');
  const failed = applies.filter((r) => r.failed).length;
  main.append(
    h(
      'div',
      { class: 'kpis' },
      kpi(
        'drift-persists',
        'Environments where drift persists',
        num(envs.filter((e) => e.persists).length),
        envs.filter((e) => e.persists).length,
        help(
          `An environment whose last ${drift.persist} drift checks all found resources that differ from the recorded state. The items listed drifted in each of those checks.`,
        ),
      ),
      kpi('drift-envs', 'Environments checked for drift', num(envs.length), envs.length),
      kpi('applies', 'Infrastructure changes applied', num(applies.length), applies.length),
      kpi(
        'applies-failed',
        'Failed applies',
        num(failed),
        failed,
        help(
          'Applies that reported an error. Each apply counts as a deployment of its environment on the DORA page: a failed one raises the change failure rate until the next good deployment restores it.',
        ),
      ),
    ),
    card(
      'Drift per environment',
      table(
        'replay-drift',
        [
          { key: 'repo', label: 'repository' },
          { key: 'environment', label: 'environment' },
          { key: 'state', label: 'state', value: stateOf, fmt: stateOf },
          { key: 'drifted_now', label: 'drifted now', num: true, fmt: (e) => num(e.drifted_now) },
          { key: 'streak', label: 'drifted checks in a row', num: true, fmt: (e) => num(e.streak) },
          { key: 'checks', label: 'checks', num: true, fmt: (e) => num(e.checks) },
          { key: 'last_check', label: 'last check', fmt: (e) => local(e.last_check) },
          { key: 'persistent_items', label: 'drifted in every check of the streak', fmt: (e) => e.persistent_items.join(', ') || '–' },
        ],
        envs,
        { empty: `No drift check in this window. ${SEND}` },
      ),
    ),
    card('Drifted items per day', envs.length ? driftTrend(envs) : h('div', { class: 'empty' }, `No drift check in this window. ${SEND}`)),
    card(
      'Infrastructure runs',
      table(
        'replay-records',
        [
          { key: 'observed_at', label: 'when', fmt: (r) => local(r.observed_at) },
          { key: 'repo', label: 'repository' },
          { key: 'env', label: 'environment' },
          { key: 'kind', label: 'run', fmt: (r) => `${r.tool} ${r.kind}` },
          { key: 'failed', label: 'outcome', fmt: (r) => (r.failed ? 'failed' : 'ok') },
          { key: 'changes', label: 'changes', num: true, fmt: (r) => num(r.changes) },
          { key: 'drifted', label: 'drifted', num: true, fmt: (r) => (r.kind === 'drift' ? num(r.drifted) : '–') },
          { key: 'commit', label: 'commit', fmt: (r) => short(r.commit) },
        ],
        records,
        { empty: `No infrastructure run in this window. ${SEND}` },
      ),
    ),
  );
};

export const replayViews: Record<string, PageView> = { infra: infraPage };
