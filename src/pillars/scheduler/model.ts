// Duration prediction per series (repo, workflow, job) — seed 000 pillar 3 "Learn runtime from
// history ... Online updates each run. Target MAPE ≤ 15 %", issue 19 item 1. Pure and O(1) per
// update: the state is a fixed number of numbers plus bounded buffers, serializable as JSON (the hub
// keeps it in scheduler_models and updates it when a run ends).
//
// The model (docs/DECISIONS.md D-scheduler-1): in log space, a base level times category factors.
//   log d = base + o_cache[hit|miss|unknown] + o_runner[runner_type]
// The base is an online ensemble of cheap predictors, each weighted by the inverse square of its
// own recent error (EWMA of |log error|):
//   level  EWMA of the normalized log duration          (recent level)
//   trend  Holt's level + slope                         (a suite that keeps growing)
//   rate   EWMA of log(duration / test_count) + log(test_count)   (test count drift)
//   median median of the last 5 normalized durations   (robust to one-off spikes)
//   commit mean of this commit's earlier runs          (a rerun builds the same code: only noise
//          separates it from them; available only for a commit seen among the last 8)
// The category offsets learn from the residuals. p90 adds the 0.9 quantile of the last 30 log
// residuals. Deterministic fallback: when the model's recent APE is above the threshold and the
// recent median did better, the prediction is the recent median, and says so.

export interface RunFeatures {
  changed_files?: number | null;
  test_count?: number | null;
  cache_hit?: boolean | null;
  runner_type?: string | null;
  queue_ms?: number | null;
  /** The commit the run built: a rerun of a commit is predicted from that commit's earlier runs. */
  commit?: string | null;
}

const CANDIDATES = ['level', 'trend', 'rate', 'median', 'commit'] as const;
/** Commits remembered per series (reruns are usually close in time). */
const COMMITS_KEPT = 8;
type Candidate = (typeof CANDIDATES)[number];

export interface SeriesState {
  v: 1;
  n: number;
  /** Last 5 raw durations (ms), oldest first: the fallback's median and the naive mean-of-last-3. */
  recent: number[];
  /** Last 5 normalized log durations. */
  recentLog: number[];
  level: number | null;
  slope: number;
  /** EWMA of log(duration per test). */
  rate: number | null;
  /** EWMA of |log error| per candidate (null or absent until scored once: states saved before a candidate existed lack it). */
  err: Partial<Record<Candidate, number | null>>;
  /** The last commits seen: [sha, sum of normalized log durations, runs] (absent in states saved before it). */
  commits?: Array<[string, number, number]>;
  o_cache: Record<string, number>;
  o_runner: Record<string, number>;
  /** Last 30 log residuals of the model's prediction (for p90). */
  resid: number[];
  /** EWMA of the absolute percentage error of the model and of the recent median. */
  ape_model: number | null;
  ape_median: number | null;
}

export interface Prediction {
  p50_ms: number;
  p90_ms: number;
  /** model: the online model; fallback-median: its recent error was above the threshold; none: no history. */
  method: 'model' | 'fallback-median' | 'none';
  /** Why the fallback was taken (or null). */
  reason: string | null;
  /** The model's recent APE (fraction) at prediction time. */
  recent_ape: number | null;
}

export interface ModelOptions {
  /** Recent APE (fraction) above which the recent median is used instead (default 0.15, the seed's target). */
  fallbackAbove: number;
}

export const DEFAULT_MODEL: ModelOptions = { fallbackAbove: 0.15 };

const ALPHA = 0.35; // level smoothing: recent runs weigh most, a level shift is followed in ~3 runs
const BETA = 0.1; // Holt slope smoothing
const RATE_ALPHA = 0.35;
const ERR_ALPHA = 0.25;
const OFFSET_RATE = 0.15;
const APE_ALPHA = 0.2;

export function emptyState(): SeriesState {
  return {
    v: 1,
    n: 0,
    recent: [],
    recentLog: [],
    level: null,
    slope: 0,
    rate: null,
    err: { level: null, trend: null, rate: null, median: null, commit: null },
    commits: [],
    o_cache: {},
    o_runner: {},
    resid: [],
    ape_model: null,
    ape_median: null,
  };
}

const cacheKey = (f: RunFeatures) => (f.cache_hit === true ? 'hit' : f.cache_hit === false ? 'miss' : 'unknown');
const runnerKey = (f: RunFeatures) => (f.runner_type ? f.runner_type : 'unknown');
const offsetOf = (s: SeriesState, f: RunFeatures) => (s.o_cache[cacheKey(f)] ?? 0) + (s.o_runner[runnerKey(f)] ?? 0);

function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** Each candidate's normalized log prediction (null when it has nothing yet). */
function candidates(s: SeriesState, f: RunFeatures): Record<Candidate, number | null> {
  const tc = f.test_count && f.test_count > 0 ? f.test_count : null;
  return {
    level: s.level,
    trend: s.level === null ? null : s.level + s.slope,
    rate: s.rate !== null && tc !== null ? s.rate + Math.log(tc) : null,
    median: s.recentLog.length ? medianOf(s.recentLog) : null,
    commit: commitMean(s, f.commit),
  };
}

