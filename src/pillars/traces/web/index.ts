// The "Commit to deploy" page: one change's way from its author to production as a waterfall of
// its lead-time segments (coding, review, build, deploy wait, deploy), with the DORA lead time,
// cost and CO2e of its runs and the link to its trace (?repo=owner/name&sha=<commit>). Without a
// commit, the latest changes deployed to production, to pick one.
import { api, card, dur, durS, go, h, help, kpi, local, num, params, table, usd, type PageView } from '../../../core/web/index.js';

const COLORS: Record<string, string> = { coding: '#6c8ebf', review: '#b5739d', build: '#82b366', deploy_wait: '#d6b656', deploy: '#d79b00' };

/** A Gantt row per segment: its bar placed on the change's whole span. */
function waterfall(c: any): HTMLElement {
  const t0 = Date.parse(c.started_at);
  const total = Math.max(1, Date.parse(c.deployed_at) - t0);
  const rows = c.segments.map((s: any) => {
    const left = ((Date.parse(s.start) - t0) / total) * 100;
    const width = ((Date.parse(s.end) - Date.parse(s.start)) / total) * 100;
    return h(
      'div',
      { class: 'wf-row', 'data-testid': `segment-${s.id}`, 'data-seconds': String(s.seconds), style: 'display:flex;align-items:center;gap:8px;margin:2px 0' },
      h('span', { class: 'wf-label', style: 'width:9em;flex:none' }, s.label),
      h(
        'span',
        { class: 'wf-track', style: 'position:relative;flex:1;height:14px;background:#eee' },
        h('span', {
          class: 'wf-bar',
          title: `${s.from} → ${s.to}: ${local(s.start)} to ${local(s.end)}`,
          style: `position:absolute;left:${left.toFixed(3)}%;width:max(${width.toFixed(3)}%,1px);top:0;bottom:0;background:${COLORS[s.id] ?? '#999'}`,
        }),
      ),
      h('span', { class: 'wf-dur num', 'data-value': String(s.seconds), style: 'width:6em;flex:none;text-align:right' }, durS(s.seconds)),
    );
  });
  return h('div', { 'data-testid': 'waterfall' }, ...rows);
}

async function oneChange(main: HTMLElement, repo: string, sha: string): Promise<void> {
  const c = await api(`/api/v1/repos/${repo}/changes/${encodeURIComponent(sha)}/trace`);
  main.append(
    h('h1', {}, `Commit ${c.sha.slice(0, 7)} to ${c.environment}`),
    h(
      'p',
      { class: 'muted' },
      h('a', { href: '#', 'data-testid': 'all-changes', onclick: (e: Event) => (e.preventDefault(), go({ sha: null })) }, '← latest changes'),
      ` ${c.repo}${c.pr !== null ? `, pull request #${c.pr}` : ''}, deployment ${c.deployment_id}`,
      c.trace_url ? h('a', { href: c.trace_url, 'data-testid': 'trace-link', style: 'margin-left:1em' }, `trace ${c.trace_id}`) : ` · trace ${c.trace_id}`,
    ),
    h(
      'div',
      { class: 'kpis' },
      kpi('total', 'Author to production', durS(c.total_s), c.total_s, `${local(c.started_at)} → ${local(c.deployed_at)}`),
      kpi(
        'lead-time',
        'Lead time (DORA)',
        durS(c.lead_time_s),
        c.lead_time_s,
        help('From the commit time to the finish of the first successful production deployment that contains it (the DORA page’s lead time).'),
      ),
      kpi('cost', 'Cost of its runs', usd(c.cost.usd, 3), c.cost.usd, `${num(c.cost.runs)} runs`),
      kpi('co2e', 'CO2e of its runs', c.cost.co2e_g === null ? '–' : `${num(c.cost.co2e_g, 1)} g`, c.cost.co2e_g),
    ),
    card(
      'Lead-time segments',
      waterfall(c),
      help(
        h(
          'ul',
          {},
          ...c.segments.map((s: any) => h('li', {}, `${s.label}: ${s.from} → ${s.to}`)),
          h('li', {}, 'A boundary earlier than the one before it (clock skew) counts as zero time.'),
        ),
        'what each segment measures',
      ),
    ),
    card(
      'Runs',
      table(
        'change-runs',
        [
          { key: 'role', label: 'role', fmt: (r) => ({ change: 'on the commit', build: 'green build', deploy: 'deployment' })[r.role as string] ?? r.role },
          { key: 'workflow', label: 'pipeline' },
          { key: 'status', label: 'status' },
          { key: 'started_at', label: 'started', fmt: (r) => local(r.started_at) },
          {
            key: 'duration',
            label: 'took',
            num: true,
            value: (r) => (r.ended_at ? Date.parse(r.ended_at) - Date.parse(r.started_at) : null),
            fmt: (r) => (r.ended_at ? dur(Date.parse(r.ended_at) - Date.parse(r.started_at)) : '–'),
          },
          { key: 'usd', label: 'cost', num: true, fmt: (r) => usd(r.usd, 3) },
          { key: 'co2e_g', label: 'CO2e (g)', num: true, fmt: (r) => (r.co2e_g === null ? '–' : num(r.co2e_g, 1)) },
        ],
        c.runs,
        { onRow: (r) => go({ page: 'run', id: r.run_id, repo: null, sha: null }), empty: 'No run of this change is stored.' },
      ),
    ),
  );
}

export const changePage: PageView = async (main) => {
  const p = params();
  const sha = p.get('sha');
  const repo = p.get('repo');
  if (sha && repo) return oneChange(main, repo, sha);
  const list = await api(`/api/v1/changes${repo ? `?repo=${encodeURIComponent(repo)}` : ''}`);
  main.append(
    h('h1', {}, 'Commit to deploy'),
    h('p', { class: 'muted' }, 'The latest changes deployed to production: pick one to see its way from author to production, with cost and CO2e.'),
    card(
      'Latest changes in production',
      table(
        'changes',
        [
          { key: 'deployed_at', label: 'deployed', fmt: (r) => local(r.deployed_at) },
          { key: 'repo', label: 'repository' },
          { key: 'sha', label: 'commit', fmt: (r) => r.sha.slice(0, 7) },
          { key: 'environment', label: 'environment' },
          { key: 'lead_time_s', label: 'lead time', num: true, fmt: (r) => durS(r.lead_time_s) },
        ],
        list.changes,
        { onRow: (r) => go({ repo: r.repo, sha: r.sha }), empty: 'No change has reached production yet.' },
      ),
    ),
  );
};

export const tracesViews: Record<string, PageView> = { change: changePage };
