// The DORA four keys (issue 8; seed 004 §4.1/§4.2), pure over deployments already folded from their
// reports. Definitions (issue 8):
// - a deployment is a distinct (repo, environment, deployment_id): canary steps of one deployment
//   are one deployment;
// - it failed when its final status is failed or any report carries a rollback_reason; it
//   succeeded when its final status is success without a rollback; canceled / skipped / unfinished
//   deployments count in neither (they shipped nothing and broke nothing);
// - deployment frequency: successful deployments per day of the window;
// - change failure rate: failed / (successful + failed);
// - time to restore: from a failed deployment to the next successful deployment of the same repo
//   and environment; consecutive failures before that success are one incident, timed from the first;
// - lead time: median over commits of (first successful deployment containing the commit − commit
//   time), by exact ancestry (leadtime.ts).
import { DORA_TARGETS, type Band, type MetricsConfig } from './config.js';
import { minutesOf } from './minutes.js';

export interface Deployment {
  repo: string;
  environment: string;
  deployment_id: string;
  commit_sha: string | null;
  started_at: number;
  /** When the final report finished (or started, if it has no end). */
  finished_at: number;
  final_status: string;
  rolled_back: boolean;
  steps: number;
}

export type Outcome = 'success' | 'failed' | 'other';

export function outcome(d: Pick<Deployment, 'final_status' | 'rolled_back'>): Outcome {
  if (d.rolled_back || d.final_status === 'failed') return 'failed';
  if (d.final_status === 'success') return 'success';
  return 'other';
}

export interface Incident {
  repo: string;
  environment: string;
  /** The first failed deployment of the incident. */
  failed_deployment_id: string;
  failed_at: number;
  restored_by: string | null;
  restored_at: number | null;
  restore_s: number | null;
  failures: number;
}

/** Incidents (failure runs) over deployments of one or more (repo, environment) groups. */
export function incidents(deps: Deployment[]): Incident[] {
  const groups = new Map<string, Deployment[]>();
  for (const d of deps) {
    const k = `${d.repo}\u0000${d.environment}`;
    const g = groups.get(k);
    if (g) g.push(d);
    else groups.set(k, [d]);
  }
  const out: Incident[] = [];
  for (const g of groups.values()) {
    g.sort((a, b) => a.finished_at - b.finished_at || (a.deployment_id < b.deployment_id ? -1 : 1));
    let open: Incident | null = null;
    for (const d of g) {
      const o = outcome(d);
      if (o === 'failed') {
        if (open) open.failures++;
        else
          open = {
            repo: d.repo,
            environment: d.environment,
            failed_deployment_id: d.deployment_id,
            failed_at: d.finished_at,
            restored_by: null,
            restored_at: null,
            restore_s: null,
            failures: 1,
          };
      } else if (o === 'success' && open) {
        open.restored_by = d.deployment_id;
        open.restored_at = d.finished_at;
        open.restore_s = Math.max(0, (d.finished_at - open.failed_at) / 1000);
        out.push(open);
        open = null;
      }
    }
    if (open) out.push(open);
  }
  return out.sort((a, b) => a.failed_at - b.failed_at || (a.repo < b.repo ? -1 : a.repo > b.repo ? 1 : 0));
}

export type BandName = Band['band'];

export function bandOf(value: number | null, bands: Band[]): BandName | null {
  if (value === null || !Number.isFinite(value)) return null;
  for (const b of bands) {
    if (b.atLeast !== undefined && value >= b.atLeast) return b.band;
    if (b.below !== undefined && value < b.below) return b.band;
    if (b.atLeast === undefined && b.below === undefined) return b.band;
  }
  return bands[bands.length - 1]?.band ?? null;
}

export interface DoraKeys {
  deployments: number;
  successful: number;
  failed: number;
  other: number;
  window_days: number;
  deployment_frequency_per_day: number;
  change_failure_rate: number | null;
  lead_time_median_s: number | null;
  lead_time_samples: number;
  time_to_restore_median_s: number | null;
  /** The same median in minutes (seed 000's unit for MTTR). */
  time_to_restore_median_min: number | null;
  incidents_restored: number;
  incidents_open: number;
  bands: {
    deployment_frequency: BandName | null;
    lead_time: BandName | null;
    change_failure_rate: BandName | null;
    time_to_restore: BandName | null;
  };
  /** The 30-day targets (`DORA_TARGETS`, seed 004; stricter than the bands): met or not, null when no data. */
  targets: Record<'deployment_frequency' | 'lead_time' | 'change_failure_rate' | 'time_to_restore', { initial: boolean | null; elite: boolean | null }>;
}

/** What the four keys are computed from: counts, the lead-time median, the incidents of a window. */
export interface DoraInputs {
  successful: number;
  failed: number;
  /** Canceled, skipped or unfinished deployments in the window. */
  other: number;
  window_days: number;
  lead: { median_s: number | null; samples: number };
  /** Incidents whose first failure is in the window: the restored ones' median restore time, and how many are still open. */
  restore: { median_s: number | null; restored: number; open: number };
}

