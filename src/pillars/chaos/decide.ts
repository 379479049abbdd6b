// The decision engine: everything random about a trial — whether the fault triggers on each
// attempt, where in its range its parameter falls, the jitter of each backoff — is drawn from one
// PRNG seeded with the trial's seed, in a fixed order and before anything runs. What the step does
// never changes what is drawn, so `--seed S` replays the same decisions exactly.
import { createRng } from '../../core/synth/generate.js';

export interface RetryPolicy {
  /** Retries after the first attempt (attempts = retries + 1). */
  retries: number;
  /** Backoff before retry i (ms); past the list's end the last value repeats. */
  backoffMs: number[];
  /** ±fraction applied to each backoff (0.2 = ±20 %). */
  jitter: number;
}

export interface DecisionInput {
  seed: number;
  /** Chance that the fault triggers on an attempt (0..1). */
  rate: number;
  /** Triggers on at most the first `times` attempts; null = any. */
  times: number | null;
  /** The fault's parameter range, e.g. kill_job's delay [min, max] ms; the draw is uniform in it. */
  paramRange?: [number, number];
  policy: RetryPolicy;
}

export interface AttemptDecision {
  attempt: number;
  inject: boolean;
  /** The drawn parameter (e.g. ms before the kill), present when injecting and the fault has a range. */
  param?: number;
  /** Wait before the next attempt when this one fails (absent on the last attempt). */
  backoff_ms?: number;
}

/** The full decision sequence for a trial: one entry per possible attempt. Pure. */
export function decideTrial(d: DecisionInput): AttemptDecision[] {
  const rng = createRng(d.seed);
  const attempts = d.policy.retries + 1;
  const out: AttemptDecision[] = [];
  for (let i = 1; i <= attempts; i++) {
    // Three draws per attempt, always, so a parameter change never shifts the other decisions.
    const uTrigger = rng.next();
    const uParam = rng.next();
    const uJitter = rng.next();
    const inject = uTrigger < d.rate && (d.times === null || i <= d.times);
    const a: AttemptDecision = { attempt: i, inject };
    if (inject && d.paramRange) {
      const [lo, hi] = d.paramRange;
      a.param = Math.round(lo + (hi - lo) * uParam);
    }
    if (i < attempts) {
      const base = d.policy.backoffMs[Math.min(i - 1, d.policy.backoffMs.length - 1)] ?? 0;
      a.backoff_ms = Math.max(0, Math.round(base * (1 + d.policy.jitter * (2 * uJitter - 1))));
    }
    out.push(a);
  }
  return out;
}

/** A seed for a trial that was not given one (printed, so the trial can be replayed). */
export function freshSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
