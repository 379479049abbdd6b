// bench/traces — what exporting runs as traces costs ingest: runs/s through the real POST
// /api/v1/runs into PGlite with the trace exporter on (its background loop running with the default
// settings, the collector down for the first half of the input — connection refused — then up) vs
// the same hub with the exporter off, same input, same process, rounds alternated. Target: on >=
// 0.95x off. A third contender exports during ingest (quietMs 0, maxDelayMs 0): what a hub whose
// ingest never pauses pays once maxDelayMs is reached. Each exporting round then checks that every
// run's trace reached the collector once it was back. Prints ratios; asserts nothing.
//
//   npm run build && node bench/traces/run.mjs [--runs 3000] [--rounds 2]
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { createApp, createToken, defaultConfig, openHub, pillars, synthesize } from 'ci-intel';

const require = createRequire(import.meta.url);
const { ExportTraceServiceRequest } = require('otlp-proto-root/build/src/generated/root.js').opentelemetry.proto.collector.trace.v1;

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const TARGET_RUNS = arg('runs', 3000);
const ROUNDS = arg('rounds', 2);
const HTTP_BATCH = 250;

const traces = pillars.find((p) => p.id === 'traces');
const days = 10;
const repos = 5;
const perDay = Math.max(1, Math.round(TARGET_RUNS / (days * repos) / 1.25));
const { records } = synthesize({ repos, days, runsPerDay: perDay, seed: 2424, end: new Date('2026-06-01T00:00:00Z') });
console.log(
  `input: ${records.length} runs, ${records.reduce((s, r) => s + r.jobs.length, 0)} jobs; load: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (${os.cpus().length} cores)`,
);

/** An OTLP/HTTP receiver that decodes protobuf with the official proto definitions and counts spans per trace. */
function receiver() {
  const traceIds = new Map();
  let server = null;
  let port = 0;
  const handler = (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const msg = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(Buffer.concat(chunks)), { bytes: String, longs: String });
      for (const rs of msg.resourceSpans ?? [])
        for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) traceIds.set(s.traceId, (traceIds.get(s.traceId) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  };
  return {
    traceIds,
    get url() {
      return `http://127.0.0.1:${port}/v1/traces`;
    },
    async start() {
      server = http.createServer(handler);
      await new Promise((r) => server.listen(port, '127.0.0.1', r));
      port = server.address().port;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

async function round(mode, rec) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `ci-intel-bench-traces-${mode}-`));
  const config = defaultConfig(dataDir);
  config.dataDir = dataDir;
  config.db = path.join(dataDir, 'db');
  config.logLevel = 'error';
  const exporting = mode !== 'off';
  // on: the defaults (export waits for a quiet second, at most 30 s); eager: export during ingest.
  if (exporting)
    config.pillars = {
      traces: {
        endpoint: rec.url,
        settleMs: 0,
        retryMinMs: 200,
        retryMaxMs: 2000,
        timeoutMs: 2000,
        ...(mode === 'eager' ? { quietMs: 0, maxDelayMs: 0 } : {}),
      },
    };
  const hub = await openHub(config, { pillars: [traces], start: true, background: true });
  const app = await createApp(hub, [traces]);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const { token } = await createToken(hub.db, { repoPatterns: ['**'], scopes: ['ingest'], expiresAt: null });
  const lines = records.map((r) => JSON.stringify(r));
  if (exporting) await rec.stop(); // down: connection refused
  const t0 = performance.now();
  for (let i = 0; i < lines.length; i += HTTP_BATCH) {
    if (exporting && i >= lines.length / 2 && i - HTTP_BATCH < lines.length / 2) await rec.start(); // back up halfway
    const res = await fetch(`${address}/api/v1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body: lines.slice(i, i + HTTP_BATCH).join('\n') + '\n',
    });
    const body = await res.json();
    if (res.status !== 200) throw new Error(`ingest failed: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  }
  const ms = performance.now() - t0;
  let drainedMs = 0;
  if (exporting) {
    // Every run exported once the collector is back: wait for the queue to empty (capped).
    const t1 = performance.now();
    for (;;) {
      const { rows } = await sql`select count(*)::int as n from traces_queue`.execute(hub.db);
      if (rows[0].n === 0 || performance.now() - t1 > 600_000) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    drainedMs = performance.now() - t1;
  }
  await app.close();
  await hub.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { ms, drainedMs };
}

const rec = receiver();
await rec.start();
const results = { off: [], on: [], eager: [] };
for (let i = 0; i < ROUNDS; i++) {
  for (const mode of i % 2 === 0 ? ['off', 'on', 'eager'] : ['eager', 'on', 'off']) {
    rec.traceIds.clear();
    const r = await round(mode, rec);
    const perTrace = [...rec.traceIds.values()];
    results[mode].push(r.ms);
    const rate = (records.length / r.ms) * 1000;
    console.log(
      `round ${i + 1} ${mode}: ${rate.toFixed(0)} runs/s (${(r.ms / 1000).toFixed(2)} s)` +
        (mode !== 'off'
          ? `; queue drained ${(r.drainedMs / 1000).toFixed(2)} s after ingest; traces received ${rec.traceIds.size} of ${records.length}, spans per trace ${Math.min(...perTrace)}..${Math.max(...perTrace)}`
          : ''),
    );
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const on = (records.length / median(results.on)) * 1000;
const off = (records.length / median(results.off)) * 1000;
const eager = (records.length / median(results.eager)) * 1000;
console.log(
  `ingest with trace export (collector down, then up): ours ${on.toFixed(0)} runs/s, exporter off ${off.toFixed(0)} runs/s, ratio ${(on / off).toFixed(3)} (target >= 0.95)`,
);
console.log(
  `ingest while exporting without waiting for a pause (quietMs 0, maxDelayMs 0): ours ${eager.toFixed(0)} runs/s, exporter off ${off.toFixed(0)} runs/s, ratio ${(eager / off).toFixed(3)}`,
);
console.log(
  `load after: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
await rec.stop();
