// The agent's own work as spans, through the built CLI: under a pipeline that set TRACEPARENT, a
// real `ci-intel autopsy` / `tests parse` run arrives at an OTLP/HTTP receiver as spans in the
// pipeline's trace, under the pipeline's span; without TRACEPARENT nothing is sent; a collector
// that is down costs one warning line and never the command's result.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { spanTree, startOtlpReceiver, type OtlpReceiver } from './support/otlp-receiver.js';

const fx = (p: string) => path.resolve(p);
const LOG = fx('src/pillars/autopsy/fixtures/heldout/logs/ho-py-assert-list.log');
const REPORT = fx('src/pillars/test-reports/fixtures/reports/pytest/report.xml');
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT}-01`;

// The test process's own environment must not leak a collector or a trace into the CLI runs.
const CLEAN: NodeJS.ProcessEnv = {
  TRACEPARENT: '',
  CI_INTEL_TRACES_ENDPOINT: '',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
  CI_INTEL_TRACES_PROTOCOL: '',
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: '',
};

let receiver: OtlpReceiver;
let cwd: string;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  cwd = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-agent-spans-'));
});
afterAll(async () => {
  await receiver?.close();
  rmSync(cwd, { recursive: true, force: true });
});
beforeEach(async () => {
  await receiver.start();
  receiver.spans.length = 0;
  receiver.requests = 0;
});

const run = (args: string[], env: NodeJS.ProcessEnv, dir = cwd) => runCli(args, { cwd: dir, env: { ...CLEAN, ...env } });

describe('agent spans for its own work', () => {
  it('a traced `autopsy` run arrives as the command span under the pipeline span, with its analyze phase', async () => {
    const plain = await run(['autopsy', LOG], {});
    const traced = await run(['autopsy', LOG], { TRACEPARENT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url });
    // Tracing changes nothing the user sees: same output, same exit code (1: the log shows a failure).
    expect(traced.code).toBe(1);
    expect(traced.code).toBe(plain.code);
    expect(traced.stdout).toBe(plain.stdout);
    expect(traced.stderr).toBe(plain.stderr);

    expect(receiver.requests).toBe(1);
    expect(spanTree(receiver.spans, TRACE_ID)).toEqual([{ 'ci-intel autopsy': ['analyze'] }]);
    const root = receiver.spans.find((s) => s.name === 'ci-intel autopsy')!;
    const analyze = receiver.spans.find((s) => s.name === 'analyze')!;
    expect(root).toMatchObject({ traceId: TRACE_ID, parentSpanId: PARENT, encoding: 'protobuf', status: { code: 1 } });
    expect(root.attributes).toEqual({ 'ci_intel.command': 'autopsy', 'process.exit.code': 1 });
    expect(root.resource['service.name']).toBe('ci-intel');
    expect(root.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(analyze).toMatchObject({ traceId: TRACE_ID, parentSpanId: root.spanId, status: { code: 1 }, attributes: { 'ci_intel.input': LOG } });
    expect(analyze.startMs).toBeGreaterThanOrEqual(root.startMs);
    expect(analyze.endMs).toBeLessThanOrEqual(root.endMs);
  }, 120_000);

  it('`tests parse` sends one parse span per report, to the endpoint and protocol of ci-intel.yml', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-agent-spans-yml-'));
    try {
      writeFileSync(path.join(dir, 'ci-intel.yml'), `traces:\n  endpoint: ${receiver.url}\n  protocol: http/json\n  serviceName: ci-agent\n`);
      const r = await run(['tests', 'parse', REPORT, REPORT, '--json'], { TRACEPARENT }, dir);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout.trim().split('\n')).toHaveLength(2);
      expect(spanTree(receiver.spans, TRACE_ID)).toEqual([{ 'ci-intel tests parse': ['parse', 'parse'] }]);
      const root = receiver.spans.find((s) => s.name === 'ci-intel tests parse')!;
      expect(root).toMatchObject({ parentSpanId: PARENT, encoding: 'json', attributes: { 'ci_intel.command': 'tests parse', 'process.exit.code': 0 } });
      expect(root.resource['service.name']).toBe('ci-agent');
      for (const p of receiver.spans.filter((s) => s.name === 'parse')) expect(p.attributes['ci_intel.input']).toBe(REPORT);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('a failing command is an error span with its exit code', async () => {
    const r = await run(['tests', 'parse', path.join(cwd, 'missing.xml')], { TRACEPARENT, CI_INTEL_TRACES_ENDPOINT: receiver.url });
    expect(r.code).toBe(2);
    const root = receiver.spans.find((s) => s.name === 'ci-intel tests parse')!;
    expect(root.status).toEqual({ code: 2, message: 'exit code 2' });
    expect(root.attributes['process.exit.code']).toBe(2);
  }, 120_000);

  it('sends nothing without TRACEPARENT, or with a malformed one, even with an endpoint', async () => {
    const none = await run(['tests', 'parse', REPORT], { CI_INTEL_TRACES_ENDPOINT: receiver.url });
    const bad = await run(['tests', 'parse', REPORT], { TRACEPARENT: '00-not-a-trace-01', CI_INTEL_TRACES_ENDPOINT: receiver.url });
    expect([none.code, bad.code]).toEqual([0, 0]);
    expect([none.stderr, bad.stderr]).toEqual(['', '']);
    expect(receiver.requests).toBe(0);
    expect(receiver.spans).toEqual([]);
  }, 120_000);

  it('a collector that is down gives one warning line and the command its own exit code', async () => {
    const plain = await run(['tests', 'parse', REPORT], {});
    await receiver.stop();
    const r = await run(['tests', 'parse', REPORT], { TRACEPARENT, CI_INTEL_TRACES_ENDPOINT: receiver.url });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(plain.stdout);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^warning: this command's trace spans were not sent to ${receiver.url.replace(/[.]/g, '\\.')} \\(.+\\); the command's result is unaffected$`),
    );
  }, 120_000);
});
