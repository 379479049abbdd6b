// Change → trace (pure): one commit's way from its author to a production deployment, as the
// lead-time segments of the seed's A4 ("dashboard shows commit->deploy trace including cost and
// grams CO2e"), one span each under a `CHANGE <sha>` root:
//
//   CHANGE <sha7>                from the commit's author time to the deployment's finish
//   ├─ coding                    author time → first push (the PR opened, else the first run on it)
//   ├─ review                    first push → merged (the PR's merge, else the merge commit); only
//   │                            when the change went through a merge
//   ├─ build                     merged → the end of the green build of the deployed commit
//   ├─ deploy wait               build end → the deployment's start
//   └─ deploy <environment>      the deployment, start → finish
//
// Each boundary is clamped between the previous one and the deployment's finish (clock skew
// between machines must not make a segment negative), so the segments tile the root exactly.
// Which deployment shipped the commit and the DORA lead time come from the metrics pillar's
// materialized lead times (exact ancestry), read from the store (change-store.ts).
import { changeSpanIdOf, changeTraceIdOf } from './ids.js';
import { attrs, type SpanRecord } from './map.js';

export interface ChangeRun {
  run_id: string;
  /** change: a run on the commit itself; build: the green build of the deployed commit; deploy: a run of the deployment. */
  role: 'change' | 'build' | 'deploy';
  workflow: string;
  status: string;
  commit_sha: string | null;
  started_at: number;
  ended_at: number | null;
  usd: number | null;
  co2e_g: number | null;
}

/** What the mapping reads, times in epoch ms (null when unknown). */
export interface ChangeFacts {
  repo: string;
  sha: string;
  environment: string;
  deployment_id: string;
  /** The commit the deployment shipped (the change itself, or a descendant). */
  deployed_sha: string | null;
  authored_at: number | null;
  committed_at: number;
  /** The pull request, when one is known (the sources pillar's, else the number runs carry). */
  pr: { number: number; created_at: number | null; merged_at: number | null } | null;
  /** The merge commit that brought the change in, when the commit graph has one. */
  merge_commit: { sha: string; committed_at: number | null } | null;
  deploy_started_at: number | null;
  deployed_at: number;
  /** The DORA lead time of the commit (the metrics pillar's), seconds. */
  lead_time_s: number;
  runs: ChangeRun[];
}

export type SegmentId = 'coding' | 'review' | 'build' | 'deploy_wait' | 'deploy';

export interface Segment {
  id: SegmentId;
  /** In the user's words. */
  label: string;
  start: number;
  end: number;
  /** What the boundaries are (for the dashboard's tooltip and the docs). */
  from: string;
  to: string;
}

export interface ChangeTrace {
  traceId: string;
  start: number;
  end: number;
  segments: Segment[];
  /** The build run the `build` segment ends with, if any. */
  build: ChangeRun | null;
  cost: { usd: number | null; co2e_g: number | null; runs: number };
}

const sum = (xs: (number | null)[]): number | null => (xs.some((x) => x !== null) ? xs.reduce<number>((a, x) => a + (x ?? 0), 0) : null);
const round = (x: number | null, digits: number): number | null => (x === null ? null : Number(x.toFixed(digits)));
const minOf = (xs: (number | null | undefined)[]): number | null => {
  const v = xs.filter((x): x is number => typeof x === 'number');
  return v.length ? Math.min(...v) : null;
};

/** The segments of a change, each boundary clamped into [previous boundary, deployed_at]. */
export function changeTrace(f: ChangeFacts): ChangeTrace {
  const end = f.deployed_at;
  const start = Math.min(f.authored_at ?? f.committed_at, end);
  let at = start;
  const segments: Segment[] = [];
  const push = (id: SegmentId, label: string, until: number | null, from: string, to: string) => {
    if (until === null) return;
    const next = Math.min(end, Math.max(at, until));
    segments.push({ id, label, start: at, end: next, from, to });
    at = next;
  };
  // The first push: the first run on the commit itself (its green build included, when the commit is the deployed one).
  const ownRuns = f.runs.filter((r) => r.role !== 'deploy' && r.commit_sha === f.sha);
  const firstPush = f.pr?.created_at ?? minOf(ownRuns.map((r) => r.started_at)) ?? f.committed_at;
  const merged = f.pr?.merged_at ?? f.merge_commit?.committed_at ?? null;
  const build = f.runs.find((r) => r.role === 'build') ?? null;
  push('coding', 'coding', firstPush, 'authored', f.pr?.created_at != null ? 'pull request opened' : 'first pipeline run');
  if (merged !== null) push('review', 'review', merged, f.pr?.created_at != null ? 'pull request opened' : 'first pipeline run', 'merged');
  if (build?.ended_at != null) push('build', 'build', build.ended_at, merged !== null ? 'merged' : 'first pipeline run', 'green build of the deployed commit');
  const deployStart = f.deploy_started_at ?? end;
  push('deploy_wait', 'deploy wait', deployStart, build ? 'green build' : 'previous step', 'deployment started');
  push('deploy', `deploy ${f.environment}`, end, 'deployment started', 'deployment finished');
  const counted = f.runs;
  return {
    traceId: changeTraceIdOf(f.repo, f.sha),
    start,
    end,
    segments,
    build,
    cost: { usd: round(sum(counted.map((r) => r.usd)), 6), co2e_g: round(sum(counted.map((r) => r.co2e_g)), 4), runs: counted.length },
  };
}

/** The change's spans: the root, then one per segment in time order. */
export function changeToSpans(f: ChangeFacts, t: ChangeTrace = changeTrace(f)): SpanRecord[] {
  const rootId = changeSpanIdOf(f.repo, f.sha, '');
  const root: SpanRecord = {
    traceId: t.traceId,
    spanId: rootId,
    parentSpanId: null,
    name: `CHANGE ${f.sha.slice(0, 7)}`,
    kind: 'server',
    startMs: t.start,
    endMs: t.end,
    status: 'ok',
    attributes: attrs({
      'vcs.repository.name': f.repo,
      'vcs.ref.head.revision': f.sha,
      'vcs.change.id': f.pr ? String(f.pr.number) : null,
      'deployment.environment.name': f.environment,
      'deployment.id': f.deployment_id,
      'ci_intel.deploy.revision': f.deployed_sha,
      'ci_intel.lead_time.s': f.lead_time_s,
      'ci_intel.cost.usd': t.cost.usd,
      'ci_intel.co2e.grams': t.cost.co2e_g,
      'ci_intel.change.runs': t.cost.runs,
    }),
    events: [],
  };
  const children = t.segments.map((s): SpanRecord => ({
    traceId: t.traceId,
    spanId: changeSpanIdOf(f.repo, f.sha, s.id),
    parentSpanId: rootId,
    name: s.label,
    kind: 'internal',
    startMs: s.start,
    endMs: s.end,
    status: 'unset',
    attributes: attrs({
      'ci_intel.segment': s.id,
      'ci_intel.segment.seconds': (s.end - s.start) / 1000,
      'ci_intel.segment.from': s.from,
      'ci_intel.segment.to': s.to,
      ...(s.id === 'build' && t.build ? { 'ci_intel.run.id': t.build.run_id, 'cicd.pipeline.name': t.build.workflow } : {}),
      ...(s.id === 'deploy' ? { 'cicd.pipeline.task.type': 'deploy', 'deployment.environment.name': f.environment, 'deployment.id': f.deployment_id } : {}),
    }),
    events: [],
  }));
  return [root, ...children];
}
