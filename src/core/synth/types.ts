// Types shared by the synthetic data generator and the pillars that contribute to it.
import type { PipelineRun } from '../contract/index.js';

/** Deterministic PRNG (seeded); never Math.random in synthetic data (DESIGN.md "Determinism"). */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  int(min: number, maxInclusive: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  /** Log-normal with the given median and shape sigma. */
  logNormal(median: number, sigma: number): number;
  normal(mean: number, sd: number): number;
  hex(len: number): string;
  uuid(): string;
}

export interface SynthCommit {
  repo: string;
  sha: string;
  parents: string[];
  authored_at: string;
  committed_at: string;
}

export interface SynthContext {
  rng: Rng;
  repos: string[];
  /** The generated records, in time order; a pillar may enrich them (keeping them valid). */
  records: PipelineRun[];
  commits: SynthCommit[];
  /** Extra demo data a pillar generates for itself, keyed by pillar id (stored by its own code). */
  extras: Record<string, unknown[]>;
}
