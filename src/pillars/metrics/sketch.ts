// Approximate percentiles from daily rollups (issue 8 "say whether each percentile is exact or
// approximate"). Durations and queue times are counted in fixed log buckets, a quarter-octave wide
// (each bucket's upper bound is 2^(1/4) ≈ 1.189 times its lower bound), so rollup rows merge by
// adding counts. A percentile is the nearest-rank value's bucket, shown as that bucket's geometric
// midpoint: within ±9.05 % of the exact nearest-rank percentile (2^(1/8) − 1), or within 0.5 s for
// values under 1 s (bucket 0 is [0, 1 s), shown as 500 ms).
//
// The bucket of a value v (ms) is the number of thresholds T_i = ceil(1000 · 2^((i−1)/4)), i = 1..LAST,
// at or below v: 0 for v < 1000 ms. SQL uses the same integer thresholds with `width_bucket` (exact
// integer comparisons, no floating-point logarithm to disagree at a boundary); the browser test
// recomputes percentiles from raw rows by this definition.
import { sql, type RawBuilder } from 'kysely';

export const BUCKETS = 72;
export const LAST = BUCKETS - 1;
/**
 * Lead times for changes run to months, past run durations' last bucket (2^17.5 s ≈ 51 h): the same
 * buckets continued to 2^28.25 s ≈ 10 years. Lead-time histograms are built in JS only (leadtime rows
 * are computed there), so no SQL threshold list has to agree with these.
 */
export const LEAD_BUCKETS = 115;
export const LEAD_LAST = LEAD_BUCKETS - 1;
/** Relative error bound of a shown percentile against the exact nearest-rank value (v >= 1 s). */
export const REL_ERROR = 2 ** (1 / 8) - 1;

const thresholds = (last: number) => Array.from({ length: last }, (_, k) => Math.ceil(1000 * 2 ** (k / 4)));
/** T_1..T_LEAD_LAST, ascending integers (ms); run durations use the first LAST of them. */
const ALL_THRESHOLDS: readonly number[] = thresholds(LEAD_LAST);
/** T_1..T_LAST, ascending integers (ms): the thresholds SQL's `width_bucket` uses. */
export const THRESHOLDS: readonly number[] = ALL_THRESHOLDS.slice(0, LAST);

/** The bucket of a value in ms, 0..last (values past the last threshold share the last bucket). */
export function bucketOf(ms: number, last: number = LAST): number {
  if (!(ms >= ALL_THRESHOLDS[0]!)) return 0;
  let lo = 0;
  let hi = last; // invariant: ALL_THRESHOLDS[lo] <= ms, answer in [lo+1, hi]
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (ALL_THRESHOLDS[mid]! <= ms) lo = mid;
    else hi = mid;
  }
  return lo + 1;
}

export function bucketLower(i: number): number {
  return i === 0 ? 0 : 1000 * 2 ** ((i - 1) / 4);
}

/** The value shown for a bucket: its geometric midpoint (500 ms for bucket 0), rounded to ms. */
export function bucketValue(i: number): number {
  if (i === 0) return 500;
  return Math.round(1000 * 2 ** ((i - 1) / 4 + 1 / 8));
}

/** Nearest-rank percentile over bucket counts: the bucket holding the ceil(p·n)-th value. */
export function percentileOf(counts: ArrayLike<number>, p: number): number | null {
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += Number(counts[i] ?? 0);
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil(p * n));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += Number(counts[i] ?? 0);
    if (seen >= rank) return bucketValue(i);
  }
  return bucketValue(counts.length - 1);
}

/** The approximation of an exact value (what the dashboard shows for it). */
export const approximate = (ms: number, last: number = LAST): number => bucketValue(bucketOf(ms, last));

/** Bucket counts → the sparse text rollup rows keep: "bucket:count" pairs in bucket order. */
export function formatHist(counts: ArrayLike<number>): string {
  const out: string[] = [];
  for (let i = 0; i < counts.length; i++) if (counts[i]) out.push(`${i}:${counts[i]}`);
  return out.join(',');
}

/** Adds up "bucket:count,..." pairs (one row's text, or several joined by commas) into `buckets` counts. */
export function parseHist(text: unknown, buckets: number = BUCKETS): number[] {
  const counts = new Array<number>(buckets).fill(0);
  if (typeof text !== 'string' || text === '') return counts;
  for (const pair of text.split(',')) {
    const i = pair.indexOf(':');
    const b = Number(pair.slice(0, i));
    if (b >= 0 && b < buckets) counts[b]! += Number(pair.slice(i + 1));
  }
  return counts;
}

/** SQL for the bucket of a millisecond expression (same thresholds as bucketOf); null stays null. */
export function bucketSql(expr: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`width_bucket((${expr})::bigint, ${sql.raw(`'{${THRESHOLDS.join(',')}}'::bigint[]`)})`;
}

/** Column names of a histogram: `${prefix}0` … `${prefix}${LAST}`. */
export const histColumns = (prefix: string): string[] => Array.from({ length: BUCKETS }, (_, i) => `${prefix}${i}`);
