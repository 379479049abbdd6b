// The run → trace mapping, pure: deterministic ids, the tree, the pipeline's own traceparent as
// parent, placement of jobs without start times, and "no data" never becoming a span or a zero.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTraceparent, spanIdOf, traceIdOf } from './ids.js';
import { runToSpans, type RunFacts } from './map.js';
import { hashSpans } from './worker.js';

const RUN_ID = '1b7c2e4a-6b54-4e3b-9f1e-4e0d9ea9b1a1';
const T0 = new Date('2026-11-02T10:00:00Z');

function facts(over: Partial<RunFacts> = {}): RunFacts {
  return {
    run: {
      run_id: RUN_ID,
      repo: 'org/app',
      workflow: 'ci',
      commit_sha: 'a'.repeat(40),
      branch: 'main',
      pr: null,
      status: 'failed',
      started_at: T0,
      ended_at: new Date(T0.getTime() + 300_000),
      duration_ms: 300_000,
      queue_ms: 4000,
      environment: null,
      provider: 'github',
      provider_run_id: '42',
      attempt: 1,
      source: 'github',
      runner_os: 'linux',
      runner_type: null,
      flakiness_index: null,
    },
    jobs: [
      {
        job_key: 'gh:2',
        job_id: '2',
        name: 'test',
        status: 'failed',
        attempt: 1,
        duration_ms: 60_000,
        queue_ms: 0,
        started_at: null,
        ended_at: null,
        cache_hit: null,
        machine_class: null,
      },
      {
        job_key: 'gh:1',
        job_id: '1',
        name: 'build',
        status: 'success',
        attempt: 1,
        duration_ms: 100_000,
        queue_ms: 4000,
        started_at: new Date(T0.getTime() + 4000),
        ended_at: new Date(T0.getTime() + 104_000),
        cache_hit: true,
        machine_class: 'ubuntu-latest',
      },
    ],
    cost: { usd: 0.12, carbon_g_co2e: 3.5, energy_kwh: null, cpu_seconds: null },
    tests: { total: 0, failed: 0, skipped: null, duration_ms: 0 },
    reports: [],
    deployments: [],
    rootCauses: [{ job_id: '2', category: 'test' }],
    steps: [],
    parent: null,
    ...over,
  };
}

