// Run → trace (pure): one stored run and what the hub derived for it become the spans of one trace,
// named and attributed by the OpenTelemetry CI/CD semantic conventions (`cicd.pipeline.*`,
// `cicd.pipeline.task.*`, `vcs.*`) plus ours under `ci_intel.*` (cost, CO2e, cache hit, autopsy
// category). The tree:
//
//   RUN <workflow>                      the pipeline run (root; child of the pipeline's own span
//   ├─ <job name>                       when it propagated a TRACEPARENT)
//   │    event "queued"                 the job's queue time as an event at its enqueue instant,
//   │                                   and a `queue` child span covering the wait
//   │  └─ <step name>                   one per step, when the source has steps (GitHub Actions)
//   ├─ tests <format>                   one span per uploaded test report (else one from the run's
//   │                                   own tests summary when it has data)
//   └─ deploy <environment>             one span per deployment report of the run
//
// Ids are deterministic (ids.ts), so mapping the same facts twice gives the same spans, byte for
// byte: the exporter hashes them to send a changed run again and an unchanged one never.
import type { Selectable } from 'kysely';
import type { CostsTable, DeploymentsTable, JobsTable, RunsTable, TestSummariesTable } from '../../core/runs/tables.js';
import type { OtlpAttrValue, SpanRecord } from '../../core/otlp.js';
import { spanIdOf, traceIdOf, type TraceParent } from './ids.js';

export type AttrValue = OtlpAttrValue;
export type { SpanRecord };

type Time = Date | string | null | undefined;
type Row<T> = Selectable<T>;
type ReportCount = 'tests' | 'passed' | 'failed' | 'errored' | 'skipped';

/** What the mapping reads: the run's rows in core's tables and what pillars derived for it. */
export interface RunFacts {
  run: Pick<
    Row<RunsTable>,
    | 'run_id'
    | 'repo'
    | 'workflow'
    | 'commit_sha'
    | 'branch'
    | 'pr'
    | 'status'
    | 'started_at'
    | 'ended_at'
    | 'duration_ms'
    | 'queue_ms'
    | 'environment'
    | 'provider'
    | 'provider_run_id'
    | 'attempt'
    | 'source'
    | 'runner_os'
    | 'runner_type'
    | 'flakiness_index'
  >;
  jobs: Pick<
    Row<JobsTable>,
    'job_key' | 'job_id' | 'name' | 'status' | 'attempt' | 'duration_ms' | 'queue_ms' | 'started_at' | 'ended_at' | 'cache_hit' | 'machine_class'
  >[];
  cost: Pick<Row<CostsTable>, 'usd' | 'carbon_g_co2e' | 'energy_kwh' | 'cpu_seconds'> | null;
  tests: Pick<Row<TestSummariesTable>, 'total' | 'failed' | 'skipped' | 'duration_ms'> | null;
  /** The test reports uploaded for the run (the tests pillar's `tests_reports`). */
  reports: ({ report_id: string; format: string; runner: string | null; duration_ms: number | string | null } & Record<ReportCount, number>)[];
  deployments: Pick<
    Row<DeploymentsTable>,
    'event_key' | 'environment' | 'deployment_id' | 'status' | 'strategy' | 'rollout_step' | 'started_at' | 'finished_at'
  >[];
  /** The steps of the jobs, when the source has them (GitHub Actions, from the sources pillar's `sources_job_steps`). */
  steps: {
    job_key: string;
    number: number;
    name: string;
    status: string;
    conclusion: string | null;
    started_at: Time;
    completed_at: Time;
  }[];
  /** The top root cause of each failed job (the autopsy's rank 0), by job id. */
  rootCauses: { job_id: string; category: string }[];
  /** The pipeline's own span, when it propagated a W3C traceparent. */
  parent: TraceParent | null;
}

// The semantic conventions' values (cicd.pipeline.result, cicd.pipeline.task.run.result).
const RESULT: Record<string, string> = { success: 'success', failed: 'failure', canceled: 'cancellation', skipped: 'skip' };

const ms = (t: Time): number | null => (t === null || t === undefined ? null : new Date(t).getTime());
const num = (v: number | string | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));

/** Drops null/undefined values, so a missing fact is no attribute (never a 0). */
export function attrs(o: Record<string, AttrValue | null | undefined>): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const k of Object.keys(o).sort()) {
    const v = o[k];
    if (v !== null && v !== undefined && !(typeof v === 'number' && !Number.isFinite(v))) out[k] = v;
  }
  return out;
}

