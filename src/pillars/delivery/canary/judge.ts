// The canary judge (seed 000 "Kayenta-style weighted score ... with guardrail thresholds"; seed 004
// §2.4 AnalysisTemplates; issue 22). Pure: samples + analysis settings → decision. Per metric:
//   1. warm-up: samples in the first `warmup` after the canary's first sample are left out of both
//      tracks (start-up spikes are what fools Kayenta's users);
//   2. minimum samples and interval consistency (median spacing within ±50 % of the interval, no gap
//      over 3 intervals) — otherwise the metric is inconclusive;
//   3. bound (Argo): a measurement fails when failureCondition holds, else when successCondition does
//      not; the bound is breached when more than failureLimit measurements fail;
//   4. comparison: one-sided Mann-Whitney U "canary worse than baseline", with the rank-biserial
//      effect and the relative change of the median; worse = p < alpha, effect ≥ minEffect and
//      change ≥ tolerance.
// Status: fail = breached and worse (a guardrail); unconfirmed = breached but not worse than the
// baseline (the baseline breaches too, or the evidence is weak) → hold; worse = worse within the
// bound (scores 0); pass. Score = 100 × weight of passing metrics / all weight. Verdict: rollback
// on any fail or a score below rollbackScore; hold on anything inconclusive/unconfirmed or a score
// below promoteScore; else promote.
import { createHash } from 'node:crypto';
import type { AnalysisSpec, MetricSpec } from './analysis.js';
import { holds } from './condition.js';
import type { Sample, Track } from './samples.js';
import { mannWhitneyWorse, quantile } from './stats.js';

export type Verdict = 'promote' | 'hold' | 'rollback';
export type MetricStatus = 'pass' | 'worse' | 'fail' | 'unconfirmed' | 'inconclusive';

export interface TrackSummary {
  samples: number;
  /** Left out as warm-up. */
  warmup_excluded: number;
  median: number | null;
  p95: number | null;
  failed_measurements: number;
}

export interface MetricResult {
  name: string;
  direction: MetricSpec['direction'];
  weight: number;
  condition: string;
  failure_limit: number;
  status: MetricStatus;
  baseline: TrackSummary;
  canary: TrackSummary;
  mann_whitney: { u: number; p: number; effect: number } | null;
  /** (canary median − baseline median) / |baseline median|, signed so that positive is worse. */
  median_change: number | null;
  reason: string;
}

export interface Decision {
  verdict: Verdict;
  score: number;
  reason: string;
  template: string;
  metrics: MetricResult[];
  settings: Omit<AnalysisSpec, 'metrics' | 'template'>;
}

export interface SampleSet {
  baseline: Track;
  canary: Track;
}

const round = (x: number, d = 6) => Math.round(x * 10 ** d) / 10 ** d;

function failedCount(m: MetricSpec, values: number[]): number {
  return values.filter((v) => (m.failure ? holds(m.failure, v) : m.success ? !holds(m.success, v) : false)).length;
}

function summary(m: MetricSpec, kept: Sample[], excluded: number): TrackSummary {
  const v = kept.map((s) => s.v);
  return { samples: v.length, warmup_excluded: excluded, median: quantile(v, 0.5), p95: quantile(v, 0.95), failed_measurements: failedCount(m, v) };
}

/** Why the samples' spacing cannot be trusted, or null. */
function spacingProblem(track: string, s: Sample[], intervalMs: number | null): string | null {
  if (s.length < 2) return null;
  const gaps = s.slice(1).map((x, i) => x.t - s[i]!.t);
  const median = quantile(gaps, 0.5)!;
  const expected = intervalMs ?? median;
  if (intervalMs !== null && (median < expected * 0.5 || median > expected * 1.5))
    return `${track} samples come every ${fmtMs(median)}, not every ${fmtMs(expected)} as configured`;
  const widest = Math.max(...gaps);
  if (widest > expected * 3) return `${track} samples have a gap of ${fmtMs(widest)} (over 3 intervals of ${fmtMs(expected)})`;
  if (gaps.some((g) => g === 0)) return `${track} has two samples at the same time`;
  return null;
}

