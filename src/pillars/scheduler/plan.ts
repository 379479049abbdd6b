// Runner class and shard count (issue 19 item 3): from a job's predicted duration, the option that
// costs least under a wall-time target (or is fastest under a budget). Pure.
//
// Assumptions, stated so users can change them (scheduler.runners, scheduler.shardOverheadSec):
// a job's work divides evenly over shards (tests split by timings come within a few percent of
// that), each shard pays a fixed overhead (checkout, install, start), and a class with k times the
// CPUs of the class the job was measured on runs the work k^speedupExponent times faster.
// Billing is per started minute per shard (GitHub's and GitLab's hosted runners).

export interface RunnerClass {
  name: string;
  cpus: number;
  usdPerMinute: number;
  /** Runners of this class that can run at once (the most shards). */
  concurrency: number;
}

export interface PlanInput {
  /** Predicted duration of the job on the class it ran on (ms), p50 and p90. */
  p50_ms: number;
  p90_ms: number;
  /** CPUs of the class it ran on. */
  measuredCpus: number;
  classes: RunnerClass[];
  overhead_ms: number;
  speedupExponent: number;
  target_ms?: number;
  budget_usd?: number;
}

export interface PlanOption {
  runner: string;
  shards: number;
  wall_p50_ms: number;
  wall_p90_ms: number;
  usd: number;
  meets_target: boolean;
}

export interface Plan {
  recommended: PlanOption | null;
  why: string;
  options: PlanOption[];
}

export function planRunners(inp: PlanInput): Plan {
  const options: PlanOption[] = [];
  for (const c of [...inp.classes].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const speed = Math.pow(c.cpus / inp.measuredCpus, inp.speedupExponent);
    for (let k = 1; k <= Math.min(c.concurrency, 64); k++) {
      const wall50 = inp.overhead_ms + inp.p50_ms / speed / k;
      const wall90 = inp.overhead_ms + inp.p90_ms / speed / k;
      const usd = k * Math.ceil(wall50 / 60_000) * c.usdPerMinute;
      options.push({
        runner: c.name,
        shards: k,
        wall_p50_ms: Math.round(wall50),
        wall_p90_ms: Math.round(wall90),
        usd: Math.round(usd * 10000) / 10000,
        meets_target: inp.target_ms === undefined || wall90 <= inp.target_ms,
      });
    }
  }
  const byCost = (a: PlanOption, b: PlanOption) => a.usd - b.usd || a.wall_p90_ms - b.wall_p90_ms || a.shards - b.shards || (a.runner < b.runner ? -1 : 1);
  const byWall = (a: PlanOption, b: PlanOption) => a.wall_p90_ms - b.wall_p90_ms || a.usd - b.usd || a.shards - b.shards || (a.runner < b.runner ? -1 : 1);
  let recommended: PlanOption | null = null;
  let why: string;
  if (inp.budget_usd !== undefined) {
    const ok = options.filter((o) => o.usd <= inp.budget_usd!).sort(byWall);
    recommended = ok[0] ?? null;
    why = recommended ? `fastest (p90 wall time) within $${inp.budget_usd} per run` : `no option costs $${inp.budget_usd} or less per run`;
  } else if (inp.target_ms !== undefined) {
    const ok = options.filter((o) => o.meets_target).sort(byCost);
    recommended = ok[0] ?? [...options].sort(byWall)[0] ?? null;
    why = ok.length
      ? `cheapest whose p90 wall time is within the target`
      : `no option meets the target: this is the fastest (p90 ${Math.round((recommended?.wall_p90_ms ?? 0) / 1000)} s)`;
  } else {
    recommended = [...options].sort(byCost)[0] ?? null;
    why = 'cheapest (no target or budget given)';
  }
  // keep the table short: per class, the options up to the recommended shard count + 2
  return { recommended, why, options: options.sort(byCost).slice(0, 12) };
}