/** The mean normalized log duration of this commit's earlier runs, or null when it was not seen. */
function commitMean(s: SeriesState, commit: string | null | undefined): number | null {
  const c = commit ? s.commits?.find(([sha]) => sha === commit) : undefined;
  return c ? c[1] / c[2] : null;
}

/** The ensemble's normalized log prediction: candidates weighted by 1 / (recent error² + ε). */
function ensemble(s: SeriesState, f: RunFeatures): number | null {
  const c = candidates(s, f);
  let num = 0;
  let den = 0;
  for (const k of CANDIDATES) {
    const v = c[k];
    if (v === null) continue;
    const e = s.err[k] ?? null;
    // unscored candidates get a modest prior weight
    const w = 1 / ((e ?? 0.2) ** 2 + 1e-4);
    num += w * v;
    den += w;
  }
  return den > 0 ? num / den : null;
}

/** Predicts the next run of a series from its state (never looks at the run's own duration). */
export function predict(s: SeriesState, f: RunFeatures, opts: ModelOptions = DEFAULT_MODEL): Prediction {
  const base = ensemble(s, f);
  if (base === null) return { p50_ms: NaN, p90_ms: NaN, method: 'none', reason: 'no history for this job yet', recent_ape: null };
  const logP = base + offsetOf(s, f);
  const q90 = s.resid.length >= 5 ? Math.max(0, quantile(s.resid, 0.9)) : 0.2;
  const p50 = Math.exp(logP);
  const p90 = Math.exp(logP + q90);
  if (s.n >= 5 && s.ape_model !== null && s.ape_median !== null && s.ape_model > opts.fallbackAbove && s.ape_median < s.ape_model) {
    const med = medianOf(s.recent);
    return {
      p50_ms: med,
      p90_ms: Math.max(med, quantile(s.recent, 0.9)),
      method: 'fallback-median',
      reason: `the model's recent error ${(s.ape_model * 100).toFixed(1)} % is above ${(opts.fallbackAbove * 100).toFixed(0)} %: using the median of the last ${s.recent.length} runs`,
      recent_ape: s.ape_model,
    };
  }
  return { p50_ms: p50, p90_ms: p90, method: 'model', reason: null, recent_ape: s.ape_model };
}

const push = <T>(xs: T[], v: T, cap: number) => {
  xs.push(v);
  if (xs.length > cap) xs.shift();
};
const ewma = (prev: number | null, v: number, a: number) => (prev === null ? v : prev + a * (v - prev));

/** Learns from a finished run (O(1)): returns the next state; the input state is not changed. */
export function update(prev: SeriesState, f: RunFeatures, durationMs: number): SeriesState {
  if (!(durationMs > 0) || !Number.isFinite(durationMs)) return prev;
  const s: SeriesState = structuredClone(prev);
  const y = Math.log(durationMs);
  // Score the model and its candidates on this run before learning from it.
  const base = ensemble(prev, f);
  if (base !== null) {
    const c = candidates(prev, f);
    const off = offsetOf(prev, f);
    for (const k of CANDIDATES) {
      const v = c[k];
      if (v !== null) s.err[k] = ewma(s.err[k] ?? null, Math.abs(y - (v + off)), ERR_ALPHA);
    }
    const modelLog = base + off;
    push(s.resid, y - modelLog, 30);
    s.ape_model = ewma(s.ape_model, Math.abs(Math.exp(modelLog) - durationMs) / durationMs, APE_ALPHA);
    const med = medianOf(prev.recent);
    s.ape_median = ewma(s.ape_median, Math.abs(med - durationMs) / durationMs, APE_ALPHA);
    // Category offsets learn the residual of this run's categories (cache hit/miss, runner class).
    const r = y - modelLog;
    const ck = cacheKey(f);
    const rk = runnerKey(f);
    s.o_cache[ck] = (s.o_cache[ck] ?? 0) + OFFSET_RATE * r;
    s.o_runner[rk] = (s.o_runner[rk] ?? 0) + OFFSET_RATE * r;
  }
  // The base learns the duration with this run's categories taken out.
  const z = y - offsetOf(s, f);
  if (s.level === null) s.level = z;
  else {
    const prevLevel = s.level;
    s.level = prevLevel + s.slope + ALPHA * (z - (prevLevel + s.slope));
    s.slope = s.slope + BETA * (s.level - prevLevel - s.slope);
  }
  if (f.test_count && f.test_count > 0) s.rate = ewma(s.rate, z - Math.log(f.test_count), RATE_ALPHA);
  push(s.recent, durationMs, 5);
  push(s.recentLog, z, 5);
  if (f.commit) {
    const commits = (s.commits ??= []);
    const i = commits.findIndex(([sha]) => sha === f.commit);
    const [, sum, runs] = i >= 0 ? commits.splice(i, 1)[0]! : [f.commit, 0, 0];
    push(commits, [f.commit, sum + z, runs + 1], COMMITS_KEPT);
  }
  s.n++;
  return s;
}

/** The naive peer: the mean of the last 3 durations (null without history). */
export function meanOfLast3(s: SeriesState): number | null {
  const r = s.recent.slice(-3);
  return r.length ? r.reduce((a, b) => a + b, 0) / r.length : null;
}
