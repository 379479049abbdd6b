// MTTR in minutes, the unit of seed 000's metrics dictionary ("MTTR: median time from failure
// detection to successful rerun/deploy; minutes"). Seconds stay in JSON fields ending in `_s`
// (and in the Prometheus series, whose base unit is the second); what people read is minutes.
// Pure and DOM-free: the CLI, the digest and the dashboard share it.

/** Seconds → minutes, one decimal; null stays null (no data is not zero). */
export const minutesOf = (s: number | null | undefined): number | null => (s === null || s === undefined ? null : Math.round(s / 6) / 10);

/** "42.5 min", "1,239 min" (whole minutes from 100 up: at most 4 significant digits), or the caller's no-data text. */
export const fmtMinutes = (s: number | null | undefined, none = 'no data'): string => {
  const m = minutesOf(s);
  if (m === null) return none;
  return `${m >= 100 ? Math.round(m).toLocaleString('en-US') : m} min`;
};
