// The canary judge against a real Prometheus (Debian's) scraping the fixture exporter every second:
// baseline, a healthy-but-noisy canary with a warm-up spike, and a regressed canary. The judge reads
// the series through Prometheus' HTTP API. UPDATE_FIXTURES=1 also writes what Prometheus answered to
// fixtures/recorded/ (the recorded series judge.test.ts replays).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pillars, runCli } from '../../../../test/support/assembled.js';
import { parseAnalysis } from './analysis.js';
import { startExporter, WARMUP_SCRAPES, type Exporter } from './fixtures/exporter.js';
import { prometheusBinary, startPrometheus, type RunningPrometheus } from './fixtures/prometheus-server.js';
import { judge } from './judge.js';
import { readPrometheus } from './prometheus-source.js';

if (!prometheusBinary() && process.env.CI === 'true') throw new Error('prometheus is missing: .ci/run installs the prometheus package');
const ANALYSIS = new URL('./fixtures/analysis.yml', import.meta.url);
const spec = parseAnalysis(readFileSync(ANALYSIS, 'utf8'), 'analysis.yml');
const SCRAPES = 26;

let exporter: Exporter;
let prom: RunningPrometheus;
let start: Date;
let end: Date;

describe.runIf(prometheusBinary())('canary judge on a real Prometheus', () => {
  beforeAll(async () => {
    exporter = await startExporter();
    start = new Date();
    prom = await startPrometheus([`127.0.0.1:${exporter.port}`]);
    // Wait for the scrapes: the warm-up, then enough samples for the minimum.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = (await (await fetch(`${prom.url}/api/v1/query?query=count_over_time(demo_request_success_ratio{track="canary"}[5m])`)).json()) as {
        data: { result: Array<{ value: [number, string] }> };
      };
      if (Number(r.data.result[0]?.value[1] ?? 0) >= SCRAPES || Date.now() > deadline) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    end = new Date();
  }, 90_000);
  afterAll(async () => {
    await prom?.stop();
    await exporter?.close();
  });

  const read = async (canaryTrack: string) => {
    const answers = new Map<string, string>();
    const fetcher = async (url: string) => {
      const res = await fetch(url);
      const text = await res.text();
      answers.set(url, text);
      return { ok: res.ok, status: res.status, text: async () => text };
    };
    const r = await readPrometheus(prom.url, spec, { baseline: 'baseline', canary: canaryTrack }, {}, { start, end, stepS: 1 }, 'analysis.yml', fetcher);
    return { ...r, answers };
  };

  const record = (name: string, r: Awaited<ReturnType<typeof read>>, track: 'baseline' | 'canary') => {
    if (process.env.UPDATE_FIXTURES !== '1') return;
    const out: Record<string, unknown> = {};
    for (const q of r.queries.filter((x) => x.track === track)) {
      const url = [...r.answers.keys()].find((u) => new URL(u).searchParams.get('query') === q.query)!;
      const doc = JSON.parse(r.answers.get(url)!) as { data: { result: Array<{ values: unknown }> } };
      out[q.metric] = doc.data.result[0]?.values ?? [];
    }
    writeFileSync(new URL(`./fixtures/recorded/${name}.json`, import.meta.url), `${JSON.stringify(out)}\n`);
  };

  it('a healthy, noisy canary after a warm-up spike is not rolled back', async () => {
    const r = await read('canary');
    record('baseline', r, 'baseline');
    record('canary-healthy', r, 'canary');
    // The warm-up really is in the series: early canary latencies above the bound.
    const lat = r.canary.get('latency-p95')!;
    expect(lat.length).toBeGreaterThanOrEqual(SCRAPES - 2);
    expect(lat.slice(0, WARMUP_SCRAPES - 1).every((s) => s.v > 0.5)).toBe(true);
    const d = judge(spec, r);
    expect(d.verdict).not.toBe('rollback');
    expect(d.metrics.every((m) => m.canary.warmup_excluded > 0)).toBe(true);
    // Judged on bounds alone (no warm-up exclusion), the same series breach the latency bound.
    const naive = judge({ ...spec, warmupMs: 0 }, r);
    expect(naive.metrics.find((m) => m.name === 'latency-p95')!.canary.failed_measurements).toBeGreaterThan(2);
    expect(r.queries.map((q) => q.query)).toContain('demo_request_latency_p95_seconds{track="canary"}');
    expect(r.queries.every((q) => /^[0-9a-f]{64}$/.test(q.sha256))).toBe(true);
  });

  it('a regressed canary is rolled back with the metric named', async () => {
    const r = await read('canary_regressed');
    record('canary-regressed', r, 'canary');
    const d = judge(spec, r);
    expect(d.verdict).toBe('rollback');
    expect(d.reason).toContain('latency-p95');
    expect(d.metrics.find((m) => m.name === 'latency-p95')!.status).toBe('fail');
  });

  it('the CLI reads the same series through --prometheus and rolls the regressed canary back', async () => {
    let out = '';
    const args = [
      'canary',
      'judge',
      '--prometheus',
      prom.url,
      '--query-file',
      fileURLToPath(ANALYSIS),
      '--baseline',
      'baseline',
      '--canary',
      'canary_regressed',
    ];
    const code = await runCli(
      [...args, '--start', start.toISOString(), '--end', end.toISOString(), '--json'],
      { out: (x) => (out += x), err: () => {}, env: {}, isTTY: false, now: () => end },
      pillars,
    );
    expect(code).toBe(1);
    const d = JSON.parse(out) as { verdict: string; inputs: { prometheus: { step_s: number; queries: Array<{ query: string; samples: number }> } } };
    expect(d.verdict).toBe('rollback');
    expect(d.inputs.prometheus.step_s).toBe(1);
    expect(d.inputs.prometheus.queries.map((q) => q.query)).toEqual([
      'demo_request_success_ratio{track="baseline"}',
      'demo_request_success_ratio{track="canary_regressed"}',
      'demo_request_latency_p95_seconds{track="baseline"}',
      'demo_request_latency_p95_seconds{track="canary_regressed"}',
    ]);
  });
});
