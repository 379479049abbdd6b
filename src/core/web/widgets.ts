// The dashboard's building blocks: figures (KPIs), bands, tables, cards, export links. Every element
// carries the data-testid and data-value the browser test reads.
import { h, raw, type Child } from './dom.js';
import { NO_DATA } from './format.js';
import { filterQuery } from './url.js';

/** A figure: label, formatted value (the raw one in data-value) and an optional line under it. */
export function kpi(id: string, label: string, value: string, rawValue: unknown, sub?: Child): HTMLElement {
  return h(
    'div',
    { class: 'kpi', 'data-testid': `kpi-${id}` },
    h('div', { class: 'label' }, label),
    h('div', { class: 'value', 'data-value': raw(rawValue) }, value),
    sub ? h('div', { class: 'sub' }, sub) : null,
  );
}

/** A coloured label (DORA band, status, readiness band); `null` reads "no data". */
export function band(b: string | null | undefined): HTMLElement {
  return h('span', { class: `band ${b ?? 'none'}`, 'data-band': b ?? '' }, b ?? 'no data');
}

export interface Col<T> {
  key: string;
  label: string;
  num?: boolean;
  fmt?: (row: T) => Child;
  value?: (row: T) => unknown;
}

/** A table (or its empty state); `onRow` makes rows clickable. */
export function table<T extends Record<string, any>>(
  id: string,
  cols: Col<T>[],
  rows: T[],
  opts: { onRow?: (r: T) => void; empty?: string } = {},
): HTMLElement {
  if (!rows.length) return h('div', { class: 'empty', 'data-testid': `table-${id}` }, opts.empty ?? 'No data for these filters.');
  const head = h('tr', {}, ...cols.map((c) => h('th', { class: c.num ? 'num' : '' }, c.label)));
  const body = rows.map((r) =>
    h(
      'tr',
      { class: opts.onRow ? 'click' : '', onclick: opts.onRow ? () => opts.onRow!(r) : undefined },
      ...cols.map((c) => {
        const v = c.value ? c.value(r) : r[c.key];
        const shown = c.fmt ? c.fmt(r) : v === null || v === undefined ? NO_DATA : String(v);
        return h('td', { class: c.num ? 'num' : '', 'data-col': c.key, 'data-value': raw(v) }, shown);
      }),
    ),
  );
  return h('table', { 'data-testid': `table-${id}` }, h('thead', {}, head), h('tbody', {}, ...body));
}

/** CSV and JSON links to a metrics export, with the page's filters. */
export function exportLinks(name: string): HTMLElement {
  const q = filterQuery();
  return h(
    'span',
    { class: 'exports' },
    'export',
    h('a', { href: `/api/v1/metrics/export/${name}.csv${q}`, 'data-testid': `export-${name}-csv` }, 'CSV'),
    h('a', { href: `/api/v1/metrics/export/${name}.json${q}` }, 'JSON'),
  );
}

export function card(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', {}, title), ...children);
}

/** "How is this computed": the formula and its inputs, opened on click under a figure. */
export function help(text: Child, label = 'how is this computed'): HTMLElement {
  return h('details', { class: 'how', 'data-testid': 'how' }, h('summary', {}, label), h('div', { class: 'how-body' }, text));
}
