// Drift over time, pure: per environment, its checks in order, whether drift persists (the last
// `persist` checks all found drift) and which items drifted in every one of them. The CLI's
// `replay drift` and the hub's drift panel both read this.

export interface DriftCheck {
  id: string;
  /** ISO time the check ran. */
  at: string;
  drift: Array<{ address: string; action: string }>;
}

export interface DriftVerdict {
  checks: number;
  drifted_checks: number;
  /** Drifted checks in a row at the end (0 when the last check was clean). */
  streak: number;
  persists: boolean;
  /** Items drifted in each of the last `persist` checks (when drift persists). */
  persistent_items: string[];
}

export function driftVerdict(checks: DriftCheck[], persist: number): DriftVerdict {
  let streak = 0;
  for (let i = checks.length - 1; i >= 0 && checks[i]!.drift.length > 0; i--) streak++;
  const n = Math.max(1, persist);
  const persists = streak >= n;
  const last = checks.slice(-n);
  const persistent = persists ? last[0]!.drift.map((d) => d.address).filter((a) => last.every((c) => c.drift.some((d) => d.address === a))) : [];
  return {
    checks: checks.length,
    drifted_checks: checks.filter((c) => c.drift.length > 0).length,
    streak,
    persists,
    persistent_items: [...new Set(persistent)].sort(),
  };
}

/** Per UTC day: the checks run and the most items one of them found drifted (the trend line). */
export function driftTrend(checks: DriftCheck[]): Array<{ day: string; checks: number; drifted_items: number }> {
  const days = new Map<string, { checks: number; drifted_items: number }>();
  for (const c of checks) {
    const day = c.at.slice(0, 10);
    const d = days.get(day) ?? { checks: 0, drifted_items: 0 };
    d.checks++;
    d.drifted_items = Math.max(d.drifted_items, c.drift.length);
    days.set(day, d);
  }
  return [...days.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, d]) => ({ day, ...d }));
}