const fmtMs = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000} min` : ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);
const fmt = (x: number | null) => (x === null ? 'n/a' : String(round(x, 4)));

export function judgeMetric(m: MetricSpec, spec: AnalysisSpec, baselineAll: Sample[], canaryAll: Sample[]): MetricResult {
  const cut = canaryAll.length ? canaryAll[0]!.t + spec.warmupMs : -Infinity;
  const keep = (s: Sample[]) => s.filter((x) => x.t >= cut);
  const b = keep(baselineAll);
  const c = keep(canaryAll);
  const base: Omit<MetricResult, 'status' | 'reason' | 'mann_whitney' | 'median_change'> = {
    name: m.name,
    direction: m.direction,
    weight: m.weight,
    condition: [m.success && `success: ${m.success.text}`, m.failure && `failure: ${m.failure.text}`].filter(Boolean).join('; '),
    failure_limit: m.failureLimit,
    baseline: summary(m, b, baselineAll.length - b.length),
    canary: summary(m, c, canaryAll.length - c.length),
  };
  const result = (status: MetricStatus, reason: string, mw: MetricResult['mann_whitney'] = null, change: number | null = null): MetricResult => ({
    ...base,
    status,
    mann_whitney: mw,
    median_change: change,
    reason,
  });
  for (const [track, s] of [
    ['baseline', b],
    ['canary', c],
  ] as const) {
    if (s.length < spec.minSamples)
      return result('inconclusive', `${track} has ${s.length} samples after the warm-up, fewer than the ${spec.minSamples} needed`);
  }
  const spacing = spacingProblem('canary', c, spec.intervalMs) ?? spacingProblem('baseline', b, spec.intervalMs);
  if (spacing) return result('inconclusive', spacing);

  const sign = m.direction === 'lower-is-better' ? 1 : -1;
  const mw = mannWhitneyWorse(
    c.map((x) => sign * x.v),
    b.map((x) => sign * x.v),
  );
  const mwOut = { u: round(mw.u, 3), p: round(mw.p), effect: round(mw.effect, 4) };
  const mb = base.baseline.median!;
  const mc = base.canary.median!;
  const change = mb === 0 ? (mc === mb ? 0 : sign * Math.sign(mc - mb)) : round((sign * (mc - mb)) / Math.abs(mb), 4);
  const significant = mw.p < spec.alpha && mw.effect >= spec.minEffect;
  const worse = significant && change >= spec.tolerance;
  const breached = base.canary.failed_measurements > m.failureLimit;
  const baselineBreached = base.baseline.failed_measurements > m.failureLimit;
  const test = `Mann-Whitney ${mw.p < 1e-6 ? 'p<0.000001' : `p=${fmt(mw.p)}`}, effect ${fmt(mw.effect)}`;
  const medians = `canary median ${fmt(mc)} vs baseline ${fmt(mb)}`;
  const bound = `${base.canary.failed_measurements} of ${c.length} canary measurements fail ${base.condition} (limit ${m.failureLimit})`;
  if (breached && worse) return result('fail', `${bound}; worse than the baseline: ${medians}, ${test}`, mwOut, change);
  if (breached)
    return result(
      'unconfirmed',
      baselineBreached
        ? `${bound}, but the baseline fails it too (${base.baseline.failed_measurements} of ${b.length}): not the canary's doing`
        : `${bound}, but the canary is not shown worse than the baseline (${test})`,
      mwOut,
      change,
    );
  if (worse) return result('worse', `worse than the baseline within the bound: ${medians}, ${test}`, mwOut, change);
  return result('pass', `within the bound and not worse than the baseline: ${medians}, ${test}`, mwOut, change);
}

/** Judges every metric of the analysis that has samples; a metric the samples lack is inconclusive. */
export function judge(spec: AnalysisSpec, samples: SampleSet): Decision {
  const metrics = [...spec.metrics]
    .sort((a, z) => (a.name < z.name ? -1 : a.name > z.name ? 1 : 0))
    .map((m) => {
      const b = samples.baseline.get(m.name) ?? [];
      const c = samples.canary.get(m.name) ?? [];
      return judgeMetric(m, spec, b, c);
    });
  const total = metrics.reduce((s, m) => s + m.weight, 0);
  const passing = metrics.filter((m) => m.status === 'pass').reduce((s, m) => s + m.weight, 0);
  const score = total > 0 ? round((100 * passing) / total, 2) : 0;
  const named = (st: MetricStatus) => metrics.filter((m) => m.status === st);
  const list = (ms: MetricResult[]) => ms.map((m) => `${m.name}: ${m.reason}`).join('; ');
  let verdict: Verdict;
  let reason: string;
  if (named('fail').length) {
    verdict = 'rollback';
    reason = `guardrail breached by ${named('fail')
      .map((m) => m.name)
      .join(', ')} — ${list(named('fail'))}`;
  } else if (score < spec.rollbackScore && !named('inconclusive').length && !named('unconfirmed').length) {
    verdict = 'rollback';
    reason = `score ${score} is below ${spec.rollbackScore}: worse than the baseline on ${named('worse')
      .map((m) => m.name)
      .join(', ')} — ${list(named('worse'))}`;
  } else if (named('inconclusive').length || named('unconfirmed').length) {
    verdict = 'hold';
    reason = `not enough evidence — ${list([...named('inconclusive'), ...named('unconfirmed')])}`;
  } else if (score < spec.promoteScore) {
    verdict = 'hold';
    reason = `score ${score} is below ${spec.promoteScore} — ${list(named('worse'))}`;
  } else {
    verdict = 'promote';
    reason = `score ${score} ≥ ${spec.promoteScore}: every metric within its bound${
      named('worse').length
        ? ` except ${named('worse')
            .map((m) => m.name)
            .join(', ')} worse than the baseline`
        : ' and not worse than the baseline'
    }`;
  }
  const { metrics: _m, template, ...settings } = spec;
  return { verdict, score, reason, template, metrics, settings };
}

/** A stable id of a decision and its inputs: the same inputs always give the same id. */
export function decisionId(d: Decision, inputs: unknown): string {
  return createHash('sha256').update(JSON.stringify({ d, inputs })).digest('hex');
}
