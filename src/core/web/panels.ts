// Pillars' panels (`panels` in the registry, listed by GET /api/v1/pillars) rendered generically:
// scalars as figures, arrays of objects as tables. The placeholder until a pillar designs its page.
import { api, HttpError } from './api.js';
import { h, type Child } from './dom.js';
import { ISO_TIME, local, sig } from './format.js';
import { filterQuery } from './url.js';
import { card, kpi, table } from './widgets.js';

/** A panel as GET /api/v1/pillars lists it, with the id of the pillar that registered it. */
export interface Panel {
  id: string;
  title: string;
  page: string;
  api: string;
  order?: number;
  pillar: string;
}

/** A scalar as people read it: numbers to 4 significant digits, API times as local times. */
export function shown(v: unknown): string {
  if (typeof v === 'number') return sig(v);
  if (typeof v === 'string' && ISO_TIME.test(v)) return local(v);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return v === null || v === undefined ? '–' : String(v);
}

/** A table cell: text the API passes on (a message, a name) marked as the user's own, else nested(). */
function cell(v: unknown): Child {
  return typeof v === 'string' && !ISO_TIME.test(v) ? h('span', { 'data-raw': 'text' }, v) : nested(v);
}

/** A scalar shown(), a list as its length, an object as `key value` pairs. */
function nested(v: unknown): string {
  if (Array.isArray(v)) return v.every((x) => x === null || typeof x !== 'object') ? v.map(shown).join(', ') : `${v.length} items`;
  if (v && typeof v === 'object')
    return Object.entries(v)
      .map(([k, x]) => `${k.replace(/_/g, ' ')} ${x !== null && typeof x === 'object' ? '…' : shown(x)}`)
      .join(' · ');
  return shown(v);
}

/** Renders any JSON answer: scalars as KPIs, arrays of objects as tables, other objects as JSON. */
export function genericView(data: any, id: string): HTMLElement {
  const box = h('div', {});
  if (data === null || data === undefined) return h('div', { class: 'empty' }, 'No data.');
  if (Array.isArray(data)) data = { items: data };
  if (typeof data !== 'object') return h('div', {}, String(data));
  const scalars = Object.entries(data).filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v));
  if (scalars.length) box.append(h('div', { class: 'kpis' }, ...scalars.slice(0, 12).map(([k, v]) => kpi(`${id}-${k}`, k.replace(/_/g, ' '), shown(v), v))));
  for (const [k, v] of Object.entries(data)) {
    if (Array.isArray(v)) {
      const rows = v.slice(0, 50).filter((x) => x && typeof x === 'object') as Record<string, unknown>[];
      const keys = [...new Set(rows.flatMap((x) => Object.keys(x)))].slice(0, 10);
      box.append(
        h('h2', {}, k.replace(/_/g, ' ')),
        table(
          `${id}-${k}`,
          keys.map((kk) => ({
            key: kk,
            label: kk.replace(/_/g, ' '),
            value: (x: any) => (x[kk] !== null && typeof x[kk] === 'object' ? JSON.stringify(x[kk]) : x[kk]),
            fmt: (x: any) => cell(x[kk]),
          })),
          rows,
          { empty: 'Nothing yet.' },
        ),
      );
    } else if (v && typeof v === 'object') box.append(h('h2', {}, k.replace(/_/g, ' ')), h('div', {}, nested(v)));
  }
  return box;
}

/** Appends one card per panel (by `order`, then id), each filled from its API; returns how many. */
export async function renderPanels(main: HTMLElement, panels: Panel[]): Promise<number> {
  const list = [...panels].sort((a, b) => (a.order ?? 50) - (b.order ?? 50) || a.id.localeCompare(b.id));
  for (const p of list) {
    const box = card(p.title);
    box.setAttribute('data-testid', `panel-${p.id}`);
    main.append(box);
    try {
      let data;
      try {
        data = await api(`${p.api}${filterQuery()}`);
      } catch (e) {
        // A panel API may not take every filter: ask again with none.
        if (e instanceof HttpError && e.status === 400) data = await api(p.api);
        else throw e;
      }
      box.append(genericView(data, p.id));
    } catch (e) {
      const need = /required property '([a-z_]+)'/.exec((e as Error).message);
      box.append(
        h('div', { class: 'empty' }, need ? `Choose a ${need[1]} in the filters above to see this panel.` : `Could not load: ${(e as Error).message}`),
      );
    }
  }
  return list.length;
}
