// Release readiness per repository: the score, its band and each weighted component with what it is computed from.
import { api, band, card, exportLinks, filterQuery, go, h, score, table } from '../../../core/web/index.js';

export async function readinessPage(main: HTMLElement): Promise<void> {
  const r = await api(`/api/v1/metrics/readiness${filterQuery()}`);
  main.append(
    h('h1', {}, 'Release readiness'),
    h(
      'p',
      { class: 'muted' },
      `The score weighs CI pass rate over the last 10 runs ${r.weights.ci}%, coverage ${r.weights.coverage}%, security ${r.weights.security}%, code quality ${r.weights.quality}%. ≥ 95 excellent, 90–94 good, 80–89 fair, < 80 poor. A component without data is missing: the score renormalizes over the others and is marked incomplete.`,
    ),
    card(
      'Repositories',
      exportLinks('readiness'),
      table(
        'readiness',
        [
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
        ],
        r.items,
        { onRow: (x) => go({ repo: x.repo }) },
      ),
    ),
    ...r.items
      .slice(0, 12)
      .map((x: any) =>
        card(
          `${x.repo} — ${score(x.score)}`,
          h(
            'table',
            { class: 'components' },
            h('thead', {}, h('tr', {}, h('th', {}, 'component'), h('th', { class: 'num' }, 'weight'), h('th', { class: 'num' }, 'score'), h('th', {}, 'from'))),
            h(
              'tbody',
              {},
              ...x.components.map((c: any) =>
                h(
                  'tr',
                  {},
                  h('td', {}, c.id),
                  h('td', { class: 'num' }, String(c.weight)),
                  h('td', { class: 'num' }, c.score === null ? 'missing' : score(c.score)),
                  h('td', {}, c.explanation),
                ),
              ),
            ),
          ),
        ),
      ),
  );
}