/** The four keys with their bands and targets (the hub feeds it from rollups, dora-store.ts). */
export function doraKeysOf(x: DoraInputs, cfg: MetricsConfig['dora']): DoraKeys {
  const { successful, failed, other } = x;
  const freq = x.window_days > 0 ? successful / x.window_days : 0;
  const cfr = successful + failed > 0 ? failed / (successful + failed) : null;
  const lt = x.lead.median_s;
  const ttr = x.restore.median_s;
  const any = successful + failed + other > 0;
  const t = DORA_TARGETS;
  const met = (v: number | null, f: (x: number) => boolean) => (v === null ? null : f(v));
  return {
    deployments: successful + failed,
    successful,
    failed,
    other,
    window_days: x.window_days,
    deployment_frequency_per_day: freq,
    change_failure_rate: cfr,
    lead_time_median_s: lt,
    lead_time_samples: x.lead.samples,
    time_to_restore_median_s: ttr,
    time_to_restore_median_min: minutesOf(ttr),
    incidents_restored: x.restore.restored,
    incidents_open: x.restore.open,
    bands: {
      // With no deployment at all there is nothing to band: "no data", not "low".
      deployment_frequency: any ? bandOf(freq, cfg.deploymentFrequency) : null,
      lead_time: bandOf(lt, cfg.leadTime),
      change_failure_rate: bandOf(cfr, cfg.changeFailureRate),
      time_to_restore: bandOf(ttr, cfg.timeToRestore),
    },
    targets: {
      deployment_frequency: {
        initial: any ? freq >= t.deploymentFrequency.initial.atLeastPerDay : null,
        elite: any ? freq >= t.deploymentFrequency.elite.atLeastPerDay : null,
      },
      lead_time: { initial: met(lt, (v) => v < t.leadTime.initial.belowS), elite: met(lt, (v) => v < t.leadTime.elite.belowS) },
      change_failure_rate: { initial: met(cfr, (v) => v < t.changeFailureRate.initial.below), elite: met(cfr, (v) => v < t.changeFailureRate.elite.below) },
      time_to_restore: { initial: met(ttr, (v) => v < t.timeToRestore.initial.belowS), elite: met(ttr, (v) => v < t.timeToRestore.elite.belowS) },
    },
  };
}

/** Deployments per UTC day of their finish, by outcome (what `metrics_deploy_daily` holds). */
export function dailyOutcomes(deps: Deployment[]): Array<{ day: string; successful: number; failed: number; other: number }> {
  const days = new Map<string, { day: string; successful: number; failed: number; other: number }>();
  for (const d of deps) {
    const day = new Date(d.finished_at).toISOString().slice(0, 10);
    let e = days.get(day);
    if (!e) days.set(day, (e = { day, successful: 0, failed: 0, other: 0 }));
    const o = outcome(d);
    if (o === 'success') e.successful++;
    else if (o === 'failed') e.failed++;
    else e.other++;
  }
  return [...days.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
}

/** The four keys across services, as an org tile shows them (never a sum labelled as a band). */
export interface DoraAcross {
  /** The (lower) median service's value, its band, and how many services are in each band. */
  median: number | null;
  band: BandName | null;
  spread: Record<BandName, number>;
  /** Services with a value for this key (the median's inputs). */
  services: number;
}

const KEYS = {
  deployment_frequency: 'deployment_frequency_per_day',
  lead_time: 'lead_time_median_s',
  change_failure_rate: 'change_failure_rate',
  time_to_restore: 'time_to_restore_median_s',
} as const;

/**
 * Each key over the services (repository × environment): the band of the median service and the
 * spread of the bands. Summing five services' deploy rates and banding the sum calls an org "elite"
 * whose every service is "high"; the median service is what a typical team lives with.
 */
export function acrossServices(groups: DoraKeys[]): Record<keyof typeof KEYS, DoraAcross> {
  const out = {} as Record<keyof typeof KEYS, DoraAcross>;
  for (const [k, field] of Object.entries(KEYS) as Array<[keyof typeof KEYS, (typeof KEYS)[keyof typeof KEYS]]>) {
    const withValue = groups.filter((g) => g[field] !== null && g.bands[k] !== null);
    const sorted = [...withValue].sort((a, b) => (a[field] as number) - (b[field] as number));
    // Lower median: an actual service's value and band, not an average of two.
    const mid = sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : null;
    const spread: Record<BandName, number> = { elite: 0, high: 0, medium: 0, low: 0 };
    for (const g of withValue) spread[g.bands[k]!]++;
    out[k] = { median: mid ? (mid[field] as number) : null, band: mid ? mid.bands[k] : null, spread, services: withValue.length };
  }
  return out;
}
