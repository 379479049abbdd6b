// Number formatting shared by the dashboard and its browser test (the test computes the numbers
// itself, from SQL, and formats them with these functions to compare with the page).
export const NO_DATA = '–';

export function pct(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined ? NO_DATA : `${(v * 100).toFixed(digits)}%`;
}

/** A duration in milliseconds: 850ms, 12.3s, 7m 05s, 2h 10m, 3.4d. */
export function dur(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return NO_DATA;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    return `${m}m ${String(Math.floor(s - m * 60)).padStart(2, '0')}s`;
  }
  if (s < 86_400) {
    const h = Math.floor(s / 3600);
    return `${h}h ${String(Math.floor((s - h * 3600) / 60)).padStart(2, '0')}m`;
  }
  return `${(s / 86_400).toFixed(1)}d`;
}

export const durS = (s: number | null | undefined) => (s === null || s === undefined ? NO_DATA : dur(s * 1000));

export function num(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined) return NO_DATA;
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export const usd = (v: number | null | undefined, digits = 2) => (v === null || v === undefined ? NO_DATA : `$${num(v, digits)}`);
export const perDay = (v: number | null | undefined) => (v === null || v === undefined ? NO_DATA : `${v.toFixed(2)}/day`);
export const score = (v: number | null | undefined) => (v === null || v === undefined ? NO_DATA : v.toFixed(1));

/** An RFC 3339 time as `YYYY-MM-DD HH:MM` (UTC); other strings unchanged. Panel KPIs are narrow. */
export function when(v: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v) ? `${v.slice(0, 10)} ${v.slice(11, 16)}` : v;
}

/** A measured number at most 4 significant digits (12.35, 0.1235); 1,000 and up as whole numbers. */
export function sig(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return NO_DATA;
  if (Number.isInteger(v) || Math.abs(v) >= 1000) return num(Math.round(v));
  return String(Number(v.toPrecision(4)));
}

/** A time as the reader's local `YYYY-MM-DD HH:MM` (the page says the zone once, see zoneName). */
export function local(v: string | Date | null | undefined): string {
  if (v === null || v === undefined || v === '') return NO_DATA;
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A byte count: 512 B, 12.3 KB, 4.5 MB, 1.2 GB (powers of 1024). */
export function bytes(v: number | null | undefined): string {
  if (v === null || v === undefined) return NO_DATA;
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let x = v;
  let i = 0;
  while (Math.abs(x) >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(x)} B` : `${x.toFixed(1)} ${units[i]}`;
}

/** Matches an RFC 3339 timestamp (what the API sends), so tables show it as a local time. */
export const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
