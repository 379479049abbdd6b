// Control limits over the main-branch resilience series (seed 000 pillar 1 "EWMA control limits",
// "Tightened specs": publish control limits). An EWMA chart (Roberts 1959; Montgomery,
// "Introduction to Statistical Quality Control", §9.2) catches the slow drifts of a test suite that
// a per-run threshold misses:
//
//   z_0 = x_0,  z_i = λ·x_i + (1 − λ)·z_{i−1}
//   limits_i = μ ± L·σ·sqrt( λ/(2−λ)·(1 − (1−λ)^{2i}) + (1−λ)^{2i} )
//
// (the last term because z_0 starts at the first observation, not at μ). λ = 0.2 and L = 3 are
// Montgomery's standard pair (in-control average run length ≈ 500). μ and σ come from the points
// before i only (the run being judged never moves its own limits): μ is their mean, σ the mean
// moving range / d2 (d2 = 1.128 for ranges of two), floored at half a mutant (0.5 / median
// mutants_total) because a score is a count ratio and an unchanged suite would otherwise get σ = 0.
// Limits need `minHistory` earlier points; before that they are null ("warming up").

export interface ControlParams {
  lambda: number;
  L: number;
  /** Earlier points needed before limits are published. */
  minHistory: number;
  /** Earlier points used for μ and σ (the most recent ones). */
  window: number;
}

export const DEFAULT_CONTROL: ControlParams = { lambda: 0.2, L: 3, minHistory: 5, window: 50 };

const D2 = 1.128;

export interface SeriesPoint {
  run_id: string;
  at: string;
  score: number;
  mutants_total: number;
}

export interface ControlPoint {
  run_id: string;
  at: string;
  score: number;
  ewma: number;
  center: number | null;
  sigma: number | null;
  lcl: number | null;
  ucl: number | null;
  /** null while warming up. */
  out_of_control: boolean | null;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** μ, σ and the limits for the EWMA after `i` updates, from the earlier points. */
function limits(prior: SeriesPoint[], i: number, p: ControlParams): { center: number; sigma: number; lcl: number; ucl: number } | null {
  const base = prior.slice(-p.window);
  if (prior.length < Math.max(2, p.minHistory)) return null;
  const center = base.reduce((s, x) => s + x.score, 0) / base.length;
  let mr = 0;
  for (let k = 1; k < base.length; k++) mr += Math.abs(base[k]!.score - base[k - 1]!.score);
  mr /= base.length - 1;
  const floor = 0.5 / Math.max(1, median(base.map((x) => x.mutants_total)));
  const sigma = Math.max(mr / D2, floor);
  const q = (1 - p.lambda) ** (2 * i);
  const width = p.L * sigma * Math.sqrt((p.lambda / (2 - p.lambda)) * (1 - q) + q);
  return { center, sigma, lcl: Math.max(0, center - width), ucl: Math.min(1, center + width) };
}

/** The chart over a series in time order (oldest first). */
export function controlChart(series: SeriesPoint[], p: ControlParams = DEFAULT_CONTROL): ControlPoint[] {
  const out: ControlPoint[] = [];
  let z = 0;
  series.forEach((x, i) => {
    z = i === 0 ? x.score : p.lambda * x.score + (1 - p.lambda) * z;
    const l = limits(series.slice(0, i), i, p);
    out.push({
      run_id: x.run_id,
      at: x.at,
      score: x.score,
      ewma: z,
      center: l?.center ?? null,
      sigma: l?.sigma ?? null,
      lcl: l?.lcl ?? null,
      ucl: l?.ucl ?? null,
      out_of_control: l ? z < l.lcl || z > l.ucl : null,
    });
  });
  return out;
}

/**
 * Where a run off the main branch (a PR) would put the chart if it were merged now: the EWMA the
 * main series would reach with this score appended, against the limits for that position.
 */
export function judgeCandidate(
  series: SeriesPoint[],
  candidate: Omit<SeriesPoint, 'run_id' | 'at'> & { run_id: string; at: string },
  p: ControlParams = DEFAULT_CONTROL,
): ControlPoint {
  return controlChart([...series, candidate], p).at(-1)!;
}
