// Severity names across sources (CVSS v3 qualitative bands, GitHub's `moderate`, Grype's
// `Negligible`), and the risk score the SBOM diff gate uses.
import type { Severity } from '../model.js';

const NAMES: Record<string, Severity> = {
  critical: 'critical',
  high: 'high',
  medium: 'medium',
  moderate: 'medium',
  low: 'low',
  negligible: 'low',
  info: 'none',
  none: 'none',
};

/** CVSS v3.x qualitative rating of a base score. */
export function severityOfScore(score: number): Severity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'none';
}

export function severityOf(name: string | undefined, score?: number): Severity {
  const s = name ? NAMES[name.toLowerCase()] : undefined;
  if (s) return s;
  return score !== undefined ? severityOfScore(score) : 'unknown';
}

/**
 * The lowest CVSS v3 score of a band: what a source that names only a severity is taken to mean
 * (so "high" alone still meets a 7.0 limit, and nothing is scored higher than its source said).
 */
const BAND_FLOOR: Record<Severity, number> = { critical: 9, high: 7, medium: 4, low: 0.1, none: 0, unknown: 0 };

/** Risk = max(CVSS base score, 10 × EPSS percentile) (seed 000's SBOM diff gate), on 0–10. */
export function riskScore(a: { cvss?: number; epssPercentile?: number; severity: Severity }): number {
  const cvss = a.cvss ?? BAND_FLOOR[a.severity];
  const epss = a.epssPercentile !== undefined ? 10 * a.epssPercentile : 0;
  return Math.round(Math.max(cvss, epss) * 100) / 100;
}

export const SEVERITY_ORDER: Severity[] = ['critical', 'high', 'medium', 'low', 'none', 'unknown'];
