// The agent's span recorder: a trace only under a valid TRACEPARENT, phases nested by their calls,
// errors as error spans, the hub upload as a phase, and sending that never throws.
import { describe, expect, it } from 'vitest';
import { startOtlpReceiver } from '../../test/support/otlp-receiver.js';
import { AgentTrace, phase, sendAgentSpans } from './agent-spans.js';
import { uploadToHub } from './upload.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('agent spans', () => {
  it('records nothing without a valid TRACEPARENT; phase() then only runs its function', async () => {
    expect(AgentTrace.fromEnv({})).toBeNull();
    expect(AgentTrace.fromEnv({ TRACEPARENT: '00-00000000000000000000000000000000-b7ad6b7169203331-01' })).toBeNull();
    expect(AgentTrace.fromEnv({ TRACEPARENT: 'garbage' })).toBeNull();
    expect(await phase('parse', () => 42)).toBe(42);
  });

  it('nests phases under the command span, under the pipeline span; a failing phase is an error span', async () => {
    let t = 1000;
    const trace = AgentTrace.fromEnv({ TRACEPARENT }, () => (t += 10))!;
    trace.command(['tests', 'parse']);
    await trace.run(async () => {
      await phase('parse', async () => {
        await phase('read', () => 'x', { 'ci_intel.input': 'a.xml' });
      });
      await expect(
        phase('upload', () => {
          throw new Error('hub said no\nsecond line');
        }),
      ).rejects.toThrow('hub said no');
    });
    const spans = trace.finish(2);
    const [root, parse, read, upload] = spans;
    expect(spans.map((s) => s.name)).toEqual(['ci-intel tests parse', 'parse', 'read', 'upload']);
    expect(spans.every((s) => s.traceId === '0af7651916cd43dd8448eb211c80319c')).toBe(true);
    expect(root!.parentSpanId).toBe('b7ad6b7169203331');
    expect([parse!.parentSpanId, read!.parentSpanId, upload!.parentSpanId]).toEqual([root!.spanId, parse!.spanId, root!.spanId]);
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(4);
    expect(read).toMatchObject({ status: 'ok', attributes: { 'ci_intel.input': 'a.xml' } });
    expect(upload).toMatchObject({ status: 'error', statusMessage: 'hub said no' });
    expect(root).toMatchObject({ status: 'error', statusMessage: 'exit code 2', attributes: { 'ci_intel.command': 'tests parse', 'process.exit.code': 2 } });
    // Each span lies within its parent's time.
    expect(read!.startMs).toBeGreaterThanOrEqual(parse!.startMs);
    expect(read!.endMs).toBeLessThanOrEqual(parse!.endMs);
    expect(root!.endMs).toBeGreaterThan(upload!.endMs);
  });

  it('keeps two traced runs in one process apart', async () => {
    const a = AgentTrace.fromEnv({ TRACEPARENT })!;
    const b = AgentTrace.fromEnv({ TRACEPARENT })!;
    await Promise.all([
      a.run(() => phase('a', () => new Promise((r) => setTimeout(r, 5)))),
      b.run(() => phase('b', () => new Promise((r) => setTimeout(r, 1)))),
    ]);
    expect(a.finish(0).map((s) => s.name)).toEqual(['ci-intel', 'a']);
    expect(b.finish(0).map((s) => s.name)).toEqual(['ci-intel', 'b']);
  });

  it('records the hub upload as an `upload` phase with its URL', async () => {
    const trace = AgentTrace.fromEnv({ TRACEPARENT })!;
    const fetchStub = (async () => new Response('{"ok":true}', { status: 202 })) as typeof fetch;
    const res = await trace.run(() =>
      uploadToHub({ url: 'http://hub.test', token: 't' }, { path: '/api/v1/tests/reports', body: '<x/>', contentType: 'application/xml' }, fetchStub),
    );
    expect(res.status).toBe(202);
    const upload = trace.finish(0).find((s) => s.name === 'upload')!;
    expect(upload).toMatchObject({ status: 'ok', attributes: { 'url.full': 'http://hub.test/api/v1/tests/reports' } });
  });

  it('sends to the endpoint, sends nothing without one, and a down collector is one warning, never a throw', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const trace = AgentTrace.fromEnv({ TRACEPARENT })!;
      const spans = trace.finish(0);
      const warnings: string[] = [];
      const target = { protocol: 'http/protobuf' as const, headers: {}, timeoutMs: 10_000, serviceName: 'ci-intel' };
      expect(await sendAgentSpans(spans, target, (l) => warnings.push(l))).toBe(false);
      expect(await sendAgentSpans(spans, { ...target, endpoint: receiver.url }, (l) => warnings.push(l))).toBe(true);
      expect(receiver.spans.map((s) => [s.name, s.traceId, s.parentSpanId])).toEqual([['ci-intel', '0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331']]);
      await receiver.stop();
      expect(await sendAgentSpans(spans, { ...target, endpoint: receiver.url }, (l) => warnings.push(l))).toBe(false);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        /^warning: this command's trace spans were not sent to http:\/\/127\.0\.0\.1:\d+\/v1\/traces \(.*ECONNREFUSED.*\); the command's result is unaffected\n$/,
      );
    } finally {
      await receiver.close();
    }
  }, 60_000);
});
