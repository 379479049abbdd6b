// The Mutation page: the resilience control chart of a repository's main branch over all its points
// (EWMA line, control-limit band, out-of-control points marked), every repository's latest point,
// resilience vs coverage per file (the latest report), and the hotspots with their surviving
// mutants as diffs. Without a chosen repository, the one with the longest series is drawn.
import { api, card, chart, go, h, help, kpi, local, logViewer, num, params, pct, sig, table, type PageView } from '../../../core/web/index.js';

const SEND =
  'Send mutation reports from main-branch CI runs: ci-intel mutation report reports/mutation/mutation.json --hub URL --token TOKEN (StrykerJS, PIT, mutmut, go-mutesting or cargo-mutants).';

interface Point {
  run_id: string;
  at: string;
  score: number | null;
  ewma: number | null;
  lcl: number | null;
  ucl: number | null;
  out_of_control: boolean | null;
}

function controlChart(points: Point[]): HTMLElement {
  const t = (p: Point) => new Date(p.at).getTime();
  const out = points.filter((p) => p.out_of_control);
  return chart(
    'resilience-control',
    {
      legend: { top: 0 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', scale: true, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } },
      tooltip: { trigger: 'axis', valueFormatter: (v: number | null) => pct(v) },
      series: [
        { name: 'lower limit', type: 'line', stack: 'band', symbol: 'none', lineStyle: { opacity: 0 }, data: points.map((p) => [t(p), p.lcl]) },
        {
          name: 'control band',
          type: 'line',
          stack: 'band',
          symbol: 'none',
          lineStyle: { opacity: 0 },
          areaStyle: { color: 'rgba(47,111,223,0.12)' },
          data: points.map((p) => [t(p), p.ucl === null || p.lcl === null ? null : p.ucl - p.lcl]),
          tooltip: { show: false },
        },
        { name: 'resilience', type: 'scatter', symbolSize: 5, color: '#6a7480', data: points.map((p) => [t(p), p.score]) },
        { name: 'EWMA', type: 'line', symbol: 'none', color: '#2f6fdf', data: points.map((p) => [t(p), p.ewma]) },
        { name: 'out of control', type: 'scatter', symbol: 'diamond', symbolSize: 11, color: '#d0393e', data: out.map((p) => [t(p), p.score]) },
      ],
    },
    { points: points.length, out: out.length },
  );
}

function scatter(files: any[]): HTMLElement {
  const pts = files.filter((f) => f.score !== null && f.coverage !== null);
  return chart(
    'resilience-coverage',
    {
      xAxis: { type: 'value', name: 'line coverage', min: 0, max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } },
      yAxis: { type: 'value', name: 'resilience', min: 0, max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } },
      tooltip: {
        trigger: 'item',
        formatter: (p: any) => `${p.data[2]}<br>coverage ${pct(p.data[0])} · resilience ${pct(p.data[1])} · ${num(p.data[3])} mutants`,
      },
      series: [
        {
          type: 'scatter',
          symbolSize: (d: number[]) => Math.max(6, Math.min(30, Math.sqrt(d[3]!) * 3)),
          data: pts.map((f) => [f.coverage, f.score, f.file, f.mutants_total]),
          color: '#2f6fdf',
        },
      ],
    },
    { points: pts.length },
  );
}

function hotspotTable(hot: any[]): HTMLElement {
  if (!hot.length) return h('div', { class: 'empty', 'data-testid': 'table-hotspots' }, 'No surviving mutant in the latest report.');
  return h(
    'div',
    { 'data-testid': 'table-hotspots' },
    ...hot.map((s) =>
      h(
        'details',
        { class: 'hotspot' },
        h(
          'summary',
          {},
          h('strong', {}, s.file),
          ` — ${num(s.survived)} survived, ${num(s.no_coverage)} not covered, ${num(s.churn)} commits lately, resilience ${pct(s.score)}`,
        ),
        ...s.top.map((m: any) =>
          h(
            'div',
            { class: 'mutant' },
            h('div', { class: 'meta' }, `line ${m.line} · ${m.mutator} · ${m.status.replace(/_/g, ' ')}${m.description ? ` · ${m.description}` : ''}`),
            m.diff
              ? h(
                  'pre',
                  { class: 'diff', 'data-raw': 'code' },
                  ...m.diff.split('\n').map((l: string) => h('div', { class: l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : '' }, l)),
                )
              : h('div', { class: 'muted' }, 'no source in the report to show the change'),
          ),
        ),
      ),
    ),
  );
}

const UNDETECTED = new Set(['survived', 'no_coverage']);

/**
 * A file of the latest main-branch report with its mutants (like the mutation-testing-elements file
 * view): the source with line numbers, lines with an undetected mutant marked, every mutant of a line
 * in its title and listed below.
 */
