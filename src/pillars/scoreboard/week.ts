// ISO 8601 weeks ("2026-W49"): the scoreboard's period. A week starts Monday 00:00 UTC.
import { CiError } from '../../core/errors.js';

export interface Week {
  /** "2026-W49" */
  id: string;
  from: Date;
  /** Exclusive: the next Monday. */
  to: Date;
}

const DAY = 86_400_000;

/** Monday 00:00 UTC of ISO week 1 of `year` (the week holding 4 January). */
function week1(year: number): number {
  const jan4 = Date.UTC(year, 0, 4);
  const dow = (new Date(jan4).getUTCDay() + 6) % 7;
  return jan4 - dow * DAY;
}

/** The ISO week holding `at`. */
export function weekOf(at: Date): Week {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const monday = day - ((new Date(day).getUTCDay() + 6) % 7) * DAY;
  // The ISO year is the year of the week's Thursday.
  const year = new Date(monday + 3 * DAY).getUTCFullYear();
  const n = Math.floor((monday - week1(year)) / (7 * DAY)) + 1;
  return { id: `${year}-W${String(n).padStart(2, '0')}`, from: new Date(monday), to: new Date(monday + 7 * DAY) };
}

/** Parses "2026-W49" (or "2026-w49"); `where` names the flag or parameter for the error. */
export function parseWeek(v: string, where = '--week'): Week {
  const m = /^(\d{4})-[wW](\d{2})$/.exec(v.trim());
  const bad = () => new CiError('E_USAGE', `${where} ${v} is not an ISO week`, { where, hint: 'write it as YEAR-Wnn, e.g. 2026-W49' });
  if (!m) throw bad();
  const year = Number(m[1]);
  const n = Number(m[2]);
  const from = week1(year) + (n - 1) * 7 * DAY;
  if (n < 1 || weekOf(new Date(from)).id !== `${year}-W${m[2]}`) throw bad();
  return { id: `${year}-W${m[2]}`, from: new Date(from), to: new Date(from + 7 * DAY) };
}