describe('run → trace', () => {
  it('puts the steps of a job under its span: a failed step is an error, a running one ends with its job, one not started is left out', () => {
    const at = (s: number) => new Date(T0.getTime() + s * 1000);
    const step = (number: number, name: string, conclusion: string | null, from: number | null, to: number | null) => ({
      job_key: 'gh:1',
      number,
      name,
      status: conclusion ? 'completed' : from === null ? 'queued' : 'in_progress',
      conclusion,
      started_at: from === null ? null : at(from),
      completed_at: to === null ? null : at(to),
    });
    const spans = runToSpans(
      facts({
        steps: [
          step(3, 'Run tests', null, 50, null),
          step(1, 'Set up job', 'success', 4, 6),
          step(2, 'Build', 'failure', 6, 50),
          step(4, 'Post', null, null, null),
        ],
      }),
    );
    const job = spans.find((s) => s.name === 'build')!;
    const steps = spans.filter((s) => s.parentSpanId === job.spanId && s.name !== 'queue');
    expect(steps.map((s) => [s.name, s.startMs - T0.getTime(), s.endMs - T0.getTime(), s.status, s.attributes['ci_intel.step.number']])).toEqual([
      ['Set up job', 4000, 6000, 'ok', 1],
      ['Build', 6000, 50_000, 'error', 2],
      ['Run tests', 50_000, 104_000, 'unset', 3],
    ]);
    expect(steps.map((s) => s.spanId)).toEqual([1, 2, 3].map((n) => spanIdOf(RUN_ID, `job/gh:1/step/${n}`)));
  });

  it('maps a run to a pipeline span with job and queue children, ids derived from the run', () => {
    const spans = runToSpans(facts());
    const traceId = traceIdOf(RUN_ID);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(spans.every((s) => s.traceId === traceId)).toBe(true);
    expect(spans.map((s) => [s.name, s.parentSpanId === null ? null : spans.find((p) => p.spanId === s.parentSpanId)!.name])).toEqual([
      ['RUN ci', null],
      ['queue', 'build'],
      ['test', 'RUN ci'],
      ['build', 'RUN ci'],
    ]);
    const [root, , test, build] = spans;
    expect(root!.spanId).toBe(spanIdOf(RUN_ID, ''));
    expect(root!.status).toBe('error');
    expect(root!.attributes).toMatchObject({
      'cicd.pipeline.result': 'failure',
      'ci_intel.cost.usd': 0.12,
      'ci_intel.co2e.grams': 3.5,
      'ci_intel.autopsy.category': 'test',
    });
    // A missing fact is no attribute, never a zero.
    expect(root!.attributes).not.toHaveProperty('ci_intel.energy.kwh');
    expect(root!.attributes).not.toHaveProperty('vcs.change.id');
    expect(test!.attributes['ci_intel.autopsy.category']).toBe('test');
    expect(build!.attributes['ci_intel.autopsy.category']).toBeUndefined();
    // A job without start time (NDJSON) starts when its queue after the run's start is over.
    expect(test!.startMs).toBe(T0.getTime());
    expect(test!.endMs).toBe(T0.getTime() + 60_000);
    expect(build!.events).toEqual([{ name: 'queued', timeMs: T0.getTime(), attributes: { 'ci_intel.queue.ms': 4000 } }]);
    // tests.total == 0 is "no data": no test span.
    expect(spans.some((s) => s.name.startsWith('tests'))).toBe(false);
  });

  it('is deterministic: the same facts give the same spans and hash; a changed fact another hash, the same ids', () => {
    expect(runToSpans(facts())).toEqual(runToSpans(facts()));
    expect(hashSpans(runToSpans(facts()))).toBe(hashSpans(runToSpans(facts())));
    const changed = runToSpans(facts({ run: { ...facts().run, status: 'success' } }));
    expect(hashSpans(changed)).not.toBe(hashSpans(runToSpans(facts())));
    expect(changed.map((s) => s.spanId)).toEqual(runToSpans(facts()).map((s) => s.spanId));
  });

  it('makes the pipeline span a child of the traceparent the pipeline propagated, in its trace', () => {
    const parent = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')!;
    const spans = runToSpans(facts({ parent }));
    expect(spans.every((s) => s.traceId === '4bf92f3577b34da6a3ce929d0e0e4736')).toBe(true);
    expect(spans[0]!.parentSpanId).toBe('00f067aa0ba902b7');
    expect(traceIdOf(RUN_ID, parent)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('reads only valid W3C traceparents', () => {
    expect(parseTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeNull();
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01')).toBeNull();
    expect(parseTraceparent('zz-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBeNull();
    expect(parseTraceparent(undefined)).toBeNull();
    expect(parseTraceparent(' 00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01 ')).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
    });
  });

  it('gives every span of any run a distinct, valid id and a parent inside the trace', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.array(fc.nat({ max: 10_000 }), { maxLength: 8 }), (runId, queues) => {
        const f = facts();
        const jobs = queues.map((q, i) => ({ ...f.jobs[0]!, job_key: String(i), job_id: String(i), queue_ms: q }));
        const spans = runToSpans({ ...f, run: { ...f.run, run_id: runId }, jobs, rootCauses: [] });
        const ids = spans.map((s) => s.spanId);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.every((id) => /^[0-9a-f]{16}$/.test(id) && !/^0+$/.test(id))).toBe(true);
        expect(spans.slice(1).every((s) => ids.includes(s.parentSpanId!))).toBe(true);
        expect(spans.every((s) => s.endMs >= s.startMs)).toBe(true);
      }),
    );
  });
});
