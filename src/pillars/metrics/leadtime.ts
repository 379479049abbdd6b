// Lead time for changes by exact ancestry (issue 8): each commit's time → the first successful
// deployment (of one repo and environment) whose commit contains it, walking the `commits` graph.
// Never date-fuzzy: a commit is attributed to a deployment only when it is an ancestor of (or is) the
// deployed commit and of no earlier successful deployment. The first successful deployment in the
// history is the baseline: it has no lead times, since what it ships was accumulated before the
// history starts (attributing it would produce the bogus months-long lead time the issue forbids).
// Pure: no I/O, no clock.

export interface CommitNode {
  parents: string[];
  /** Commit time (committed_at, else authored_at), epoch ms; null when unknown. */
  at: number | null;
}

export interface SuccessfulDeploy {
  deployment_id: string;
  commit_sha: string | null;
  /** When the deployment finished successfully, epoch ms. */
  deployed_at: number;
}

export interface LeadTimeSample {
  deployment_id: string;
  commit_sha: string;
  committed_at: number;
  deployed_at: number;
  lead_time_s: number;
}

export interface LeadTimeResult {
  samples: LeadTimeSample[];
  /** The deployment that set the baseline (no samples), or null when none was linked. */
  baseline: string | null;
  /** Deployments whose commit is not in the graph (yet): no lead time can be attributed. */
  unlinked: string[];
  /** Commits reached whose time is unknown (counted, not sampled). */
  untimed: number;
}

/**
 * Walks the deployments in time order, keeping the set of commits already deployed. Each commit is
 * visited once over the whole history (the walk stops at deployed commits), so the cost is linear
 * in the number of commits. Parents missing from the graph end the walk there (a shallow history).
 */
export function leadTimes(deploys: SuccessfulDeploy[], graph: ReadonlyMap<string, CommitNode>): LeadTimeResult {
  const ordered = [...deploys].sort(
    (a, b) => a.deployed_at - b.deployed_at || (a.deployment_id < b.deployment_id ? -1 : a.deployment_id > b.deployment_id ? 1 : 0),
  );
  const deployed = new Set<string>();
  const samples: LeadTimeSample[] = [];
  const unlinked: string[] = [];
  let baseline: string | null = null;
  let untimed = 0;
  for (const d of ordered) {
    const head = d.commit_sha?.toLowerCase() ?? null;
    if (!head || !graph.has(head)) {
      unlinked.push(d.deployment_id);
      continue;
    }
    const fresh: string[] = [];
    const stack = [head];
    while (stack.length) {
      const sha = stack.pop()!;
      if (deployed.has(sha)) continue;
      const node = graph.get(sha);
      if (!node) continue; // outside the known history
      deployed.add(sha);
      fresh.push(sha);
      for (const p of node.parents) if (!deployed.has(p)) stack.push(p);
    }
    if (baseline === null) {
      baseline = d.deployment_id;
      continue;
    }
    for (const sha of fresh) {
      const at = graph.get(sha)!.at;
      if (at === null) {
        untimed++;
        continue;
      }
      // A commit stamped after its deployment is clock skew between machines: count it as zero.
      samples.push({
        deployment_id: d.deployment_id,
        commit_sha: sha,
        committed_at: at,
        deployed_at: d.deployed_at,
        lead_time_s: Math.max(0, (d.deployed_at - at) / 1000),
      });
    }
  }
  samples.sort((a, b) => a.deployed_at - b.deployed_at || (a.commit_sha < b.commit_sha ? -1 : 1));
  return { samples, baseline, unlinked, untimed };
}
