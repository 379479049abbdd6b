// The Cache page: hit ratio per day, bytes served from the cache (what misses would have rebuilt),
// the namespaces side by side, and the quarantines (integrity checks on read and scrubs). The cache
// serves every repository of the hub: its figures are per namespace, not per repository filter.
import { api, bytes, card, chart, dur, h, help, kpi, local, num, params, pct, table, type PageView } from '../../../core/web/index.js';

const SEND =
  'Point your build tool at the hub with a cache token (cache.tokens): turbo (TURBO_API=URL TURBO_TOKEN=T TURBO_TEAM=web), Bazel (--remote_cache=URL), Gradle (url = URL/cache/) or ccache (remote_storage = http://ci:T@host/ccache).';

export const cachePage: PageView = async (main) => {
  const days = Number(params().get('window') ?? 30);
  const [s, d] = await Promise.all([api(`/api/v1/cache/stats?days=${days}`), api(`/api/v1/cache/daily?days=${days}`)]);
  const t = s.total;
  main.append(h('h1', {}, 'Cache'));
  if (params().get('repo'))
    main.append(
      h('p', { class: 'muted' }, 'The build cache is shared by every repository: the figures below are per cache namespace, whatever repository is chosen.'),
    );
  if (!t.hits && !t.misses && !t.puts) {
    main.append(h('div', { class: 'empty', 'data-testid': 'empty-cache' }, `No cache traffic in the last ${days} days. ${SEND}`));
    return;
  }
  main.append(
    h(
      'div',
      { class: 'kpis' },
      kpi(
        'hit-ratio',
        'Hit ratio',
        pct(t.hit_ratio),
        t.hit_ratio,
        help(`hits ÷ (hits + misses) over ${num(t.hits + t.misses)} lookups in the last ${days} days; a quarantined entry counts as a miss.`),
      ),
      kpi(
        'bytes-saved',
        'Bytes served from cache',
        bytes(t.bytes_served),
        t.bytes_served,
        help(`The size of every artifact a hit returned (${num(t.hits)} hits): what those builds did not rebuild or fetch again.`),
      ),
      kpi(
        'time-saved',
        'Build time saved',
        t.time_saved_ms ? dur(t.time_saved_ms) : 'not reported',
        t.time_saved_ms,
        help(
          `The build time of every artifact a hit returned, as the client reported it when it stored the artifact (turbo sends each task's duration; Bazel, Gradle and ccache send none and count 0).`,
        ),
      ),
      kpi(
        'rebuild-cost',
        'Rebuild cost',
        t.build_ms ? dur(t.build_ms) : 'not reported',
        t.build_ms,
        help(`The build time of the ${num(t.puts)} artifacts the cache did not have and a build produced and uploaded (their tasks' reported durations).`),
      ),
      kpi('bytes-written', 'Bytes written', bytes(t.bytes_written), t.bytes_written, `${num(t.puts)} puts`),
      kpi('quarantines', 'Quarantined', num(t.quarantines), t.quarantines, 'entries failing verification'),
      kpi('stored', 'Stored now', bytes(s.unique_bytes), s.unique_bytes, `${num(s.blobs)} blobs`),
    ),
    h(
      'div',
      { class: 'grid' },
      card(
        'Hit ratio per day',
        chart(
          'cache-hit-ratio',
          {
            legend: { top: 0 },
            xAxis: { type: 'category', data: d.daily.map((x: any) => x.day) },
            yAxis: [{ type: 'value' }, { type: 'value', min: 0, max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } }],
            series: [
              { name: 'hits', type: 'bar', stack: 'lookups', color: '#1f9d55', data: d.daily.map((x: any) => x.hits) },
              { name: 'misses', type: 'bar', stack: 'lookups', color: '#c98a00', data: d.daily.map((x: any) => x.misses) },
              { name: 'hit ratio', type: 'line', yAxisIndex: 1, color: '#2f6fdf', data: d.daily.map((x: any) => x.hit_ratio) },
            ],
          },
          { points: d.daily.length },
        ),
      ),
      card(
        'Bytes per day (GB)',
        chart(
          'cache-bytes',
          {
            legend: { top: 0 },
            xAxis: { type: 'category', data: d.daily.map((x: any) => x.day) },
            yAxis: { type: 'value' },
            tooltip: { trigger: 'axis', valueFormatter: (v: number) => `${v} GB` },
            series: [
              { name: 'served from cache', type: 'bar', color: '#1f9d55', data: d.daily.map((x: any) => +(x.bytes_served / 2 ** 30).toFixed(2)) },
              { name: 'written', type: 'bar', color: '#6a7480', data: d.daily.map((x: any) => +(x.bytes_written / 2 ** 30).toFixed(2)) },
            ],
          },
          { points: d.daily.length },
        ),
      ),
    ),
    card(
      'Namespaces',
      table(
        'cache-namespaces',
        [
          { key: 'namespace', label: 'namespace' },
          { key: 'protocol', label: 'protocol' },
          { key: 'hit_ratio', label: 'hit ratio', num: true, fmt: (r) => pct(r.hit_ratio) },
          { key: 'hits', label: 'hits', num: true, fmt: (r) => num(r.hits) },
          { key: 'misses', label: 'misses', num: true, fmt: (r) => num(r.misses) },
          { key: 'bytes_served', label: 'served', num: true, fmt: (r) => bytes(r.bytes_served) },
          { key: 'time_saved_ms', label: 'time saved', num: true, fmt: (r) => (r.time_saved_ms ? dur(r.time_saved_ms) : '–') },
          { key: 'bytes_written', label: 'written', num: true, fmt: (r) => bytes(r.bytes_written) },
          { key: 'quarantines', label: 'quarantined', num: true, fmt: (r) => num(r.quarantines) },
          { key: 'evictions', label: 'evicted', num: true, fmt: (r) => num(r.evictions) },
          { key: 'entries', label: 'entries now', num: true, fmt: (r) => num(r.entries) },
        ],
        s.namespaces,
      ),
    ),
    card(
      'Quarantines (integrity checks on read and scrubs)',
      table(
        'cache-quarantines',
        [
          { key: 'at', label: 'when', fmt: (r) => local(r.at) },
          { key: 'namespace', label: 'namespace' },
          { key: 'protocol', label: 'protocol' },
          { key: 'key', label: 'key', fmt: (r) => h('code', {}, r.key.slice(0, 16)) },
          { key: 'bytes', label: 'size', num: true, fmt: (r) => bytes(r.bytes) },
          { key: 'reason', label: 'why', fmt: (r) => (r.reason ?? '').replace(/_/g, ' ') },
        ],
        d.quarantines,
        { empty: `No entry failed verification in the last ${days} days (a scrub checks every blob: ci-intel cache scrub).` },
      ),
    ),
  );
};

export const cacheViews: Record<string, PageView> = { cache: cachePage };