const statusOf = (s: string): Pick<SpanRecord, 'status' | 'statusMessage'> =>
  s === 'failed' ? { status: 'error', statusMessage: 'failed' } : s === 'success' ? { status: 'ok' } : { status: 'unset' };

/** Maps one run to its spans, root first, the rest sorted by start then id. */
export function runToSpans(f: RunFacts): SpanRecord[] {
  const r = f.run;
  const runId = r.run_id;
  const traceId = traceIdOf(runId, f.parent);
  const rootId = spanIdOf(runId, '');
  const runStart = ms(r.started_at) ?? 0;
  const jobEnds = f.jobs.map((j) => ms(j.ended_at) ?? (ms(j.started_at) ?? runStart) + (num(j.duration_ms) ?? 0));
  const runEnd = ms(r.ended_at) ?? (num(r.duration_ms) !== null ? runStart + num(r.duration_ms)! : Math.max(runStart, ...jobEnds));
  const causes = new Map(f.rootCauses.map((c) => [c.job_id, c.category]));
  const firstCause = [...f.rootCauses].sort((a, b) => a.job_id.localeCompare(b.job_id))[0]?.category;

  const root: SpanRecord = {
    traceId,
    spanId: rootId,
    parentSpanId: f.parent?.spanId ?? null,
    name: `RUN ${r.workflow}`,
    kind: 'server',
    startMs: runStart,
    endMs: Math.max(runStart, runEnd),
    ...statusOf(r.status),
    attributes: attrs({
      'cicd.pipeline.name': r.workflow,
      'cicd.pipeline.action.name': 'RUN',
      'cicd.pipeline.run.id': r.provider_run_id ?? runId,
      'cicd.pipeline.result': RESULT[r.status],
      'vcs.repository.name': r.repo,
      'vcs.provider.name': r.provider,
      'vcs.ref.head.name': r.branch,
      'vcs.ref.head.type': r.branch ? 'branch' : null,
      'vcs.ref.head.revision': r.commit_sha,
      'vcs.change.id': r.pr === null ? null : String(r.pr),
      'deployment.environment.name': r.environment,
      'ci_intel.run.id': runId,
      'ci_intel.run.source': r.source,
      'ci_intel.run.attempt': r.attempt,
      'ci_intel.queue.ms': num(r.queue_ms),
      'ci_intel.runner.os': r.runner_os,
      'ci_intel.runner.type': r.runner_type,
      'ci_intel.flakiness_index': r.flakiness_index,
      'ci_intel.cost.usd': f.cost?.usd,
      'ci_intel.cost.cpu_seconds': f.cost?.cpu_seconds,
      'ci_intel.co2e.grams': f.cost?.carbon_g_co2e,
      'ci_intel.energy.kwh': f.cost?.energy_kwh,
      'ci_intel.autopsy.category': firstCause,
    }),
    events: [],
  };

  const children: SpanRecord[] = [];
  const stepsOf = new Map<string, RunFacts['steps']>();
  for (const st of [...f.steps].sort((a, b) => a.number - b.number)) stepsOf.set(st.job_key, [...(stepsOf.get(st.job_key) ?? []), st]);
  f.jobs.forEach((j, i) => {
    const queue = num(j.queue_ms) ?? 0;
    // NDJSON records carry durations but no job start times: such a job starts when its queue
    // time after the run's start is over.
    const start = ms(j.started_at) ?? runStart + queue;
    const end = Math.max(start, jobEnds[i]!);
    const spanId = spanIdOf(runId, `job/${j.job_key}`);
    children.push({
      traceId,
      spanId,
      parentSpanId: rootId,
      name: j.name,
      kind: 'internal',
      startMs: start,
      endMs: end,
      ...statusOf(j.status),
      attributes: attrs({
        'cicd.pipeline.task.name': j.name,
        'cicd.pipeline.task.run.id': j.job_id,
        'cicd.pipeline.task.run.result': RESULT[j.status],
        'ci_intel.job.attempt': j.attempt,
        'ci_intel.queue.ms': num(j.queue_ms),
        'ci_intel.cache.hit': j.cache_hit,
        'ci_intel.machine.class': j.machine_class,
        'ci_intel.autopsy.category': causes.get(j.job_id),
      }),
      events: queue > 0 ? [{ name: 'queued', timeMs: start - queue, attributes: { 'ci_intel.queue.ms': queue } }] : [],
    });
    if (queue > 0) {
      children.push({
        traceId,
        spanId: spanIdOf(runId, `job/${j.job_key}/queue`),
        parentSpanId: spanId,
        name: 'queue',
        kind: 'internal',
        startMs: start - queue,
        endMs: start,
        status: 'unset',
        attributes: attrs({ 'cicd.pipeline.task.name': j.name, 'ci_intel.queue.ms': queue }),
        events: [],
      });
    }
    for (const st of stepsOf.get(j.job_key) ?? []) {
      const s0 = ms(st.started_at);
      if (s0 === null) continue; // a step not started yet has no time to show
      // A step still running when the job ended (a cancelled job) ends with it.
      const s1 = Math.max(s0, ms(st.completed_at) ?? end);
      const result =
        st.conclusion === 'success'
          ? 'success'
          : st.conclusion === 'failure'
            ? 'failed'
            : st.conclusion === 'cancelled'
              ? 'canceled'
              : st.conclusion === 'skipped'
                ? 'skipped'
                : '';
      children.push({
        traceId,
        spanId: spanIdOf(runId, `job/${j.job_key}/step/${st.number}`),
        parentSpanId: spanId,
        name: st.name,
        kind: 'internal',
        startMs: s0,
        endMs: s1,
        ...statusOf(result),
        attributes: attrs({
          'cicd.pipeline.task.name': j.name,
          'ci_intel.step.number': st.number,
          'ci_intel.step.status': st.status,
          'ci_intel.step.conclusion': st.conclusion,
        }),
        events: [],
      });
    }
  });

  const testSpan = (path: string, name: string, durationMs: number | null, a: Record<string, AttrValue | null | undefined>, failed: boolean): SpanRecord => {
    // Reports say how long the tests ran, not when: the span ends with the run.
    const end = root.endMs;
    const start = Math.max(runStart, end - (durationMs ?? 0));
    return {
      traceId,
      spanId: spanIdOf(runId, path),
      parentSpanId: rootId,
      name,
      kind: 'internal',
      startMs: start,
      endMs: end,
      ...(failed ? { status: 'error' as const, statusMessage: 'tests failed' } : { status: 'ok' as const }),
      attributes: attrs({ 'cicd.pipeline.task.type': 'test', ...a }),
      events: [],
    };
  };
  if (f.reports.length) {
    for (const rep of f.reports) {
      children.push(
        testSpan(
          `tests/${rep.report_id}`,
          `tests ${rep.format}`,
          num(rep.duration_ms),
          {
            'ci_intel.tests.format': rep.format,
            'ci_intel.tests.runner': rep.runner,
            'ci_intel.tests.total': rep.tests,
            'ci_intel.tests.passed': rep.passed,
            'ci_intel.tests.failed': rep.failed,
            'ci_intel.tests.errored': rep.errored,
            'ci_intel.tests.skipped': rep.skipped,
          },
          rep.failed + rep.errored > 0,
        ),
      );
    }
  } else if (f.tests && f.tests.total > 0) {
    // total == 0 means "no data" (the contract's rule), never a passing empty suite.
    children.push(
      testSpan(
        'tests',
        'tests',
        num(f.tests.duration_ms),
        { 'ci_intel.tests.total': f.tests.total, 'ci_intel.tests.failed': f.tests.failed, 'ci_intel.tests.skipped': f.tests.skipped },
        f.tests.failed > 0,
      ),
    );
  }

  for (const d of f.deployments) {
    const start = ms(d.started_at) ?? runEnd;
    const end = Math.max(start, ms(d.finished_at) ?? start);
    children.push({
      traceId,
      spanId: spanIdOf(runId, `deploy/${d.event_key}`),
      parentSpanId: rootId,
      name: `deploy ${d.environment}`,
      kind: 'internal',
      startMs: start,
      endMs: end,
      ...statusOf(d.status),
      attributes: attrs({
        'cicd.pipeline.task.type': 'deploy',
        'cicd.pipeline.task.run.result': RESULT[d.status],
        'deployment.environment.name': d.environment,
        'deployment.id': d.deployment_id,
        'deployment.status': d.status,
        'ci_intel.deploy.strategy': d.strategy,
        'ci_intel.deploy.rollout_step': d.rollout_step,
      }),
      events: [],
    });
  }

  children.sort((a, b) => a.startMs - b.startMs || a.spanId.localeCompare(b.spanId));
  return [root, ...children];
}
