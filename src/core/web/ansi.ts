// ANSI colour codes (SGR) in a CI log rendered as spans: GitHub and GitLab logs carry them, and the
// colours are how people find the red lines. Other escape sequences (cursor moves) are dropped.
import { h } from './dom.js';

const ESC = /\x1b\[([0-9;]*)([A-Za-z])/g;

interface Style {
  fg: number | null;
  bg: number | null;
  bold: boolean;
}

/** Applies one SGR parameter list (`1;31`) to a style; 38/48 extended colours keep the default. */
function apply(style: Style, params: string): Style {
  const s = { ...style };
  const codes = params === '' ? [0] : params.split(';').map(Number);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c === 0) Object.assign(s, { fg: null, bg: null, bold: false });
    else if (c === 1) s.bold = true;
    else if (c === 22) s.bold = false;
    else if ((c >= 30 && c <= 37) || (c >= 90 && c <= 97)) s.fg = c >= 90 ? c - 90 + 8 : c - 30;
    else if (c === 39) s.fg = null;
    else if ((c >= 40 && c <= 47) || (c >= 100 && c <= 107)) s.bg = c >= 100 ? c - 100 + 8 : c - 40;
    else if (c === 49) s.bg = null;
    else if (c === 38 || c === 48) i += codes[i + 1] === 5 ? 2 : codes[i + 1] === 2 ? 4 : 1;
  }
  return s;
}

/** One log line as nodes (text and coloured spans); `style` carries colours across lines. */
export function ansiLine(text: string, style: Style = { fg: null, bg: null, bold: false }): { nodes: Node[]; style: Style } {
  const nodes: Node[] = [];
  let at = 0;
  let cur = style;
  const push = (t: string) => {
    if (!t) return;
    if (cur.fg === null && cur.bg === null && !cur.bold) nodes.push(document.createTextNode(t));
    else {
      const cls = [cur.fg !== null ? `ansi-fg-${cur.fg}` : '', cur.bg !== null ? `ansi-bg-${cur.bg}` : '', cur.bold ? 'ansi-bold' : '']
        .filter(Boolean)
        .join(' ');
      nodes.push(h('span', { class: cls }, t));
    }
  };
  for (const m of text.matchAll(ESC)) {
    push(text.slice(at, m.index));
    if (m[2] === 'm') cur = apply(cur, m[1]!);
    at = m.index! + m[0].length;
  }
  push(text.slice(at));
  return { nodes, style: cur };
}

export type AnsiStyle = Style;
