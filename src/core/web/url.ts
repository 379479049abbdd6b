// The page and its filters live in the URL (`/?page=dora&repo=...`), so every view is shareable.
// The shell renders; pages only change the URL through go().
import { $ } from './dom.js';

/** The filter bar's fields, passed on to every API call of a page. */
export const FILTERS = ['repo', 'branch', 'environment', 'window'] as const;

export function params(): URLSearchParams {
  return new URLSearchParams(location.search);
}

/** The current filters (plus `extra`) as a query string for an API path: `?repo=...` or ''. */
export function filterQuery(extra: Record<string, string> = {}): string {
  const p = params();
  const q = new URLSearchParams();
  for (const f of FILTERS) {
    const v = p.get(f);
    if (v) q.set(f, v);
  }
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

let rerender: () => Promise<void> = async () => {};

/** The shell's render function, called after each go(). */
export function onNavigate(render: () => Promise<void>): void {
  rerender = render;
}

/** Changes the URL's parameters (null or '' removes one) and renders the page it names. */
export function go(changes: Record<string, string | null>): void {
  const p = params();
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === '') p.delete(k);
    else p.set(k, v);
  }
  history.pushState(null, '', `/?${p.toString()}`);
  void rerender();
}

/** Shows the time window an answer covers next to the filters. */
export function showWindow(w: { since: string; until: string } | undefined): void {
  if (w) $('#window-span').textContent = `${w.since.slice(0, 10)} → ${w.until.slice(0, 16).replace('T', ' ')} UTC`;
}
