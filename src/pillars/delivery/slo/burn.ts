// Error-budget burn rates (seed 000 dictionary: "Burn rate: actual_error_minutes / allowed_minutes
// over 1h, 6h, 24h windows"; Sloth/Pyrra multi-window, multi-burn-rate alerts after Google's SRE
// workbook). Pure: samples + SLO + instant → burn rates and the verdict of each window pair.
//   error minutes  availability: Σ error_ratio × minutes each sample covers (request-weighted);
//                  latency: Σ minutes of the samples whose p95 is above latencyMs (bad minutes);
//   allowed        (1 − objective) × the minutes of the window that have samples;
//   burn           error minutes / allowed (1 = spending the budget exactly over the SLO window).
// A window whose samples cover under half of it has no burn rate (no data is not zero).
import type { Sample } from '../canary/samples.js';
import type { SloConfig } from '../config.js';

export interface WindowPair {
  long: string;
  longMs: number;
  short: string;
  shortMs: number;
  factor: number;
  severity: 'page' | 'ticket';
}

const H = 3_600_000;
const M = 60_000;
/** The workbook's pairs for a 30-day SLO (2 % of the budget in 1 h, 5 % in 6 h, 10 % in 1 d, 10 % in 3 d). */
export const PAIRS: WindowPair[] = [
  { long: '1h', longMs: H, short: '5m', shortMs: 5 * M, factor: 14.4, severity: 'page' },
  { long: '6h', longMs: 6 * H, short: '30m', shortMs: 30 * M, factor: 6, severity: 'page' },
  { long: '1d', longMs: 24 * H, short: '2h', shortMs: 2 * H, factor: 3, severity: 'ticket' },
  { long: '3d', longMs: 72 * H, short: '6h', shortMs: 6 * H, factor: 1, severity: 'ticket' },
];
/** The seed's three windows. */
export const REPORT_WINDOWS: Array<[string, number]> = [
  ['1h', H],
  ['6h', 6 * H],
  ['24h', 24 * H],
];

export interface BurnWindow {
  window: string;
  burn: number | null;
  error_minutes: number;
  covered_minutes: number;
}

/** Minutes each sample stands for: the time to the next sample (the last one: the median spacing). */
function spans(s: Sample[]): number[] {
  const gaps = s.slice(1).map((x, i) => x.t - s[i]!.t);
  const sorted = [...gaps].sort((a, b) => a - b);
  const median = sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : M;
  return s.map((_, i) => (i < gaps.length ? Math.min(gaps[i]!, 3 * median) : median));
}

export function burnOver(slo: SloConfig, samples: Sample[], at: number, windowMs: number, label: string): BurnWindow {
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  const span = spans(sorted);
  let err = 0;
  let covered = 0;
  const from = at - windowMs;
  sorted.forEach((x, i) => {
    const start = Math.max(x.t, from);
    const end = Math.min(x.t + span[i]!, at);
    if (end <= start) return;
    const minutes = (end - start) / M;
    covered += minutes;
    err += slo.kind === 'availability' ? Math.min(1, Math.max(0, x.v)) * minutes : x.v > (slo.latencyMs ?? Infinity) ? minutes : 0;
  });
  const allowed = (1 - slo.objective / 100) * covered;
  const round = (v: number) => Math.round(v * 10_000) / 10_000;
  return {
    window: label,
    burn: covered >= windowMs / M / 2 ? round(err / allowed) : null,
    error_minutes: round(err),
    covered_minutes: round(covered),
  };
}

export interface BurnReport {
  slo: string;
  environment: string;
  objective: number;
  windows: BurnWindow[];
  pairs: Array<{ long: BurnWindow; short: BurnWindow; factor: number; severity: string; firing: boolean }>;
  /** Blocked: some pair has both windows burning faster than its factor. */
  blocked: boolean;
  reason: string;
}

export function burnReport(slo: SloConfig, samples: Sample[], at: Date): BurnReport {
  const t = at.getTime();
  const windows = REPORT_WINDOWS.map(([l, ms]) => burnOver(slo, samples, t, ms, l));
  const pairs = PAIRS.map((p) => {
    const long = burnOver(slo, samples, t, p.longMs, p.long);
    const short = burnOver(slo, samples, t, p.shortMs, p.short);
    const firing = long.burn !== null && short.burn !== null && long.burn > p.factor && short.burn > p.factor;
    return { long, short, factor: p.factor, severity: p.severity, firing };
  });
  const fired = pairs.filter((p) => p.firing);
  const noData = windows.every((w) => w.burn === null);
  const reason = fired.length
    ? `error budget burning too fast: ${fired.map((p) => `${p.long.window} burn ${p.long.burn} and ${p.short.window} burn ${p.short.burn} above ${p.factor}`).join('; ')}`
    : noData
      ? 'no samples cover the last hour, 6 hours or day'
      : `burn within limits (${windows.map((w) => `${w.window} ${w.burn ?? 'no data'}`).join(', ')})`;
  return { slo: slo.name, environment: slo.environment, objective: slo.objective, windows, pairs, blocked: fired.length > 0, reason };
}
