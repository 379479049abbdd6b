// A log viewer: line numbers, ANSI colours, marked lines (a root cause's evidence) and pages of
// LOG_PAGE lines, so a 200k-line log does not put 200k rows in the page. The log is the user's own
// text: the element says so (data-raw), and the page's number and time checks leave it alone.
import { ansiLine } from './ansi.js';
import { h } from './dom.js';
import { num } from './format.js';

export const LOG_PAGE = 1000;

export interface LogViewer {
  el: HTMLElement;
  /** Shows the page holding `line` (1-based) and outlines it; scrolls to it unless `scroll` is false. */
  show(line: number, scroll?: boolean): void;
}

/** `marks`: line number → why it is marked (the root cause's message, shown as the line's title). */
export function logViewer(id: string, text: string, marks: Map<number, string>): LogViewer {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const pages = Math.max(1, Math.ceil(lines.length / LOG_PAGE));
  const body = h('div', { class: 'log-lines' });
  const status = h('span', { class: 'muted', 'data-testid': `log-${id}-range` });
  const prev = h('button', { type: 'button', onclick: () => render(current - 1) }, '← earlier');
  const next = h('button', { type: 'button', onclick: () => render(current + 1) }, 'later →');
  let current = -1;

  function render(page: number): void {
    const p = Math.min(Math.max(page, 0), pages - 1);
    if (p === current) return;
    current = p;
    const from = p * LOG_PAGE;
    const to = Math.min(lines.length, from + LOG_PAGE);
    let style;
    const rows: HTMLElement[] = [];
    for (let i = from; i < to; i++) {
      const n = i + 1;
      const r = ansiLine(lines[i]!, style);
      style = r.style;
      const mark = marks.get(n);
      rows.push(
        h(
          'div',
          { class: mark ? 'log-line evidence' : 'log-line', id: `${id}-L${n}`, 'data-line': n, title: mark },
          h('a', { class: 'ln', href: `#${id}-L${n}`, onclick: (e: Event) => (e.preventDefault(), show(n)) }, String(n)),
          h('span', { class: 'txt' }, ...r.nodes),
        ),
      );
    }
    body.replaceChildren(...rows);
    status.textContent = `lines ${num(from + 1)}–${num(to)} of ${num(lines.length)}${pages > 1 ? ` · page ${p + 1} of ${pages}` : ''}`;
    prev.toggleAttribute('disabled', p === 0);
    next.toggleAttribute('disabled', p === pages - 1);
  }

  function show(line: number, scroll = true): void {
    render(Math.floor((line - 1) / LOG_PAGE));
    const row = body.querySelector<HTMLElement>(`[data-line="${line}"]`);
    if (!row) return;
    body.querySelectorAll('.focus').forEach((x) => x.classList.remove('focus'));
    row.classList.add('focus');
    if (scroll) row.scrollIntoView({ block: 'center' });
  }

  render(0);
  const el = h(
    'div',
    { class: 'log', 'data-testid': `log-${id}`, 'data-raw': 'log' },
    h('div', { class: 'log-bar' }, status, pages > 1 ? prev : null, pages > 1 ? next : null),
    body,
  );
  return { el, show };
}
