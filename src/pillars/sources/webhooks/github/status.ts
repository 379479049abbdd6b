// GitHub status/conclusion -> contract status (documented in docs/pillars/sources.md). The
// contract knows success | failed | canceled | skipped for finished work; webhooks add queued and
// in_progress for work not finished yet.

/** GitHub's `status` before completion. */
export function githubPendingStatus(status: string | null): 'queued' | 'in_progress' {
  return status === 'in_progress' ? 'in_progress' : 'queued'; // requested, queued, pending, waiting
}

/**
 * A completed run's, job's or check's `conclusion`:
 * - success, neutral -> success (GitHub counts neutral as passing for required checks)
 * - failure, timed_out, startup_failure -> failed (the work ran, or tried to, and did not pass)
 * - cancelled, stale -> canceled (stopped by someone or by GitHub, not a verdict on the code)
 * - skipped, action_required -> skipped (never ran: a condition skipped it, or it awaits approval)
 * - anything else (a conclusion added later) -> failed, so it is never counted as a pass.
 */
export function githubConclusion(conclusion: string | null): 'success' | 'failed' | 'canceled' | 'skipped' {
  switch (conclusion) {
    case 'success':
    case 'neutral':
      return 'success';
    case 'cancelled':
    case 'stale':
      return 'canceled';
    case 'skipped':
    case 'action_required':
      return 'skipped';
    default:
      return 'failed';
  }
}

export function githubStatus(status: string | null, conclusion: string | null): string {
  return status === 'completed' ? githubConclusion(conclusion) : githubPendingStatus(status);
}

/** deployment_status.state -> deployments.status; null for `inactive` (not an outcome, see map.ts). */
export function githubDeploymentState(state: string | null): string | null {
  switch (state) {
    case 'success':
      return 'success';
    case 'failure':
    case 'error':
      return 'failed';
    case 'in_progress':
      return 'in_progress';
    case 'queued':
      return 'queued';
    case 'pending':
      return 'pending';
    case 'inactive':
      return null;
    default:
      return 'pending';
  }
}

/** The runner family and OS from a job's labels and runner group. */
export function githubRunner(labels: string[], group: string | null): { runner_type: string | null; runner_os: string | null } {
  const l = labels.map((x) => x.toLowerCase());
  const runner_type = l.includes('self-hosted')
    ? 'self-hosted'
    : group === 'GitHub Actions' || l.some((x) => /^(ubuntu|windows|macos)-/.test(x))
      ? 'github-hosted'
      : group
        ? 'self-hosted'
        : null;
  const os = l.find((x) => /^(ubuntu|linux|windows|macos)/.test(x));
  const runner_os = !os ? null : os.startsWith('windows') ? 'windows' : os.startsWith('macos') ? 'macos' : 'linux';
  return { runner_type, runner_os };
}
