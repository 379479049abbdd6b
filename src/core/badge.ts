// Status badges for READMEs: what a pillar contributes (BadgeDef: the latest value of one metric
// of a repository) and the flat, shields-style SVG the hub answers with. The SVG is built here
// from escaped text only, so a repository name can never become markup.
import type { HubContext } from './registry.js';

export type BadgeColour = 'green' | 'yellow' | 'red' | 'grey';

/** Fill colours of shields.io's flat style, so the badges sit well next to other badges. */
export const BADGE_FILL: Record<BadgeColour, string> = { green: '#4c1', yellow: '#dfb317', red: '#e05d44', grey: '#9f9f9f' };

export interface BadgeReading {
  /** The value as shown on the right half ("82%"). */
  text: string;
  colour: BadgeColour;
}

export interface BadgeDef {
  /** The path segment: /badge/OWNER/REPO/<metric>.svg (kebab-case). */
  metric: string;
  /** The left half's text. */
  label: string;
  /** The latest reading for a repository (lower-cased), or null when there is no data yet. */
  read: (ctx: HubContext, repo: string) => Promise<BadgeReading | null>;
}

/**
 * The colour of a value against two thresholds: for a higher-is-better metric green from `green`
 * up, yellow from `yellow` up, red below; for a lower-is-better one the same read downwards.
 */
export function thresholdColour(value: number, t: { green: number; yellow: number; higherIsBetter: boolean }): BadgeColour {
  if (t.higherIsBetter) return value >= t.green ? 'green' : value >= t.yellow ? 'yellow' : 'red';
  return value <= t.green ? 'green' : value <= t.yellow ? 'yellow' : 'red';
}

/** A ratio 0..1 (or a percentage when `scale` is 1) as "82%" / "0.25%". */
export function percentText(value: number, scale = 100): string {
  const p = value * scale;
  const digits = p !== 0 && Math.abs(p) < 1 ? 2 : p % 1 === 0 ? 0 : 1;
  return `${p.toFixed(digits)}%`;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for SVG/XML content and attribute values; control characters are dropped (XML refuses them). */
export function escapeXml(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

// Verdana 11px advance widths (as shields measures them), rounded; others count as a lowercase letter.
const NARROW = new Set([..."fijlrtI.,:;!|'()[] "]);
const WIDE = new Set([...'mwMW%@']);

/** Approximate rendered width of `s` in Verdana 11px. */
export function textWidth(s: string): number {
  let w = 0;
  for (const c of s) w += NARROW.has(c) ? 4 : WIDE.has(c) ? 10 : c >= 'A' && c <= 'Z' ? 7.5 : 7;
  return Math.round(w);
}

/** A flat badge: grey label on the left, the coloured value on the right. `title` is the tooltip. */
export function renderBadge(label: string, value: string, colour: BadgeColour, title = `${label}: ${value}`): string {
  const lw = textWidth(label) + 10;
  const vw = textWidth(value) + 10;
  const w = lw + vw;
  const l = escapeXml(label);
  const v = escapeXml(value);
  const t = escapeXml(title);
  const text = (x: number, s: string) => `<text x="${x}" y="15" fill="#010101" fill-opacity=".3">${s}</text><text x="${x}" y="14">${s}</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${t}">` +
    `<title>${t}</title>` +
    `<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>` +
    `<clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath>` +
    `<g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${vw}" height="20" fill="${BADGE_FILL[colour]}"/>` +
    `<rect width="${w}" height="20" fill="url(#s)"/></g>` +
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">` +
    text(lw / 2, l) +
    text(lw + vw / 2, v) +
    `</g></svg>`
  );
}
