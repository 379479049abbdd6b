// The robust comparison of the canary judge: a one-sided Mann-Whitney U test (normal approximation
// with tie correction and continuity correction) and its effect size (rank-biserial correlation).
// Kayenta uses Mann-Whitney for the same reason: latency and error samples are skewed and heavy-
// tailed, so a rank test says "the canary is worse" without assuming normal noise.

export interface MannWhitney {
  /** U of the canary: pairs (canary, baseline) where the canary is worse, ties count one half. */
  u: number;
  /** One-sided p-value of "the canary is worse than the baseline". */
  p: number;
  /** Rank-biserial correlation 2U/(n1·n2) − 1, in [−1, 1]; positive = the canary is worse. */
  effect: number;
}

/** Standard normal upper tail, via erfc (Numerical Recipes' erfcc; relative error < 1.2e-7). */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  const upper = erfc / 2;
  return z >= 0 ? upper : 1 - upper;
}

/**
 * Is `canary` stochastically larger than `baseline`? Both are "badness" values (larger = worse):
 * the caller negates metrics where higher is better. Pure and order-independent.
 */
export function mannWhitneyWorse(canary: readonly number[], baseline: readonly number[]): MannWhitney {
  const n1 = canary.length;
  const n2 = baseline.length;
  if (n1 === 0 || n2 === 0) return { u: 0, p: 1, effect: 0 };
  // Mid-ranks over the pooled, sorted values; the tie sizes feed the variance correction.
  const pooled = [...canary.map((v) => ({ v, c: 1 })), ...baseline.map((v) => ({ v, c: 0 }))].sort((a, b) => a.v - b.v);
  const n = pooled.length;
  let rankSumCanary = 0;
  let tieTerm = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && pooled[j + 1]!.v === pooled[i]!.v) j++;
    const size = j - i + 1;
    const midRank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) if (pooled[k]!.c) rankSumCanary += midRank;
    tieTerm += size ** 3 - size;
    i = j + 1;
  }
  const u = rankSumCanary - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  const effect = (2 * u) / (n1 * n2) - 1;
  if (!(variance > 0)) return { u, p: 1, effect };
  const z = (u - mean - 0.5) / Math.sqrt(variance);
  return { u, p: Math.min(1, Math.max(0, normalUpperTail(z))), effect };
}

/** Nearest-rank quantile of a sample (q in 0..1); null when empty. */
export function quantile(values: readonly number[], q: number): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}