async function fileView(repo: string, file: string): Promise<HTMLElement> {
  const b = await api(`/api/v1/mutation/baseline?repo=${encodeURIComponent(repo)}`).catch(() => null);
  const src: string | null = b?.report?.files?.[file]?.source ?? null;
  const mutants = ((b?.report?.mutants ?? []) as any[]).filter((m) => m.file === file);
  const close = h('a', { href: '#', onclick: (e: Event) => (e.preventDefault(), go({ file: null })) }, 'close');
  if (!src)
    return card(
      `File ${file}`,
      close,
      h('div', { class: 'empty' }, "The latest main-branch report does not embed this file's source (StrykerJS reports do; send one with the source)."),
    );
  const byLine = new Map<number, any[]>();
  for (const m of mutants) byLine.set(m.start.line, [...(byLine.get(m.start.line) ?? []), m]);
  const marks = new Map<number, string>();
  for (const [line, ms] of byLine)
    if (ms.some((m) => UNDETECTED.has(m.status)))
      marks.set(line, ms.map((m) => `${m.mutator} → ${m.replacement ?? m.description ?? '?'}: ${m.status.replace(/_/g, ' ')}`).join('\n'));
  const viewer = logViewer('mutant-file', src, marks);
  const undetected = mutants.filter((m) => UNDETECTED.has(m.status));
  return card(
    `File ${file} — ${num(mutants.length)} mutants, ${num(undetected.length)} undetected (marked)`,
    close,
    viewer.el,
    table(
      'mutant-list',
      [
        {
          key: 'line',
          label: 'line',
          num: true,
          value: (m) => m.start.line,
          fmt: (m) => h('a', { href: '#', onclick: (e: Event) => (e.preventDefault(), viewer.show(m.start.line)) }, String(m.start.line)),
        },
        { key: 'mutator', label: 'mutator' },
        { key: 'replacement', label: 'replacement', fmt: (m) => h('code', { 'data-raw': 'code' }, m.replacement ?? m.description ?? '–') },
        { key: 'status', label: 'status', fmt: (m) => m.status.replace(/_/g, ' ') },
      ],
      undetected,
      { empty: 'Every mutant of this file was detected.' },
    ),
  );
}

export const mutationPage: PageView = async (main) => {
  const chosen = params().get('repo');
  const all = await api('/api/v1/mutation/trends');
  const repos: any[] = all.repos;
  main.append(h('h1', {}, 'Mutation'));
  if (!repos.length) {
    main.append(h('div', { class: 'empty', 'data-testid': 'empty-mutation' }, `No mutation data yet. ${SEND}`));
    return;
  }
  const repo = chosen ?? [...repos].sort((a, b) => b.points - a.points || a.repo.localeCompare(b.repo))[0].repo;
  const [series, files] = await Promise.all([
    api(`/api/v1/mutation/trends?repo=${encodeURIComponent(repo)}`),
    api(`/api/v1/mutation/files?repo=${encodeURIComponent(repo)}`),
  ]);
  const analysis = files.run_id ? await api(`/api/v1/runs/${files.run_id}/mutation`).catch(() => null) : null;
  const points: Point[] = series.points;
  const last = points.at(-1);
  const file = params().get('file');
  if (file) main.append(await fileView(repo, file));
  main.append(
    h(
      'div',
      { class: 'kpis' },
      kpi(
        'resilience',
        `Resilience, ${repo} (latest main)`,
        pct(last?.score),
        last?.score,
        help(`killed ÷ (mutants − equivalent) of the latest main-branch report; ${num(points.length)} reports in the series.`),
      ),
      kpi(
        'ewma',
        'EWMA',
        pct(last?.ewma),
        last?.ewma,
        help(
          `EWMA = λ·score + (1−λ)·previous EWMA, λ = ${sig(series.lambda)}; limits = centre ± ${sig(series.L)}·σ·√(λ/(2−λ)). ${num(points.filter((p) => p.out_of_control).length)} points out of control.`,
        ),
      ),
      kpi('reports', 'Reports (main)', num(points.length), points.length),
    ),
    card(
      `Resilience control chart, ${repo} (main branch, all ${num(points.length)} reports)`,
      chosen ? null : h('p', { class: 'muted' }, 'The repository with the longest series; choose another in the filters above.'),
      points.length ? controlChart(points) : h('div', { class: 'empty' }, `No main-branch report for ${repo}. ${SEND}`),
    ),
    h(
      'div',
      { class: 'grid' },
      card(
        `Resilience vs coverage per file${files.at ? ` (report of ${local(files.at)})` : ''}`,
        files.files.length ? scatter(files.files) : h('div', { class: 'empty' }, `No uploaded report with per-file data for ${repo}. ${SEND}`),
      ),
      card(
        'Latest point of every repository',
        table(
          'mutation-repos',
          [
            { key: 'repo', label: 'repository' },
            { key: 'score', label: 'resilience', num: true, fmt: (r) => pct(r.score) },
            { key: 'ewma', label: 'EWMA', num: true, fmt: (r) => pct(r.ewma) },
            { key: 'out_of_control', label: 'in control', fmt: (r) => (r.out_of_control === null ? '–' : r.out_of_control ? 'no' : 'yes') },
            { key: 'points', label: 'reports', num: true, fmt: (r) => num(r.points) },
            { key: 'at', label: 'latest', fmt: (r) => local(r.at) },
          ],
          repos,
          { onRow: (r) => go({ repo: r.repo }) },
        ),
      ),
    ),
    card(
      'Hotspots: surviving mutants where the code changes most',
      analysis ? hotspotTable(analysis.hotspots ?? []) : h('div', { class: 'empty' }, `No uploaded report for ${repo}. ${SEND}`),
    ),
    card(
      'Files of the latest report (click one to see its mutants in the source)',
      table(
        'mutation-files',
        [
          { key: 'file', label: 'file' },
          { key: 'score', label: 'resilience', num: true, fmt: (r) => pct(r.score) },
          { key: 'coverage', label: 'coverage', num: true, fmt: (r) => pct(r.coverage) },
          { key: 'mutants_total', label: 'mutants', num: true, fmt: (r) => num(r.mutants_total) },
          { key: 'survived', label: 'survived', num: true, fmt: (r) => num(r.survived) },
          { key: 'no_coverage', label: 'not covered', num: true, fmt: (r) => num(r.no_coverage) },
          { key: 'churn', label: 'commits lately', num: true, fmt: (r) => num(r.churn) },
        ],
        files.files,
        { empty: `No per-file data. ${SEND}`, onRow: (r) => go({ repo, file: r.file }) },
      ),
    ),
  );
};

export const mutationViews: Record<string, PageView> = { mutation: mutationPage };
