// DOM helpers of the dashboard kit: one element builder, no framework.

export type Child = Node | string | null | undefined | false;
type Attr = string | number | boolean | null | undefined | ((e: Event) => void);

export const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;

/** An element with attributes (`on...` functions become listeners; null/undefined/false are left out) and children. */
export function h(tag: string, attrs: Record<string, Attr> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : document.createTextNode(c));
  return el;
}

/** Appends the children that are there (null, undefined and false are skipped). */
export function add(parent: HTMLElement, ...children: Child[]): void {
  for (const c of children) if (c !== null && c !== undefined && c !== false) parent.append(c);
}

/** A value as a data-value attribute: the raw number or text the browser test compares. */
export const raw = (v: unknown) => (v === null || v === undefined ? '' : String(v));
