// The classifier's calibration (issue 15, deliverable 4): how often its answer is right when it
// answers at or above a confidence threshold. Both evals publish it — the category eval on its
// leave-one-out answers (logs the model was not trained on), the line eval on where its cause sits.
export interface CalibrationPoint {
  confidence: number;
  correct: boolean;
}

export interface PrecisionAt {
  threshold: number;
  /** Answers at or above the threshold, and the share of them that are right. */
  answered: number;
  precision: number;
}

/** The thresholds every eval prints, for choosing one. */
export const SWEEP = [0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99, 1];

const r4 = (x: number) => Math.round(x * 10_000) / 10_000;

export function precisionAt(points: CalibrationPoint[], threshold: number): PrecisionAt {
  const answered = points.filter((p) => p.confidence >= threshold);
  return { threshold, answered: answered.length, precision: answered.length ? r4(answered.filter((p) => p.correct).length / answered.length) : 0 };
}

export function sweep(points: CalibrationPoint[]): PrecisionAt[] {
  return SWEEP.map((t) => precisionAt(points, t));
}

/** A precision as printed: three decimals, or `n/a` when nothing was answered. */
export function showPrecision(x: PrecisionAt): string {
  return x.answered ? x.precision.toFixed(3) : 'n/a';
}

/** One line of text: `0.5→0.900 (40), ...` (threshold → precision (answered)). */
export function renderSweep(s: PrecisionAt[]): string {
  return s.map((x) => `${x.threshold}→${showPrecision(x)} (${x.answered})`).join(', ');
}
