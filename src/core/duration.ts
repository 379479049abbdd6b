// Durations as people type them ("7d", "12h", "30m", "45s", "500ms", "2w") and the instants they
// name: `--since 7d` is a week back, `--expires 30d` a month ahead. One parser for every command
// and setting, so the same spelling means the same thing everywhere.
import { CiError } from './errors.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
/** Nothing we measure spans more than a century; longer spans are typing mistakes, not intent. */
const MAX_MS = 100 * 366 * UNIT_MS.d;
const HINT = 'use e.g. 30d, 12h, 2w, 90m, 45s, 500ms';

/** Parses a duration to milliseconds; `0`, `off` and `none` are null (no limit) when `allowNone`. */
export function parseDuration(v: string, where: string, opts: { allowNone?: boolean } = {}): number | null {
  const s = v.trim().toLowerCase();
  if (opts.allowNone && (s === '0' || s === 'off' || s === 'none')) return null;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/.exec(s);
  const ms = m ? Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]) : NaN;
  if (!Number.isFinite(ms)) {
    throw new CiError('E_USAGE', `${JSON.stringify(v)} is not a duration`, { where, hint: opts.allowNone ? `${HINT}, or 0 for none` : HINT });
  }
  if (ms > MAX_MS) throw new CiError('E_USAGE', `${JSON.stringify(v)} is longer than 100 years`, { where, hint: HINT });
  return ms;
}

/** A moment given as a duration from `now` (`direction` -1 = back, +1 = ahead) or as a date. */
function instant(v: string, now: Date, where: string, direction: -1 | 1): Date {
  const s = v.trim();
  if (/^\d+(?:\.\d+)?\s*[a-zA-Z]+$/.test(s)) return new Date(now.getTime() + direction * parseDuration(s, where)!);
  const t = Date.parse(s);
  if (!Number.isFinite(t)) {
    throw new CiError('E_USAGE', `${JSON.stringify(v)} is neither a duration nor a date`, { where, hint: `${HINT}, or a date such as 2026-11-01` });
  }
  return new Date(t);
}

/** `--since 7d` → a week before `now`; `--since 2026-11-01` → that date. */
export const sinceInstant = (v: string, now: Date, where = '--since') => instant(v, now, where, -1);

/** `--expires 30d` → thirty days after `now`; `--expires 2027-01-01` → that date. */
export const untilInstant = (v: string, now: Date, where = '--expires') => instant(v, now, where, 1);

/** A span in seconds as people read it in a terminal: 45s, 12m, 3.5h, 2.1d ("no data" for null). */
export function fmtDuration(s: number | null): string {
  if (s === null) return 'no data';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86_400) return `${(s / 3600).toFixed(1)}h`;
  return `${(s / 86_400).toFixed(1)}d`;
}
